import { StrataError } from '../../core/errors.ts';
import type { Limits } from '../../core/plans.ts';
import type { Identity, Scope } from '../../core/scope.ts';
import type { Json, MemorySource } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { sqlState } from '../../db/database-errors.ts';
import { historyTable, type MemoryRow, type MemoryTable, memoryColumns } from '../../db/memory-tables.ts';
import { SqlParams } from '../../db/sql-params.ts';
import { type InsertColumn, insertUnnest } from '../../db/unnest-insert.ts';
import { addUsage, removedUsage, type UsageDelta } from '../../kernel/usage-counters.ts';

/** A memory ready to store: validated, chunked and embedded outside the transaction. */
export interface PreparedMemory {
  id: string;
  scope: Scope;
  documentType: string;
  content: string;
  contentHash: string;
  metadata: Record<string, Json>;
  agentId: string | null;
  conversationId: string | null;
  /** Provenance, for a memory made from a conversation. */
  source: MemorySource | null;
  expiresAt: string | null;
  /** For a knowledge-base document: its knowledge base and the caller's id for it (see `features/knowledge-bases`). */
  knowledgeBase?: { id: string; documentKey: string } | undefined;
  /** One entry per searchable piece; a single piece means the memory is its own chunk. */
  chunks: PreparedChunk[];
}

/** One searchable piece of a memory and its embedding. */
export interface PreparedChunk {
  id: string;
  content: string;
  embedding: number[];
}

/** What a write runs with: the caller, the clock reading and the embedding model. */
export interface WriteContext {
  identity: Identity;
  now: Date;
  model: string;
  /** The tenant's limits, which the write's counters are checked against. */
  limits?: Limits | undefined;
}

interface StoredRow {
  memoryId: string;
  parentId: string | null;
  kind: 'memory' | 'document' | 'chunk';
  chunkIndex: number;
  chunkCount: number;
  memory: PreparedMemory;
  content: string;
  embedding: number[] | null;
}

function rowColumns(table: MemoryTable, context: WriteContext): InsertColumn<StoredRow>[] {
  const owner: InsertColumn<StoredRow>[] =
    table === 'memories'
      ? [
          { name: 'tenant_id', type: 'text', value: () => context.identity.tenantId },
          { name: 'user_id', type: 'text', value: (row) => (row.memory.scope === 'user' ? context.identity.userId : null) },
        ]
      : [{ name: 'client_id', type: 'text', value: (row) => (row.memory.scope === 'client' ? context.identity.clientId : null) }];
  const now = context.now.toISOString();
  return [
    ...owner,
    { name: 'memory_id', type: 'uuid', value: (row) => row.memoryId },
    { name: 'kind', type: 'text', value: (row) => row.kind },
    { name: 'parent_id', type: 'uuid', value: (row) => row.parentId },
    { name: 'chunk_index', type: 'int4', value: (row) => row.chunkIndex },
    { name: 'chunk_count', type: 'int4', value: (row) => row.chunkCount },
    { name: 'scope', type: 'text', value: (row) => row.memory.scope },
    { name: 'document_type', type: 'text', value: (row) => row.memory.documentType },
    { name: 'content', type: 'text', value: (row) => row.content },
    { name: 'content_hash', type: 'text', value: (row) => (row.kind === 'chunk' ? '' : row.memory.contentHash) },
    { name: 'metadata', type: 'jsonb', value: (row) => JSON.stringify(row.memory.metadata) },
    { name: 'agent_id', type: 'text', value: (row) => row.memory.agentId },
    { name: 'conversation_id', type: 'text', value: (row) => row.memory.conversationId },
    { name: 'source', type: 'jsonb', value: (row) => (row.memory.source === null ? null : JSON.stringify(row.memory.source)) },
    { name: 'knowledge_base_id', type: 'uuid', value: (row) => row.memory.knowledgeBase?.id ?? null },
    { name: 'document_key', type: 'text', value: (row) => row.memory.knowledgeBase?.documentKey ?? null },
    { name: 'embedding', type: 'vector', value: (row) => (row.embedding === null ? null : JSON.stringify(row.embedding)) },
    { name: 'embedding_model', type: 'text', value: () => context.model },
    { name: 'created_at', type: 'timestamptz', value: () => now },
    { name: 'updated_at', type: 'timestamptz', value: () => now },
    { name: 'expires_at', type: 'timestamptz', value: (row) => row.memory.expiresAt },
  ];
}

const dedupConflict: Record<MemoryTable, string> = {
  memories: `ON CONFLICT (tenant_id, scope, coalesce(user_id, ''), content_hash) WHERE kind <> 'chunk' AND knowledge_base_id IS NULL DO NOTHING`,
  shared_memories: `ON CONFLICT (scope, coalesce(client_id, ''), content_hash) WHERE kind <> 'chunk' AND knowledge_base_id IS NULL DO NOTHING`,
};

