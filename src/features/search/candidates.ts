import type { Identity, Scope } from '../../core/scope.ts';
import { type Queryable, quoteLiteral } from '../../db/database.ts';
import { type MemoryTable, memoryColumns, notExpired, visibilityTerms } from '../../db/memory-tables.ts';
import { SqlParams } from '../../db/sql-params.ts';
import { unionOrdered } from '../../db/union-query.ts';
import { commonTerms } from '../memories/index.ts';
import { bm25Candidates } from './bm25.ts';
import type { ScoredRow } from './search-rows.ts';
import type { SearchQuery } from './search-schemas.ts';

/** Everything a retrieval list needs besides the query itself. */
export interface CandidateRequest {
  identity: Identity;
  scopes: readonly Scope[];
  query: Pick<SearchQuery, 'documentType' | 'agentId' | 'conversationId' | 'filter'>;
  /** How many rows to return. */
  limit: number;
  now: Date;
  dimensions: number;
  /** True when the caller's tenant has its own HNSW index (large tenants). */
  tenantIndexed: boolean;
  /** True when nothing else runs in the transaction after this search: planner settings need no reset. */
  lastStatement?: boolean;
  /** Knowledge bases whose documents are searched too (ids the caller was checked to read). */
  knowledgeBaseIds?: readonly string[];
  /** False to search only those knowledge bases, not the memories of the scope chain. */
  memories?: boolean;
}

/**
 * The WHERE terms (alias `m`) every search list applies to `table`: the caller's visibility,
 * no whole documents (their chunks are searched), not expired, and the query's filters. Null
 * when the caller reads nothing of `table`.
 */
export function baseTerms(table: MemoryTable, request: CandidateRequest, params: SqlParams): string[] | null {
  const visible = visibilityTerms(table, request.identity, request.scopes, params);
  if (visible === null) return null;
  const { agentId, conversationId, documentType, filter } = request.query;
  // Which rows: memories (their agent and conversation filters apply to them only), and the named knowledge bases.
  const sources: string[] = [];
  if (request.memories !== false)
    sources.push(['m.knowledge_base_id IS NULL', ...commonTerms({ agentId, conversationId }, params)].join(' AND '));
  const knowledgeBases = request.knowledgeBaseIds ?? [];
  if (knowledgeBases.length > 0) sources.push(`m.knowledge_base_id = ANY (${params.add(knowledgeBases)}::uuid[])`);
  if (sources.length === 0) return null;
  const source = sources.length === 1 ? (sources[0] ?? '') : `((${sources.join(') OR (')}))`;
  return [visible, source, `m.kind <> 'document'`, notExpired(params, request.now), ...commonTerms({ documentType, filter }, params)];
}

/**
 * Nearest rows by cosine distance across the visible tables. A small tenant's rows are
 * scanned exactly (always its true neighbours). A large tenant's rows go through its own
 * partial HNSW index, which the planner only matches when the tenant id is a literal; an
 * iterative scan keeps filtered queries from coming back short.
 */
export async function vectorCandidates(db: Queryable, request: CandidateRequest, embedding: readonly number[]): Promise<ScoredRow[]> {
  const params = new SqlParams();
  const vector = `${params.add(JSON.stringify(embedding))}::vector(${request.dimensions})`;
  const parts: string[] = [];
  for (const table of ['memories', 'shared_memories'] as const) {
    const terms = baseTerms(table, request, params);
    if (terms === null) continue;
    const indexed = table === 'memories' && request.tenantIndexed;
    // The literal repeats the index predicate so the planner can prove the partial index applies.
    if (indexed) terms.push(`m.tenant_id = ${quoteLiteral(request.identity.tenantId ?? '')}`);
    // The index is on the typed expression; an exact scan skips the per-row cast (a quarter of its time).
    const distance = indexed ? `(m.embedding::vector(${request.dimensions}) <=> ${vector})` : `(m.embedding <=> ${vector})`;
    const select = `SELECT ${memoryColumns(table)}, ${distance} AS distance FROM ${table} m WHERE ${terms.join(' AND ')} ORDER BY distance LIMIT ${request.limit}`;
    // Iterative index scans may return rows slightly out of order: re-sort the materialised set.
    parts.push(indexed ? `WITH ann AS MATERIALIZED (${select}) SELECT * FROM ann ORDER BY distance` : select);
  }
  if (parts.length === 0) return [];
  if (request.tenantIndexed) {
    // The index exists because this tenant is large: keep the planner from preferring a sort
    // of the tenant's rows when its statistics are stale (PGlite has no autovacuum).
    await db.query(
      `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true),
      set_config('enable_sort', 'off', true)`,
      [String(efSearch(request.limit))],
    );
  }
  const result = await db.query<ScoredRow & { distance: number }>(unionOrdered(parts, 'distance, memory_id', request.limit), params.values);
  if (request.tenantIndexed && request.lastStatement !== true) await db.query(`SELECT set_config('enable_sort', 'on', true)`);
  return result.rows.map((row) => ({ ...row, score: 1 - row.distance }));
}

/** pgvector accepts `hnsw.ef_search` in 1..1000; the iterative scan goes on past it when a filter or the limit needs more. */
const maxEfSearch = 1_000;

/** The candidate list an HNSW scan keeps: four per wanted row, at least 200, at most pgvector's maximum. */
function efSearch(limit: number): number {
  return Math.min(maxEfSearch, Math.max(200, limit * 4));
}

/** Query words safe to join into a tsquery: letters and digits only, so no tsquery syntax. */
export function queryWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 64);
}

/**
 * Rows matching any query word (PostgreSQL full text, English stemming and stop words), ranked
 * by Okapi BM25 over the caller's visible rows (see `bm25.ts`). OR semantics: a question rarely
 * shares every word with its answer.
 */
export async function keywordCandidates(db: Queryable, request: CandidateRequest, text: string): Promise<ScoredRow[]> {
  const words = queryWords(text);
  if (words.length === 0) return [];
  const buildTerms = (table: MemoryTable, params: SqlParams) => baseTerms(table, request, params)?.join(' AND ') ?? null;
  return bm25Candidates(db, buildTerms, request.identity.tenantId, words, request.limit);
}
