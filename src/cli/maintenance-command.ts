import { compact, integerOption } from './args.ts';
import type { CommandDefinition } from './command.ts';
import { formatRecord } from './output.ts';

/** `strata re-embed` and `strata index ...`: operator maintenance. */
export const maintenanceCommands: CommandDefinition[] = [
  {
    path: ['re-embed'],
    arguments: [],
    summary: 're-embed every stored row with the configured embedding model (resumable)',
    options: {
      'batch-size': { type: 'string', valueName: '<n>', description: 'rows per batch (default 256)' },
    },
    // The store refuses to open on a model other than the stored rows' unless told this is the re-embed.
    storeOptions: { allowModelChange: true },
    async run({ options, io, open }) {
      const strata = await open();
      const report = await strata.maintenance.reembed(
        compact({
          batchSize: integerOption(options, 'batch-size'),
          // Progress goes to stderr so stdout stays the report alone (one JSON document with --json).
          onProgress: (done: number) => io.stderr.write(`re-embedded ${done} rows\n`),
        }),
      );
      const text = formatRecord([
        ['model', report.model],
        ['tenants', String(report.tenants)],
        ['rows', String(report.rows)],
      ]);
      return { result: report, text };
    },
  },
  {
    path: ['index', 'build'],
    arguments: [{ name: 'tenantId', required: true }],
    summary: "build (or rebuild) one tenant's own vector index now",
    options: {},
    async run({ arguments: [tenantId = ''], open }) {
      const result = await (await open()).maintenance.buildIndex(tenantId);
      return { result, text: `built index ${result.index} for tenant ${result.tenantId}` };
    },
  },
  {
    path: ['index', 'large'],
    arguments: [],
    summary: 'build indexes for every tenant over the size threshold that lacks one',
    options: {},
    async run({ open }) {
      const built = await (await open()).maintenance.indexLargeTenants();
      return { result: built, text: built.length === 0 ? 'no tenant needed an index' : `built indexes for: ${built.join(', ')}` };
    },
  },
];