function topLevelRow(memory: PreparedMemory): StoredRow {
  const single = memory.chunks.length === 1 ? memory.chunks[0] : undefined;
  return {
    memoryId: memory.id,
    parentId: null,
    kind: single === undefined ? 'document' : 'memory',
    chunkIndex: 0,
    chunkCount: memory.chunks.length,
    memory,
    content: memory.content,
    embedding: single?.embedding ?? null,
  };
}

function chunkRows(memory: PreparedMemory): StoredRow[] {
  if (memory.chunks.length === 1) return [];
  return memory.chunks.map((chunk, index) => ({
    memoryId: chunk.id,
    parentId: memory.id,
    kind: 'chunk',
    chunkIndex: index,
    chunkCount: memory.chunks.length,
    memory,
    content: chunk.content,
    embedding: chunk.embedding,
  }));
}

/** Knowledge-base documents count towards storage, not towards the `memories` limit. */
function usageOf(memories: readonly PreparedMemory[], sign: 1 | -1 = 1): UsageDelta {
  return {
    memories: sign * memories.filter((memory) => memory.knowledgeBase === undefined).length,
    searchable: sign * memories.reduce((total, memory) => total + memory.chunks.length, 0),
    bytes: sign * memories.reduce((total, memory) => total + Buffer.byteLength(memory.content), 0),
  };
}

/**
 * Inserts memories into one table; content already stored in the same scope (same owner) is
 * not inserted again. Returns the inserted ids and the searchable row count after the write.
 */
export async function insertMemories(
  db: Queryable,
  table: MemoryTable,
  memories: readonly PreparedMemory[],
  context: WriteContext,
): Promise<{ inserted: Set<string>; searchableCount: number | null }> {
  await purgeExpiredDuplicates(db, table, memories, context);
  const columns = rowColumns(table, context);
  const returned = await insertUnnest<StoredRow, { memory_id: string }>(
    db,
    table,
    columns,
    memories.map(topLevelRow),
    `${dedupConflict[table]} RETURNING memory_id::text AS memory_id`,
  );
  const inserted = new Set(returned.map((row) => row.memory_id));
  const fresh = memories.filter((memory) => inserted.has(memory.id));
  await insertUnnest(db, table, columns, fresh.flatMap(chunkRows));
  const searchableCount = table === 'memories' ? await addUsage(db, context, usageOf(fresh)) : null;
  return { inserted, searchableCount };
}

/** An expired memory must not block storing the same content again: remove it first. */
async function purgeExpiredDuplicates(db: Queryable, table: MemoryTable, memories: readonly PreparedMemory[], context: WriteContext) {
  const hashes = memories.map((memory) => memory.contentHash);
  const owner = table === 'memories' ? 'tenant_id = $3' : 'TRUE';
  const params: unknown[] = [hashes, context.now.toISOString()];
  if (table === 'memories') params.push(context.identity.tenantId);
  const removed = await db.query<{ kind: string; chunk_count: number; bytes: number }>(
    `DELETE FROM ${table} WHERE ${owner} AND content_hash = ANY($1::text[]) AND kind <> 'chunk'
       AND knowledge_base_id IS NULL AND expires_at <= $2::timestamptz RETURNING kind, chunk_count, octet_length(content) AS bytes`,
    params,
  );
  if (table === 'memories' && removed.rows.length > 0) await addUsage(db, context, removedUsage(removed.rows));
}

/** Finds stored top-level rows by content hash (for deduplicated creates). */
export async function findByHashes(
  db: Queryable,
  table: MemoryTable,
  hashes: readonly string[],
  context: WriteContext,
): Promise<MemoryRow[]> {
  const owner = table === 'memories' ? 'm.tenant_id = $2' : 'TRUE';
  const params: unknown[] = [hashes];
  if (table === 'memories') params.push(context.identity.tenantId);
  const result = await db.query<MemoryRow>(
    `SELECT ${memoryColumns(table)} FROM ${table} m WHERE ${owner} AND m.content_hash = ANY($1::text[]) AND m.kind <> 'chunk' AND m.knowledge_base_id IS NULL`,
    params,
  );
  return result.rows;
}

/** The fields an update may change; `content` comes re-chunked and re-embedded. */
export interface MemoryChanges {
  documentType: string;
  metadata: Record<string, Json>;
  expiresAt: string | null;
  content: Pick<PreparedMemory, 'content' | 'contentHash' | 'chunks'> | null;
}

