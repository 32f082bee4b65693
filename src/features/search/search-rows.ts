import type { Scope } from '../../core/scope.ts';
import type { SearchHit } from '../../core/types.ts';
import { isoTime, type MemoryRow } from '../../db/memory-tables.ts';
import type { SearchQuery } from './search-schemas.ts';

/** A memory row with its rank in one retrieval list and that list's raw score. */
export interface ScoredRow extends MemoryRow {
  score: number;
}

/** The scopes a search reads: those asked for, within those the caller may read. */
export function searchScopes(readable: readonly Scope[], query: Pick<SearchQuery, 'scopes'>): Scope[] {
  return query.scopes === undefined ? [...readable] : readable.filter((scope) => query.scopes?.includes(scope));
}

/** The id callers act on: a chunk resolves to its document. */
export function hitId(row: MemoryRow): string {
  return row.parent_id ?? row.memory_id;
}

/** Maps a scored row to a public hit. */
export function toHit(row: MemoryRow, score: number, scores: SearchHit['scores']): SearchHit {
  return {
    memoryId: hitId(row),
    scope: row.scope,
    content: row.content,
    score,
    scores,
    documentType: row.document_type,
    metadata: row.metadata,
    agentId: row.agent_id,
    conversationId: row.conversation_id,
    userId: row.user_id,
    source: row.source,
    chunk: row.kind === 'chunk' && row.parent_id !== null ? { documentId: row.parent_id, index: row.chunk_index } : null,
    createdAt: isoTime(row.created_at),
  };
}
