import type { BenchBackend } from '../lib/backend.ts';
import { quoteLiteral } from '../lib/backend.ts';
import { tenantId } from '../lib/load.ts';
import { elapsedMs, type LatencySummary, summarize } from '../lib/stats.ts';
import { recallOfHits } from './scale-exact.ts';
import { exactFor, type MeasureContext, type MeasuredTenant } from './scale-measure.ts';

/** Recall and latency of one tenant's HNSW index at one `hnsw.ef_search`. */
export interface EfSearchRow {
  efSearch: number;
  recall: number;
  minRecall: number;
  latency: LatencySummary;
}

/**
 * How recall@k of the largest tenant's index moves with `hnsw.ef_search` (the library uses
 * max(100, 2k)). Runs the index query directly as the owner, outside the library, so the
 * library's fixed setting can be compared with others; latencies here skip the library's
 * session overhead and row-level security.
 */
export async function sweepEfSearch(
  backend: BenchBackend,
  context: MeasureContext,
  tenant: MeasuredTenant,
  efSearchValues: readonly number[],
  dimensions: number,
): Promise<EfSearchRow[] | null> {
  if (backend.ownerQuery === undefined) return null;
  const exact = await exactFor(context, tenant);
  const sql = `SELECT memory_id::text AS "memoryId", content FROM memories
    WHERE tenant_id = ${quoteLiteral(tenantId(tenant.rank))} AND kind <> 'document'
    ORDER BY embedding::vector(${dimensions}) <=> $1::vector(${dimensions}) LIMIT ${context.limit}`;
  const query = (index: number) => JSON.stringify(Array.from(exact.queryVectors[index] ?? []));
  // Without the tenant's index in the plan this would be an exact scan: nothing to learn.
  const plan = await backend.ownerQuery(`EXPLAIN ${sql}`, [query(0)]);
  if (!JSON.stringify(plan).includes('memories_hnsw_')) return null;
  const rows: EfSearchRow[] = [];
  for (const efSearch of efSearchValues) {
    await backend.ownerQuery(`SELECT set_config('hnsw.ef_search', $1, false), set_config('hnsw.iterative_scan', 'relaxed_order', false)`, [
      String(efSearch),
    ]);
    const samples: number[] = [];
    const recalls: number[] = [];
    for (let index = 0; index < exact.queryVectors.length; index += 1) {
      const start = performance.now();
      const hits = await backend.ownerQuery(sql, [query(index)]);
      samples.push(elapsedMs(start));
      recalls.push(await recallOfHits(context.embedder, exact, index, hits as Array<{ content: string }>, context.limit));
    }
    rows.push({
      efSearch,
      recall: recalls.reduce((sum, value) => sum + value, 0) / recalls.length,
      minRecall: Math.min(...recalls),
      latency: summarize(samples),
    });
  }
  await backend.ownerQuery('RESET ALL', []);
  return rows;
}
