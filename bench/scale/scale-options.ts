import { parseArgs } from 'node:util';
import type { SearchMode } from '../../src/index.ts';

/** The store population of one back end. */
export interface PopulationOptions {
  tenants: number;
  /** Memories across all tenants (Zipf-distributed). */
  memories: number;
  /** Memories of the largest tenant. */
  largest: number;
  /** Tenant sizes of the exact-versus-HNSW threshold sweep. */
  sweep: number[];
}

/** Everything `npm run bench` can be told. */
export interface ScaleOptions {
  preset: 'quick' | 'medium' | 'full';
  backends: Array<'postgres' | 'pglite'>;
  postgres: PopulationOptions;
  pglite: PopulationOptions;
  /** Sizes of the small (≤1k) tenants measured together. */
  smallSizes: number[];
  /** Measured vector queries per tenant (≥ 200 for a meaningful p99). */
  queries: number;
  /** Measured queries per tenant in the other modes (hybrid, keyword): informational, slow on big tenants. */
  otherModeQueries: number;
  /** Seconds per tenant the other modes may take (warmup included) before their measurement stops. */
  otherModeBudgetSeconds: number;
  /** Warmup queries per tenant and mode, from a separate query set. */
  warmup: number;
  /** Results asked for (k). */
  limit: number;
  /** `hnsw.ef_search` values tried on the largest tenant's index (server only); empty skips it. */
  efSearch: number[];
  /** Modes of the by-size latency table; the sweep is always `vector`. */
  modes: SearchMode[];
  /** Concurrent writers loading a server (PGlite has one connection). */
  writers: number;
  /** Items per createMany call. */
  batchSize: number;
  /** Sequential tenant creations timed on the loaded store. */
  creationSamples: number;
  /** Superuser URL of the server; the bench database is created beside it. */
  adminUrl: string;
  /** The bench database on the server; dropped and re-created per run. */
  database: string;
  /** ANALYZE after loading, as autovacuum would on a server (PGlite has no autovacuum). */
  analyze: boolean;
  /** Where the report goes. */
  outputDirectory: string;
  /** Report file name without extension: `<name>.md` and `<name>.json`. */
  reportName: string;
  /** Run the LoCoMo store benchmark too, if it exists. */
  locomo: boolean;
  /** Run the HTTP service bench (server PostgreSQL) after the others. */
  http: boolean;
  seed: number;
}

const presets: Record<ScaleOptions['preset'], Pick<PopulationOptions, 'tenants' | 'memories' | 'largest'>> = {
  quick: { tenants: 2_000, memories: 150_000, largest: 50_000 },
  medium: { tenants: 10_000, memories: 400_000, largest: 100_000 },
  full: { tenants: 100_000, memories: 2_000_000, largest: 500_000 },
};

const usage = `npm run bench -- [--full | --medium] [options]
  --backend postgres|pglite|both     back ends to measure (default both)
  --tenants N --memories N --largest N    server population (preset: quick 2000/150k/50k)
  --pglite-tenants N --pglite-memories N --pglite-largest N   PGlite population (1000/60k/20k)
  --sweep 1000,5000,...  --pglite-sweep 1000,...   threshold sweep sizes
  --small 1000,300,...   small tenants measured as the "≤1k" row
  --queries N (200) --hybrid-queries N (60, other modes) --hybrid-budget SECONDS (45 per tenant) --warmup N (20) --limit K (10) --modes vector,hybrid
  --ef-search 40,100,200,400   ef_search values tried on the largest tenant's index ('' skips; server)
  --writers N (4) --batch N (500) --creation-samples N (200)
  --admin-url URL (postgres://postgres:postgres@127.0.0.1:5432/postgres) --database NAME (strata_bench)
  --no-analyze   skip ANALYZE after loading (shows the as-shipped planner behaviour)
  --out DIR (bench/results) --name NAME (scale: NAME.md, NAME.json) --no-locomo --no-http --seed N
  (the HTTP bench runs last, on the server: bench/results/http.md; alone: node --import tsx bench/http/http.ts --help)`;

const numbers = (text: string) => text.split(',').map((part) => Number(part.trim()));

