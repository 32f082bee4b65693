import { parseArgs } from 'node:util';

/** Everything the HTTP bench can be told; {@link resolveHttpOptions} fills the defaults. */
export interface HttpBenchOptions {
  /** Where the store lives: a PostgreSQL server (the target's back end) or PGlite in a temp directory. */
  backend: 'postgres' | 'pglite';
  /** Superuser URL of the server; the bench database is created beside it. */
  adminUrl: string;
  /** The bench database on the server; dropped and re-created per run. */
  database: string;
  /** Tenants stored besides the measured one (most hold a few memories). */
  tenants: number;
  /** Memories across those tenants (Zipf-distributed; the largest holds `smallTenantsLargest`). */
  smallTenantsMemories: number;
  /** Memories of the largest of those tenants. */
  smallTenantsLargest: number;
  /** The measured tenant's id. */
  tenantId: string;
  /** Memories of the measured tenant. */
  tenantSize: number;
  /** Seconds measured per point. */
  durationSeconds: number;
  /** Seconds of discarded warm-up before each point. */
  warmupSeconds: number;
  /** Connection counts of the vector-mode load runs. */
  connections: number[];
  /** Connection count of the secondary hybrid-mode run. */
  hybridConnections: number;
  /** Concurrent in-process callers compared with the vector load point of as many connections. */
  concurrentCallers: number;
  /** Interleaved rounds of the single-caller comparison; each times `durationSeconds / rounds` per path. */
  sequentialRounds: number;
  /** Distinct queries sent in rotation. */
  queries: number;
  /** Results asked for (k). */
  limit: number;
  /** Connection pool of the store, in the server child and in-process alike. */
  poolSize: number;
  /** Concurrent writers while loading. */
  writers: number;
  /** Where `http.md` and `http.json` go. */
  outputDirectory: string;
  seed: number;
}

/** The defaults: 1,000 small tenants, one of 10,000 memories, 10 s per point at 16 and 64 connections. */
export const defaultHttpOptions: HttpBenchOptions = {
  backend: 'postgres',
  adminUrl: process.env.STRATA_BENCH_ADMIN_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres',
  database: 'strata_bench_http',
  tenants: 1_000,
  smallTenantsMemories: 10_000,
  smallTenantsLargest: 500,
  tenantId: 'bench-10k',
  tenantSize: 10_000,
  durationSeconds: 10,
  warmupSeconds: 3,
  connections: [16, 64],
  hybridConnections: 16,
  concurrentCallers: 16,
  sequentialRounds: 5,
  queries: 200,
  limit: 10,
  poolSize: 10,
  writers: 4,
  outputDirectory: new URL('../results/', import.meta.url).pathname,
  seed: 42,
};

const usage = `node --import tsx bench/http/http.ts [options]
  --backend postgres|pglite   where the store lives (default postgres)
  --admin-url URL             superuser URL (default postgres://postgres:postgres@127.0.0.1:5432/postgres)
  --database NAME             bench database, dropped and re-created (default strata_bench_http)
  --tenants N                 small tenants besides bench-10k (default 1000)
  --duration S                measured seconds per point (default 10); --warmup S (default 3)
  --connections 16,64         vector-mode connection counts; --pool-size N (default 10)
  --rounds N                  interleaved rounds of the single-caller comparison (default 5)
  --out DIR                   report directory (default bench/results)`;

/** Fills defaults and checks the values; throws with the usage on a bad one. */
export function resolveHttpOptions(input: Partial<HttpBenchOptions> = {}): HttpBenchOptions {
  const options = { ...defaultHttpOptions, ...input };
  const problems: string[] = [];
  if (options.backend !== 'postgres' && options.backend !== 'pglite') problems.push(`--backend: unknown ${String(options.backend)}`);
  if (options.database === 'strata_test') problems.push('--database: strata_test belongs to the test suite');
  const whole = { tenants: options.tenants, 'pool-size': options.poolSize, queries: options.queries, rounds: options.sequentialRounds };
  for (const [name, value] of Object.entries(whole)) {
    if (!Number.isInteger(value) || value < 1) problems.push(`--${name}: must be a positive whole number`);
  }
  if (!(options.durationSeconds > 0) || !(options.warmupSeconds >= 0)) problems.push('--duration/--warmup: seconds, duration above 0');
  if (options.connections.some((count) => !Number.isInteger(count) || count < 1)) problems.push('--connections: positive whole numbers');
  if (problems.length > 0) throw new Error(`bad HTTP bench options:\n  ${problems.join('\n  ')}\n\n${usage}`);
  return options;
}

/** Parses command-line flags; `--help` prints the usage and exits. */
export function parseHttpOptions(argv: readonly string[]): HttpBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      backend: { type: 'string' },
      'admin-url': { type: 'string' },
      database: { type: 'string' },
      tenants: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'pool-size': { type: 'string' },
      rounds: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  const input: Partial<HttpBenchOptions> = {};
  if (values.backend !== undefined) input.backend = values.backend as HttpBenchOptions['backend'];
  if (values['admin-url'] !== undefined) input.adminUrl = values['admin-url'];
  if (values.database !== undefined) input.database = values.database;
  if (values.tenants !== undefined) input.tenants = Number(values.tenants);
  if (values.duration !== undefined) input.durationSeconds = Number(values.duration);
  if (values.warmup !== undefined) input.warmupSeconds = Number(values.warmup);
  if (values.connections !== undefined) input.connections = values.connections.split(',').map((part) => Number(part.trim()));
  if (values['pool-size'] !== undefined) input.poolSize = Number(values['pool-size']);
  if (values.rounds !== undefined) input.sequentialRounds = Number(values.rounds);
  if (values.out !== undefined) input.outputDirectory = values.out;
  return resolveHttpOptions(input);
}