/** Replaces a memory's fields, keeping its previous version in history. */
export async function replaceMemory(
  db: Queryable,
  table: MemoryTable,
  current: MemoryRow,
  changes: MemoryChanges,
  context: WriteContext,
): Promise<void> {
  const tenant = table === 'memories';
  const history = new SqlParams();
  const historyOwner = tenant ? [history.add(current.tenant_id), history.add(current.user_id)] : [];
  await db.query(
    `INSERT INTO ${historyTable(table)} (${tenant ? 'tenant_id, user_id, ' : ''}memory_id, version, document_type, content, metadata, replaced_at)
     VALUES (${[
       ...historyOwner,
       `${history.add(current.memory_id)}::uuid`,
       history.add(current.version),
       history.add(current.document_type),
       history.add(current.content),
       `${history.add(JSON.stringify(current.metadata))}::jsonb`,
       `${history.add(context.now.toISOString())}::timestamptz`,
     ].join(', ')})`,
    history.values,
  );
  const params = new SqlParams();
  const assignments = [
    `document_type = ${params.add(changes.documentType)}`,
    `metadata = ${params.add(JSON.stringify(changes.metadata))}::jsonb`,
    `expires_at = ${params.add(changes.expiresAt)}::timestamptz`,
    `updated_at = ${params.add(context.now.toISOString())}::timestamptz`,
  ];
  // Chunks carry their document's filterable fields so search can filter without a join.
  const chunkAssignments = [...assignments];
  assignments.push('version = version + 1');
  const content = changes.content;
  if (content !== null) {
    const single = content.chunks.length === 1 ? content.chunks[0] : undefined;
    assignments.push(
      `kind = ${params.add(single === undefined ? 'document' : 'memory')}`,
      `chunk_count = ${params.add(content.chunks.length)}`,
      `content = ${params.add(content.content)}`,
      `content_hash = ${params.add(content.contentHash)}`,
      `embedding = ${params.add(single === undefined ? null : JSON.stringify(single.embedding))}::vector`,
      `embedding_model = ${params.add(context.model)}`,
    );
  }
  const owner = tenant ? `tenant_id = ${params.add(current.tenant_id)} AND ` : '';
  const id = `${params.add(current.memory_id)}::uuid`;
  try {
    await db.query(`UPDATE ${table} SET ${assignments.join(', ')} WHERE ${owner}memory_id = ${id}`, params.values);
  } catch (error) {
    if (sqlState(error) === '23505') {
      throw new StrataError('conflict', 'content: identical content already exists in this scope', {
        details: { field: 'content' },
        cause: error,
      });
    }
    throw error;
  }
  if (content === null) {
    await db.query(`UPDATE ${table} SET ${chunkAssignments.join(', ')} WHERE ${owner}parent_id = ${id}`, params.values);
    return;
  }
  await deleteChunks(db, table, current);
  const next: PreparedMemory = {
    id: current.memory_id,
    scope: current.scope,
    documentType: changes.documentType,
    content: content.content,
    contentHash: content.contentHash,
    metadata: changes.metadata,
    agentId: current.agent_id,
    conversationId: current.conversation_id,
    source: current.source,
    expiresAt: changes.expiresAt,
    chunks: content.chunks,
  };
  await insertUnnest(db, table, rowColumns(table, context), chunkRows(next));
  if (tenant) {
    await addUsage(db, context, {
      memories: 0,
      searchable: content.chunks.length - current.chunk_count,
      bytes: Buffer.byteLength(content.content) - Buffer.byteLength(current.content),
    });
  }
}

async function deleteChunks(db: Queryable, table: MemoryTable, current: MemoryRow): Promise<void> {
  if (table === 'memories') {
    await db.query(`DELETE FROM memories WHERE tenant_id = $1 AND parent_id = $2::uuid`, [current.tenant_id, current.memory_id]);
  } else {
    await db.query(`DELETE FROM shared_memories WHERE parent_id = $1::uuid`, [current.memory_id]);
  }
}

/** Deletes one top-level memory with its chunks and history. */
export async function deleteMemoryRow(db: Queryable, table: MemoryTable, current: MemoryRow, context: WriteContext): Promise<void> {
  if (table === 'memories') {
    await db.query(`DELETE FROM memories WHERE tenant_id = $1 AND memory_id = $2::uuid`, [current.tenant_id, current.memory_id]);
    await addUsage(db, context, {
      memories: -1,
      searchable: -current.chunk_count,
      bytes: -Buffer.byteLength(current.content),
    });
  } else {
    await db.query(`DELETE FROM shared_memories WHERE memory_id = $1::uuid`, [current.memory_id]);
  }
}

/**
 * Deletes the caller-visible memories tied to a conversation — with `messagesOnly`, only those
 * holding its messages, keeping what was extracted from it — with their chunks and history.
 * Returns how many top-level memories went.
 */
export async function deleteConversationMemories(
  db: Queryable,
  context: WriteContext,
  conversationId: string,
  messagesOnly: boolean,
): Promise<number> {
  const removed = await db.query<{ kind: string; chunk_count: number; bytes: number }>(
    `DELETE FROM memories WHERE tenant_id = $1 AND conversation_id = $2 AND kind <> 'chunk'
       ${messagesOnly ? `AND source->>'kind' = 'message'` : ''}
     RETURNING kind, chunk_count, octet_length(content) AS bytes`,
    [context.identity.tenantId, conversationId],
  );
  const delta = removedUsage(removed.rows);
  if (removed.rows.length > 0) await addUsage(db, context, delta);
  return -delta.memories;
}