/** Parses command-line flags into options; `--help` prints usage and exits. */
export function parseScaleOptions(argv: readonly string[]): ScaleOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      full: { type: 'boolean' },
      medium: { type: 'boolean' },
      backend: { type: 'string' },
      tenants: { type: 'string' },
      memories: { type: 'string' },
      largest: { type: 'string' },
      'pglite-tenants': { type: 'string' },
      'pglite-memories': { type: 'string' },
      'pglite-largest': { type: 'string' },
      sweep: { type: 'string' },
      'pglite-sweep': { type: 'string' },
      small: { type: 'string' },
      queries: { type: 'string' },
      warmup: { type: 'string' },
      'hybrid-queries': { type: 'string' },
      'hybrid-budget': { type: 'string' },
      limit: { type: 'string' },
      modes: { type: 'string' },
      'ef-search': { type: 'string' },
      writers: { type: 'string' },
      batch: { type: 'string' },
      'creation-samples': { type: 'string' },
      'admin-url': { type: 'string' },
      database: { type: 'string' },
      'no-analyze': { type: 'boolean' },
      out: { type: 'string' },
      name: { type: 'string' },
      'no-locomo': { type: 'boolean' },
      'no-http': { type: 'boolean' },
      seed: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  const preset = values.full === true ? 'full' : values.medium === true ? 'medium' : 'quick';
  const number = (text: string | undefined, fallback: number) => (text === undefined ? fallback : Number(text));
  const backend = values.backend ?? 'both';
  const options: ScaleOptions = {
    preset,
    backends: backend === 'both' ? ['postgres', 'pglite'] : [backend as 'postgres' | 'pglite'],
    postgres: {
      tenants: number(values.tenants, presets[preset].tenants),
      memories: number(values.memories, presets[preset].memories),
      largest: number(values.largest, presets[preset].largest),
      sweep: numbers(values.sweep ?? '1000,5000,10000,20000,50000'),
    },
    pglite: {
      tenants: number(values['pglite-tenants'], 1_000),
      memories: number(values['pglite-memories'], 60_000),
      largest: number(values['pglite-largest'], 20_000),
      sweep: numbers(values['pglite-sweep'] ?? '1000,5000,10000,20000'),
    },
    smallSizes: numbers(values.small ?? '1000,300,100,30,10,3,1'),
    queries: number(values.queries, 200),
    otherModeQueries: number(values['hybrid-queries'], 60),
    otherModeBudgetSeconds: number(values['hybrid-budget'], 45),
    warmup: number(values.warmup, 20),
    limit: number(values.limit, 10),
    efSearch: values['ef-search'] === '' ? [] : numbers(values['ef-search'] ?? '40,100,200,400'),
    modes: (values.modes ?? 'vector,hybrid').split(',') as SearchMode[],
    writers: number(values.writers, 4),
    batchSize: number(values.batch, 500),
    creationSamples: number(values['creation-samples'], 200),
    adminUrl: values['admin-url'] ?? process.env.STRATA_BENCH_ADMIN_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres',
    database: values.database ?? 'strata_bench',
    analyze: values['no-analyze'] !== true,
    outputDirectory: values.out ?? new URL('../results/', import.meta.url).pathname,
    reportName: values.name ?? 'scale',
    locomo: values['no-locomo'] !== true,
    http: values['no-http'] !== true,
    seed: number(values.seed, 42),
  };
  validate(options);
  return options;
}

function validate(options: ScaleOptions): void {
  const problems: string[] = [];
  for (const backend of options.backends)
    if (backend !== 'postgres' && backend !== 'pglite') problems.push(`--backend: unknown ${backend}`);
  if (!/^[a-z0-9-]+$/.test(options.reportName) || options.reportName.startsWith('locomo'))
    problems.push('--name: letters, digits, -; not locomo-*');
  if (options.database === 'strata_test') problems.push('--database: strata_test belongs to the test suite');
  for (const [name, value] of Object.entries({ queries: options.queries, warmup: options.warmup, writers: options.writers })) {
    if (!Number.isInteger(value) || value < 0) problems.push(`--${name}: must be a whole number`);
  }
  for (const population of [options.postgres, options.pglite]) {
    if (population.largest > population.memories) problems.push('largest tenant exceeds the memory total');
    if (population.tenants < 1 || population.sweep.some((size) => !Number.isFinite(size))) problems.push('bad population sizes');
  }
  if (options.batchSize < 1 || options.batchSize > 500) problems.push('--batch: 1 to 500 (the createMany limit)');
  if (problems.length > 0) throw new Error(`bad bench options:\n  ${problems.join('\n  ')}\n\n${usage}`);
}
