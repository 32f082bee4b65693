/**
 * Governance benchmarks: (1) the latency cost of rate limits, audit + metering and telemetry on
 * in-process search and create, this tree (ON) against the commit before governance (OFF, run
 * from a git worktree), on server PostgreSQL (1 and 8 callers) and PGlite (1 caller);
 * (2) a noisy neighbour: a small tenant's p99 search latency over HTTP while a large tenant
 * floods the service, against its p99 alone, with the large tenant on each of several plans.
 * Writes bench/results/governance.md and governance.json.
 *
 * Run: `node --import tsx bench/governance/governance.ts [--help]`; `npm run bench` runs it last unless `--no-governance`.
 */
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultHttpOptions } from '../http/http-options.ts';
import type { BenchBackend } from '../lib/backend.ts';
import { createCorpus } from '../lib/corpus.ts';
import { describeDatabase, describeMachine } from '../lib/machine.ts';
import { measureNoisyNeighbour, type NoisyOptions } from '../noisy-neighbour/noisy-neighbour.ts';
import { measureOverhead } from './governance-overhead.ts';
import {
  type GovernanceReport,
  type OverheadResult,
  renderGovernanceMarkdown,
  renderGovernanceTables,
  writeGovernanceReport,
} from './governance-report.ts';
import { openSide, type Population, populateSide, prepareSides, type Side, writesTenant } from './governance-sides.ts';

/** Everything the governance bench can be told. */
export interface GovernanceOptions {
  adminUrl: string;
  /** Database name prefix: `<prefix>_on`, `<prefix>_off` and `<prefix>_noisy` are dropped and re-created. */
  database: string;
  beforeCommit: string;
  beforePath: string;
  backends: Array<'postgres' | 'pglite'>;
  population: Population;
  rounds: number;
  sliceSeconds: number;
  warmupSeconds: number;
  /** Concurrent callers on the server (PGlite is one connection: 1 caller only). */
  callers: number[];
  poolSize: number;
  /** Null skips the noisy-neighbour run. */
  noisy: Omit<NoisyOptions, 'adminUrl' | 'database'> | null;
  outputDirectory: string;
}

/** The defaults: 200 tenants beside a 2,000-memory one, 6 rounds of 2 s slices; noisy neighbour on starter and enterprise. */
export const defaultGovernanceOptions: GovernanceOptions = {
  adminUrl: defaultHttpOptions.adminUrl,
  database: 'strata_bench_governance',
  beforeCommit: '1d8c19b',
  beforePath: join(tmpdir(), 'strata-before'),
  backends: ['postgres', 'pglite'],
  population: {
    tenants: 200,
    smallTenantsMemories: 4_000,
    smallTenantsLargest: 200,
    tenantId: 'governed-2k',
    tenantMemories: 2_000,
    writers: 4,
    seed: 42,
  },
  rounds: 6,
  sliceSeconds: 2,
  warmupSeconds: 0.5,
  callers: [1, 8],
  poolSize: 10,
  noisy: {
    poolSize: 10,
    largeMemories: 10_000,
    smallMemories: 100,
    largePlans: ['starter', 'enterprise'],
    connections: 64,
    seconds: 15,
    passes: 2,
    limit: 10,
  },
  outputDirectory: new URL('../results/', import.meta.url).pathname,
};

const usage = `node --import tsx bench/governance/governance.ts [options]
  --admin-url URL        superuser URL (default ${defaultHttpOptions.adminUrl.replace(/:[^:@/]*@/, ':***@')})
  --backend B            postgres, pglite or both (default both)
  --rounds N             alternating ON/OFF rounds (default 6); --slice S seconds per cell per round (default 2)
  --tenants N            small tenants beside the measured one (default 200)
  --noisy-seconds S      small-tenant seconds per phase (default 15); --plans starter,enterprise; --connections 64
  --no-noisy             skip the noisy-neighbour run; --no-overhead skips the ON/OFF comparison
  --before-path DIR      where the worktree of ${defaultGovernanceOptions.beforeCommit} is (added if absent; default ${defaultGovernanceOptions.beforePath})
  --out DIR              report directory (default bench/results)`;

