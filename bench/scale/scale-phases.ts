import type { SearchMode } from '../../src/index.ts';
import type { BenchBackend } from '../lib/backend.ts';
import { rankOf, tenantId } from '../lib/load.ts';
import { elapsedMs } from '../lib/stats.ts';
import { type MeasureContext, type MeasuredTenant, measureSearches, type SearchMeasurement } from './scale-measure.ts';

/** One row of the latency-by-size table, searched the way the library routes it by default. */
export interface SizeRow {
  label: string;
  route: 'exact' | 'hnsw';
  measurements: SearchMeasurement[];
}

/** Exact scan versus the tenant's own HNSW index at one tenant size. */
export interface SweepRow {
  size: number;
  exact: SearchMeasurement;
  hnsw: SearchMeasurement | null;
  buildSeconds: number | null;
}

/** The tenants a run measures and the state its phases share. */
export interface MeasuredRun {
  backend: BenchBackend;
  context: MeasureContext;
  modes: readonly SearchMode[];
  largest: MeasuredTenant;
  /** The ≤1k tenants, measured as one group. */
  small: MeasuredTenant[];
  tenThousand: MeasuredTenant | null;
  /** Tenants of the threshold sweep (and the largest, when an exact scan of it is affordable). */
  sweep: MeasuredTenant[];
  /** Index build time per tenant rank (the last build, when rebuilt). */
  buildSeconds: Map<number, number>;
  /** Ranks of the tenants with their own index: the library's routing decides by this. */
  indexed: Set<number>;
}

/** Where the library sends a tenant's vector search: through its own index once it has one. */
export const routeOf = (run: MeasuredRun, tenant: MeasuredTenant): SizeRow['route'] => (run.indexed.has(tenant.rank) ? 'hnsw' : 'exact');

/** Times vector search of `tenants` (recall included) with the current store; PGlite's is reopened by owner work. */
export function measureVector(run: MeasuredRun, tenants: MeasuredTenant[], mode: SearchMode = 'vector'): Promise<SearchMeasurement> {
  run.context.strata = run.backend.strata;
  return measureSearches(run.context, tenants, mode, { recall: true });
}

/** Exact-scan latency and recall of every sweep tenant, before any index exists. */
export async function measureExactSweep(run: MeasuredRun): Promise<Map<number, SearchMeasurement>> {
  const rows = new Map<number, SearchMeasurement>();
  for (const tenant of run.sweep) rows.set(tenant.rank, await measureVector(run, [tenant]));
  return rows;
}

/** Builds one tenant's HNSW index through the library and records how long it took. */
export async function buildIndex(run: MeasuredRun, tenant: MeasuredTenant): Promise<void> {
  const start = performance.now();
  await run.backend.strata.maintenance.buildIndex(tenantId(tenant.rank));
  run.buildSeconds.set(tenant.rank, elapsedMs(start) / 1000);
  run.indexed.add(tenant.rank);
}

/**
 * Lets `maintenance.indexLargeTenants` index every tenant at or above the library's own
 * `vectorIndexThreshold`, as an operator would, and records which tenants now have an index.
 */
export async function indexLargeTenants(run: MeasuredRun): Promise<{ seconds: number; built: string[] }> {
  const start = performance.now();
  const built = await run.backend.strata.maintenance.indexLargeTenants();
  for (const id of built) run.indexed.add(rankOf(id));
  return { seconds: elapsedMs(start) / 1000, built };
}

/** The by-size table: ≤1k tenants, the 10k tenant and the largest, in every requested mode. */
export async function measureBySize(run: MeasuredRun): Promise<SizeRow[]> {
  const groups: Array<[string, MeasuredTenant[]]> = [[`≤1k (${run.small.length} tenants)`, run.small]];
  if (run.tenThousand !== null) groups.push(['10k', [run.tenThousand]]);
  groups.push([`largest (${run.largest.stored.toLocaleString('en-US')})`, [run.largest]]);
  const rows: SizeRow[] = [];
  for (const [label, tenants] of groups) {
    const measurements: SearchMeasurement[] = [];
    for (const mode of run.modes) measurements.push(await measureVector(run, tenants, mode));
    rows.push({ label, route: tenants.some((tenant) => routeOf(run, tenant) === 'hnsw') ? 'hnsw' : 'exact', measurements });
  }
  return rows;
}

/**
 * Builds (or, for tenants `indexLargeTenants` already indexed, rebuilds) each sweep tenant's
 * index, timing the build, and measures search through it.
 */
export async function measureHnswSweep(run: MeasuredRun, exactSweep: ReadonlyMap<number, SearchMeasurement>): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const tenant of run.sweep) {
    const exact = exactSweep.get(tenant.rank);
    if (exact === undefined) continue;
    await buildIndex(run, tenant);
    rows.push({
      size: tenant.stored,
      exact,
      hnsw: await measureVector(run, [tenant]),
      buildSeconds: run.buildSeconds.get(tenant.rank) ?? null,
    });
  }
  return rows.sort((left, right) => left.size - right.size);
}
