import type { EmbeddingProvider, SearchMode, Strata } from '../../src/index.ts';
import type { Corpus } from '../lib/corpus.ts';
import { tenantId } from '../lib/load.ts';
import { elapsedMs, type LatencySummary, summarize } from '../lib/stats.ts';
import { computeExactNeighbours, type ExactNeighbours, recallOfHits } from './scale-exact.ts';

/** A tenant whose searches are timed. */
export interface MeasuredTenant {
  rank: number;
  /** Memories planned for it (the corpus texts 0..planned-1). */
  planned: number;
  /** Memories it holds (planned minus duplicates). */
  stored: number;
}

/** Latency, result-count check and recall of one mode over one group of tenants. */
export interface SearchMeasurement {
  mode: SearchMode;
  tenants: number;
  /** Sizes of the tenants measured. */
  sizes: number[];
  latency: LatencySummary;
  /** p50 and p99 of each tenant, when several are pooled. */
  perTenant: Array<{ size: number; p50: number; p99: number }>;
  /** Queries that did not return min(k, tenant size) hits. */
  countViolations: number;
  /** True when the time budget cut the measurement short (see `latency.count`). */
  cutShort: boolean;
  /** Mean recall@k against exact neighbours (vector mode only). */
  recall: number | null;
  /** The worst single query's recall. */
  minRecall: number | null;
}

/** What a measurement needs besides the tenants. */
export interface MeasureContext {
  strata: Strata;
  corpus: Corpus;
  embedder: EmbeddingProvider;
  /** Measured vector queries per tenant (the targets are about vector search). */
  queries: number;
  /** Measured queries per tenant in other modes (informational, and far slower on large tenants). */
  otherModeQueries: number;
  /** Wall-time budget per tenant in other modes (warmup included); the measurement stops early past it. */
  otherModeBudgetMs: number;
  warmup: number;
  limit: number;
  /** Exact neighbours per tenant rank, filled on first use and reused across phases. */
  exactCache: Map<number, ExactNeighbours>;
}

/** Exact neighbours of the measured query set of one tenant (cached). */
export async function exactFor(context: MeasureContext, tenant: MeasuredTenant): Promise<ExactNeighbours> {
  const cached = context.exactCache.get(tenant.rank);
  if (cached !== undefined) return cached;
  const queries = Array.from({ length: context.queries }, (_, index) => context.corpus.queryText(tenant.rank, index, 'measured'));
  const exact = await computeExactNeighbours(context.embedder, context.corpus, tenant.rank, tenant.planned, queries, context.limit);
  context.exactCache.set(tenant.rank, exact);
  return exact;
}

/**
 * Times `search` calls one at a time (in-process, `performance.now()` around each call) after
 * a warmup pass with a separate query set, counts short results, and for vector search
 * measures recall@k against brute-force neighbours.
 */
export async function measureSearches(
  context: MeasureContext,
  tenants: readonly MeasuredTenant[],
  mode: SearchMode,
  options: { recall: boolean },
): Promise<SearchMeasurement> {
  const samples: number[] = [];
  const perTenant: SearchMeasurement['perTenant'] = [];
  const recalls: number[] = [];
  let countViolations = 0;
  let cutShort = false;
  for (const tenant of tenants) {
    const store = context.strata.as({ tenantId: tenantId(tenant.rank) });
    // Vector search is what the targets are about: it always runs in full. Other modes stop at
    // the budget, so a slow path in the library cannot stall the whole run.
    const started = performance.now();
    const overBudget = () => mode !== 'vector' && elapsedMs(started) > context.otherModeBudgetMs;
    for (let index = 0; index < context.warmup && !overBudget(); index += 1) {
      await store.search({ query: context.corpus.queryText(tenant.rank, index, 'warmup'), mode, limit: context.limit });
    }
    const exact = options.recall && mode === 'vector' ? await exactFor(context, tenant) : null;
    const queryCount = mode === 'vector' ? context.queries : context.otherModeQueries;
    const tenantSamples: number[] = [];
    for (let index = 0; index < queryCount; index += 1) {
      if (index > 0 && overBudget()) {
        cutShort = true;
        break;
      }
      const query = context.corpus.queryText(tenant.rank, index, 'measured');
      const start = performance.now();
      const result = await store.search({ query, mode, limit: context.limit });
      tenantSamples.push(elapsedMs(start));
      if (mode !== 'keyword' && result.hits.length !== Math.min(context.limit, tenant.stored)) countViolations += 1;
      if (exact !== null) recalls.push(await recallOfHits(context.embedder, exact, index, result.hits, context.limit));
    }
    const { p50, p99 } = summarize(tenantSamples);
    perTenant.push({ size: tenant.stored, p50, p99 });
    samples.push(...tenantSamples);
  }
  return {
    mode,
    tenants: tenants.length,
    sizes: tenants.map((tenant) => tenant.stored),
    latency: summarize(samples),
    perTenant,
    countViolations,
    cutShort,
    recall: recalls.length === 0 ? null : recalls.reduce((sum, value) => sum + value, 0) / recalls.length,
    minRecall: recalls.length === 0 ? null : Math.min(...recalls),
  };
}