/** Parses the command line over the defaults; `--help` prints the usage and exits. */
export function parseGovernanceOptions(argv: readonly string[]): GovernanceOptions & { overhead: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'admin-url': { type: 'string' },
      backend: { type: 'string' },
      rounds: { type: 'string' },
      slice: { type: 'string' },
      tenants: { type: 'string' },
      'noisy-seconds': { type: 'string' },
      plans: { type: 'string' },
      connections: { type: 'string' },
      'no-noisy': { type: 'boolean' },
      'no-overhead': { type: 'boolean' },
      'before-path': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  const defaults = defaultGovernanceOptions;
  const noisy = defaults.noisy === null || values['no-noisy'] === true ? null : { ...defaults.noisy };
  if (noisy !== null && values['noisy-seconds'] !== undefined) noisy.seconds = Number(values['noisy-seconds']);
  if (noisy !== null && values.plans !== undefined) noisy.largePlans = values.plans.split(',');
  if (noisy !== null && values.connections !== undefined) noisy.connections = Number(values.connections);
  const backend = values.backend ?? 'both';
  if (!['postgres', 'pglite', 'both'].includes(backend)) throw new Error(`--backend: postgres, pglite or both\n\n${usage}`);
  return {
    ...defaults,
    adminUrl: values['admin-url'] ?? defaults.adminUrl,
    backends: backend === 'both' ? ['postgres', 'pglite'] : [backend as 'postgres' | 'pglite'],
    population: { ...defaults.population, tenants: Number(values.tenants ?? defaults.population.tenants) },
    rounds: Number(values.rounds ?? defaults.rounds),
    sliceSeconds: Number(values.slice ?? defaults.sliceSeconds),
    noisy,
    beforePath: values['before-path'] ?? defaults.beforePath,
    outputDirectory: values.out ?? defaults.outputDirectory,
    overhead: values['no-overhead'] !== true,
  };
}

/**
 * Runs both parts, writes governance.md and governance.json to `options.outputDirectory` and
 * prints the tables; progress goes to stderr.
 *
 * @example
 * await runGovernanceBench({ ...defaultGovernanceOptions, noisy: null }, 'node --import tsx bench/governance/governance.ts --no-noisy');
 */
export async function runGovernanceBench(options: GovernanceOptions & { overhead?: boolean }, command: string): Promise<GovernanceReport> {
  const progress = (line: string) => process.stderr.write(`[governance] ${line}\n`);
  const start = loadavg();
  const machine = await describeMachine();
  const sides = await prepareSides(options.beforeCommit, options.beforePath);
  const corpus = createCorpus({ seed: options.population.seed });
  const queries = Array.from({ length: 200 }, (_, index) => corpus.queryText(options.population.tenants, index, 'measured'));
  const overhead: OverheadResult[] = [];
  for (const backend of options.overhead === false ? [] : options.backends) {
    overhead.push(await compareOnBackend(backend, sides, options, corpus, queries, progress));
  }
  const noisy =
    options.noisy === null
      ? { skipped: 'turned off with --no-noisy, or no server PostgreSQL' }
      : {
          options: options.noisy,
          rows: await measureNoisyNeighbour(
            { ...options.noisy, adminUrl: options.adminUrl, database: `${options.database}_noisy` },
            corpus,
            progress,
          ),
        };
  const report: GovernanceReport = {
    generatedAt: new Date().toISOString(),
    command,
    machine,
    loadAverage: { start, end: loadavg() },
    sides,
    population: options.population,
    timing: { rounds: options.rounds, sliceSeconds: options.sliceSeconds, warmupSeconds: options.warmupSeconds },
    overhead,
    noisy,
  };
  const paths = await writeGovernanceReport(report, renderGovernanceMarkdown(report), options.outputDirectory);
  console.log(`\n${renderGovernanceTables(report)}\n\nWrote ${paths.join(' and ')}`);
  return report;
}

async function compareOnBackend(
  backend: 'postgres' | 'pglite',
  sides: readonly Side[],
  options: GovernanceOptions,
  corpus: ReturnType<typeof createCorpus>,
  queries: readonly string[],
  progress: (line: string) => void,
): Promise<OverheadResult> {
  const opened: Array<{ side: Side; backend: BenchBackend }> = [];
  try {
    for (const side of sides) {
      progress(`${backend} ${side.name} (${side.revision}): loading...`);
      const store = await openSide(side, backend, { adminUrl: options.adminUrl, database: options.database, poolSize: options.poolSize });
      opened.push({ side, backend: store });
      await populateSide(side, store, options.population, corpus);
    }
    const database = await describeDatabase(opened[0]?.backend as BenchBackend);
    const callers = backend === 'pglite' ? [1] : options.callers;
    const timing = {
      rounds: options.rounds,
      sliceSeconds: options.sliceSeconds,
      warmupSeconds: options.warmupSeconds,
      callers,
      queries,
      limit: 10,
    };
    const rows = await measureOverhead(
      opened,
      { search: options.population.tenantId, create: writesTenant(options.population) },
      timing,
      (line) => progress(`${backend} ${line}`),
    );
    return { backend, database, rows };
  } finally {
    for (const { backend: store } of opened) await store.close();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const argv = process.argv.slice(2);
  await runGovernanceBench(parseGovernanceOptions(argv), ['node --import tsx bench/governance/governance.ts', ...argv].join(' '));
}
