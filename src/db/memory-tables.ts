import type { Identity, Scope } from '../core/scope.ts';
import type { Json, Memory, MemorySource } from '../core/types.ts';
import type { SqlParams } from './sql-params.ts';

/** The two homes of memories: tenant rows and shared (world/client) knowledge. */
export type MemoryTable = 'memories' | 'shared_memories';

/** Columns every memory query selects, aligned across both tables so results can be unioned. */
export function memoryColumns(table: MemoryTable, alias = 'm'): string {
  const owner =
    table === 'memories'
      ? `${alias}.tenant_id, NULL::text AS client_id, ${alias}.user_id`
      : `NULL::text AS tenant_id, ${alias}.client_id, NULL::text AS user_id`;
  return `${owner}, ${alias}.memory_id::text AS memory_id, ${alias}.kind, ${alias}.parent_id::text AS parent_id,
    ${alias}.chunk_index, ${alias}.chunk_count, ${alias}.scope, ${alias}.document_type, ${alias}.content,
    ${alias}.content_hash, ${alias}.metadata, ${alias}.agent_id, ${alias}.conversation_id, ${alias}.version,
    ${alias}.embedding_model, ${alias}.created_at, ${alias}.updated_at, ${alias}.expires_at, ${alias}.source,
    ${alias}.knowledge_base_id::text AS knowledge_base_id, ${alias}.document_key`;
}

/** A memory row as selected by {@link memoryColumns}. */
export interface MemoryRow {
  tenant_id: string | null;
  client_id: string | null;
  user_id: string | null;
  memory_id: string;
  kind: 'memory' | 'document' | 'chunk';
  parent_id: string | null;
  chunk_index: number;
  chunk_count: number;
  scope: Scope;
  document_type: string;
  content: string;
  content_hash: string;
  metadata: Record<string, Json>;
  agent_id: string | null;
  conversation_id: string | null;
  version: number;
  embedding_model: string;
  created_at: Date | string;
  updated_at: Date | string;
  expires_at: Date | string | null;
  source: MemorySource | null;
  /** Set on a knowledge base's documents and their chunks. */
  knowledge_base_id: string | null;
  /** The caller's id of a knowledge-base document, repeated on its chunks (NULL on memories). */
  document_key: string | null;
}

/** ISO-8601 text for a timestamp from either driver. */
export function isoTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Maps a top-level row to the public shape; tenant rows take the caller's client id. */
export function toMemory(row: MemoryRow, clientId: string | null): Memory {
  return {
    id: row.memory_id,
    scope: row.scope,
    tenantId: row.tenant_id,
    clientId: row.client_id ?? (row.tenant_id === null ? null : clientId),
    userId: row.user_id,
    documentType: row.document_type,
    content: row.content,
    metadata: row.metadata,
    agentId: row.agent_id,
    conversationId: row.conversation_id,
    source: row.source,
    chunkCount: row.chunk_count,
    version: row.version,
    embeddingModel: row.embedding_model,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
    expiresAt: row.expires_at === null ? null : isoTime(row.expires_at),
  };
}

/**
 * The WHERE terms that limit `table` to what `identity` may read within `wanted` scopes, or
 * null when the table holds none of them. These repeat the row-level security policies on
 * purpose: defence in depth, and they let the planner use the tenant indexes.
 */
export function visibilityTerms(
  table: MemoryTable,
  identity: Identity,
  wanted: readonly Scope[],
  params: SqlParams,
  alias = 'm',
): string | null {
  const alternatives: string[] = [];
  if (table === 'memories') {
    if (identity.tenantId === undefined) return null;
    if (wanted.includes('customer')) alternatives.push(`${alias}.scope = 'customer'`);
    if (wanted.includes('user') && identity.userId !== undefined) {
      alternatives.push(`(${alias}.scope = 'user' AND ${alias}.user_id = ${params.add(identity.userId)})`);
    }
    if (alternatives.length === 0) return null;
    return `${alias}.tenant_id = ${params.add(identity.tenantId)} AND (${alternatives.join(' OR ')})`;
  }
  if (wanted.includes('world')) alternatives.push(`${alias}.scope = 'world'`);
  if (wanted.includes('client')) alternatives.push(`(${alias}.scope = 'client' AND ${alias}.client_id = ${params.add(identity.clientId)})`);
  return alternatives.length === 0 ? null : `(${alternatives.join(' OR ')})`;
}

/** Rows still served at `now`: not expired, and not invalidated (a fact an extraction found contradicted). */
export function notExpired(params: SqlParams, now: Date, alias = 'm'): string {
  return `(${alias}.expires_at IS NULL OR ${alias}.expires_at > ${params.add(now.toISOString())}::timestamptz) AND ${alias}.invalidated_at IS NULL`;
}

/** Which table holds a scope's rows. */
export function tableForScope(scope: Scope): MemoryTable {
  return scope === 'customer' || scope === 'user' ? 'memories' : 'shared_memories';
}

/** The history table paired with a memory table. */
export function historyTable(table: MemoryTable): string {
  return table === 'memories' ? 'memory_history' : 'shared_memory_history';
}
