import type { SearchHit, SearchMode } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import type { MemoryTable } from '../../db/memory-tables.ts';
import type { SqlParams } from '../../db/sql-params.ts';
import { baseTerms, type CandidateRequest, keywordCandidates, vectorCandidates } from './candidates.ts';
import { conversationNeighbours, withConversationContext } from './conversation-context.ts';
import { scoreFusion } from './score-fusion.ts';
import { type ScoredRow, toHit } from './search-rows.ts';

/**
 * Hybrid search settings, chosen on LoCoMo through the store (bench/results/locomo-store.md,
 * 1,536 questions, recall@10): BM25 alone 61.7%, the offline hash embedder alone 46.1%.
 * - Fusion by score, not rank: BM25 divided by the list's best score, plus cosine similarity,
 *   weighted 0.8 : 0.2 (62.0%). Reciprocal Rank Fusion at equal weights, the previous default,
 *   fell to 54.3%: ranks hide how far ahead the top keyword hit is, and the embedder's ranks are
 *   much weaker. Weighted RRF (keyword ×2 or ×4, k 10 or 60), min-max scaling and other weights
 *   did no better. Lists 4× the page size deep (at least 40); 20 or 100 changed little.
 * - Conversational context (`withConversationContext`): a row gains half of the best fused score
 *   among its neighbours in its conversation: 67.3%, and on both halves of the data (68.4 / 66.2).
 */
export const hybridSettings = {
  keywordWeight: 0.8,
  vectorWeight: 0.2,
  depth: (limit: number) => Math.max(limit * 4, 40),
  conversationShare: 0.5,
  /** Fused rows whose neighbours are looked up: the best 2× the page size (all fused rows did no better on LoCoMo). */
  contextAnchors: (limit: number) => limit * 2,
};

/**
 * Runs one search in an open session transaction. Every hit keeps each list's own score; hybrid
 * hits score by fusion (see {@link hybridSettings}).
 */
export async function runSearch(
  db: Queryable,
  request: CandidateRequest,
  mode: SearchMode,
  text: string,
  embedding: readonly number[] | null,
): Promise<SearchHit[]> {
  if (mode === 'vector') {
    const rows = await vectorCandidates(db, request, embedding ?? []);
    return rows.map((row) => toHit(row, row.score, { vector: row.score }));
  }
  if (mode === 'keyword') {
    const rows = await keywordCandidates(db, request, text);
    return rows.map((row) => toHit(row, row.score, { keyword: row.score }));
  }
  return hybridSearch(db, request, text, embedding ?? []);
}

async function hybridSearch(db: Queryable, request: CandidateRequest, text: string, embedding: readonly number[]): Promise<SearchHit[]> {
  const deeper = { ...request, limit: hybridSettings.depth(request.limit) };
  const vectorRows = await vectorCandidates(db, deeper, embedding);
  const keywordRows = await keywordCandidates(db, deeper, text);
  const rows = new Map<string, ScoredRow>();
  const scores = new Map<string, SearchHit['scores']>();
  for (const [list, name] of [
    [vectorRows, 'vector'],
    [keywordRows, 'keyword'],
  ] as const) {
    for (const row of list) {
      rows.set(row.memory_id, row);
      scores.set(row.memory_id, { ...scores.get(row.memory_id), [name]: row.score });
    }
  }
  const fused = scoreFusion([
    {
      keys: keywordRows.map((row) => row.memory_id),
      scores: keywordRows.map((row) => row.score),
      weight: hybridSettings.keywordWeight,
      normalisation: 'max',
    },
    // Cosine similarity is already on a fixed scale; a dissimilar row should not lose points.
    {
      keys: vectorRows.map((row) => row.memory_id),
      scores: vectorRows.map((row) => Math.max(0, row.score)),
      weight: hybridSettings.vectorWeight,
      normalisation: 'none',
    },
  ]);
  const buildTerms = (table: MemoryTable, params: SqlParams) => baseTerms(table, request, params)?.join(' AND ') ?? null;
  const anchors = fused.slice(0, hybridSettings.contextAnchors(request.limit)).flatMap(({ key }) => rows.get(key) ?? []);
  const neighbours = hybridSettings.conversationShare > 0 ? await conversationNeighbours(db, buildTerms, anchors) : [];
  for (const { row } of neighbours) if (!rows.has(row.memory_id)) rows.set(row.memory_id, { ...row, score: 0 });
  const final = withConversationContext(
    new Map(fused.map(({ key, score }) => [key, score])),
    neighbours.map(({ anchorId, row }) => ({ anchorId, neighbourId: row.memory_id })),
    hybridSettings.conversationShare,
  );
  return [...final.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, request.limit)
    .flatMap(([id, score]) => {
      const row = rows.get(id);
      return row === undefined ? [] : [toHit(row, score, scores.get(id) ?? {})];
    });
}
