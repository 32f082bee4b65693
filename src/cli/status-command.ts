import type { CommandDefinition } from './command.ts';
import { formatRecord } from './output.ts';

/** `strata status`: opens (creating if needed) the store and says what it holds and how to go on. */
export const statusCommands: CommandDefinition[] = [
  {
    path: ['status'],
    arguments: [],
    summary: 'open (or create) the store and show its back end, model and tenants',
    options: {},
    async run({ open, service }) {
      const strata = await open();
      const page = await strata.tenants.list({ limit: 200 });
      const tenants = page.nextCursor === null ? String(page.items.length) : `${page.items.length}+`;
      const via = service?.servedBy === undefined ? {} : { servedBy: service.servedBy };
      const result = {
        ...(strata.info ?? { service: service?.baseUrl, ...via }),
        tenants: page.items.length,
        moreTenants: page.nextCursor !== null,
      };
      const where: [string, string][] =
        strata.info === undefined
          ? [
              [
                'service',
                `${service?.baseUrl}${service?.servedBy === undefined ? '' : ` (strata serve, process ${service.servedBy}, holding the data directory)`}`,
              ],
            ]
          : [
              ['backend', strata.info.backend],
              ['location', strata.info.location],
              ['embedding model', `${strata.info.embeddingModel} (${strata.info.dimensions} dimensions)`],
            ];
      const text = [
        formatRecord([...where, ['tenants', tenants]]),
        '',
        'Next: strata tenants create acme',
        '      strata --tenant acme --user john memories add "Prefers window seats"',
        '      strata --tenant acme --user john search "seating"',
        'All commands: strata --help',
      ].join('\n');
      return { result, text };
    },
  },
];
