import { parseArgs } from 'node:util';
import { type SystemName, systemNames } from './compare-system.ts';

/** Everything `npm run bench:compare` can be told. */
export interface CompareOptions {
  /** Tenants stored, the large one included. */
  tenants: number;
  /** Memories of the large tenant. */
  large: number;
  systems: SystemName[];
  /** Measured queries per tenant size. */
  queries: number;
  /** Small tenants the small-size queries are spread over. */
  smallTenants: number;
  ingestBudgetSeconds: number;
  searchBudgetSeconds: number;
  /** Superuser URL of the PostgreSQL server; the bench creates its own databases beside it. */
  adminUrl: string;
  outputDirectory: string;
  help: boolean;
}

/** The `--help` text. */
export const compareUsage = `Usage: node --import tsx bench/compare/compare.ts [options]

Runs Strata and the alternatives on one generated multi-tenant workload and writes
bench/results/compare.md, compare.json and compare-*.png.

  --tenants N          tenants stored, the large one included (default 2000)
  --large N            memories of the large tenant (default 50000)
  --systems LIST       comma-separated subset of ${systemNames.join(',')} (default all)
  --queries N          measured queries per tenant size (default 200)
  --small-tenants N    small tenants the small-size queries are spread over (default 10)
  --ingest-budget S    seconds of ingest per system for the small tenants, and again for the large one (default 60)
  --search-budget S    seconds of measured queries per system and size (default 30)
  --database-url URL   superuser URL (default STRATA_BENCH_ADMIN_URL or postgres://postgres:postgres@127.0.0.1:5432/postgres)
  --output DIR         report folder (default bench/results)
  --help               this text

Needs the alternatives installed once: cd bench/compare && npm install`;

const positive = (name: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name}: expected a positive integer, got '${value}'`);
  return number;
};

/** Parses the command line; throws with the flag's name on a bad value. */
export function parseCompareOptions(argv: readonly string[]): CompareOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      tenants: { type: 'string' },
      large: { type: 'string' },
      systems: { type: 'string' },
      queries: { type: 'string' },
      'small-tenants': { type: 'string' },
      'ingest-budget': { type: 'string' },
      'search-budget': { type: 'string' },
      'database-url': { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const systems = (values.systems ?? systemNames.join(',')).split(',').map((name) => name.trim());
  const unknown = systems.filter((name) => !(systemNames as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--systems: unknown ${unknown.join(', ')}; known: ${systemNames.join(', ')}`);
  const tenants = positive('tenants', values.tenants, 2_000);
  if (tenants < 2) throw new Error('--tenants: at least 2 (the large tenant and one small one)');
  return {
    tenants,
    large: positive('large', values.large, 50_000),
    systems: systemNames.filter((name) => systems.includes(name)),
    queries: positive('queries', values.queries, 200),
    smallTenants: positive('small-tenants', values['small-tenants'], 10),
    ingestBudgetSeconds: positive('ingest-budget', values['ingest-budget'], 60),
    searchBudgetSeconds: positive('search-budget', values['search-budget'], 30),
    adminUrl: values['database-url'] ?? process.env.STRATA_BENCH_ADMIN_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres',
    outputDirectory: values.output ?? 'bench/results',
    help: values.help,
  };
}
