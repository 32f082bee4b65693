import type { SearchHit, SearchMode } from '../core/types.ts';
import type { Queryable } from '../store/database.ts';
import { type CandidateRequest, keywordCandidates, vectorCandidates } from './candidates.ts';
import { reciprocalRankFusion } from './rrf.ts';
import { type ScoredRow, toHit } from './search-rows.ts';

/** How deep each list goes before fusion, relative to the requested limit. */
const hybridDepth = (limit: number) => Math.max(limit * 4, 40);

/**
 * Runs one search in an open session transaction. Hybrid fuses the vector and keyword lists by
 * Reciprocal Rank Fusion; every hit keeps each list's own score.
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
  const deeper = { ...request, limit: hybridDepth(request.limit) };
  const vectorRows = await vectorCandidates(db, deeper, embedding ?? []);
  const keywordRows = await keywordCandidates(db, deeper, text);
  const byId = new Map<string, { row: ScoredRow; vector?: number; keyword?: number }>();
  for (const row of vectorRows) byId.set(row.memory_id, { row, vector: row.score });
  for (const row of keywordRows) {
    const entry = byId.get(row.memory_id);
    if (entry === undefined) byId.set(row.memory_id, { row, keyword: row.score });
    else entry.keyword = row.score;
  }
  const fused = reciprocalRankFusion([vectorRows.map((row) => row.memory_id), keywordRows.map((row) => row.memory_id)]);
  return fused.slice(0, request.limit).flatMap(({ key, score }) => {
    const entry = byId.get(key);
    if (entry === undefined) return [];
    const scores: SearchHit['scores'] = {};
    if (entry.vector !== undefined) scores.vector = entry.vector;
    if (entry.keyword !== undefined) scores.keyword = entry.keyword;
    return [toHit(entry.row, score, scores)];
  });
}
