import { canWrite, type Identity } from '../../core/scope.ts';
import type { Json, KnowledgeBase, KnowledgeBaseDocument, MemorySource } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { type KnowledgeBaseTable, readableTerms } from '../../db/knowledge-base-tables.ts';
import { isoTime, type MemoryTable } from '../../db/memory-tables.ts';
import { SqlParams } from '../../db/sql-params.ts';

/** A knowledge-base row, aligned across both tables. */
export interface KnowledgeBaseRow {
  table: KnowledgeBaseTable;
  knowledge_base_id: string;
  scope: KnowledgeBase['scope'];
  tenant_id: string | null;
  client_id: string | null;
  name: string;
  description: string | null;
  metadata: Record<string, Json>;
  document_count: number | string;
  chunk_count: number | string;
  content_bytes: number | string;
  created_at: Date | string;
  updated_at: Date | string;
}

function columns(table: KnowledgeBaseTable): string {
  const owner =
    table === 'knowledge_bases'
      ? `'knowledge_bases'::text AS table, k.tenant_id, NULL::text AS client_id, 'customer'::text AS scope`
      : `'shared_knowledge_bases'::text AS table, NULL::text AS tenant_id, k.client_id, k.scope`;
  return `${owner}, k.knowledge_base_id::text AS knowledge_base_id, k.name, k.description, k.metadata, k.document_count,
    k.chunk_count, k.content_bytes, k.created_at, k.updated_at`;
}

/** Which memory table holds a knowledge base's documents. */
export function documentTable(row: Pick<KnowledgeBaseRow, 'table'>): MemoryTable {
  return row.table === 'knowledge_bases' ? 'memories' : 'shared_memories';
}

/** Maps a row to the public shape; `writable` says whether `identity` may change its documents. */
export function toKnowledgeBase(row: KnowledgeBaseRow, identity: Identity): KnowledgeBase {
  return {
    id: row.knowledge_base_id,
    name: row.name,
    description: row.description,
    scope: row.scope,
    tenantId: row.tenant_id,
    clientId: row.scope === 'world' ? null : (row.client_id ?? identity.clientId),
    metadata: row.metadata,
    documentCount: Number(row.document_count),
    chunkCount: Number(row.chunk_count),
    bytes: Number(row.content_bytes),
    writable: ownsKnowledgeBase(identity, row),
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

/**
 * Whether `identity` may change the knowledge base's documents: a tenant's own by its admins and
 * members, a client's by its client admin, the operator's by the operator. Everyone else only reads.
 */
export function ownsKnowledgeBase(identity: Identity, row: Pick<KnowledgeBaseRow, 'scope' | 'client_id'>): boolean {
  if (!canWrite(identity, row.scope)) return false;
  return row.scope !== 'client' || row.client_id === identity.clientId;
}

/** Finds a readable knowledge base by id, in either table; `forUpdate` locks it (its writers need to own it). */
export async function findKnowledgeBase(
  db: Queryable,
  identity: Identity,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<KnowledgeBaseRow | null> {
  for (const table of ['knowledge_bases', 'shared_knowledge_bases'] as const) {
    const params = new SqlParams();
    const terms = readableTerms(table, identity, params);
    if (terms === null) continue;
    const result = await db.query<KnowledgeBaseRow>(
      `SELECT ${columns(table)} FROM ${table} k WHERE ${terms} AND k.knowledge_base_id = ${params.add(id)}::uuid
       ${options.forUpdate === true ? 'FOR UPDATE' : ''}`,
      params.values,
    );
    const row = result.rows[0];
    if (row !== undefined) return row;
  }
  return null;
}

/** A page of readable knowledge bases, newest first (ids are time-ordered), optionally of one scope. */
export async function listKnowledgeBases(
  db: Queryable,
  identity: Identity,
  scope: KnowledgeBase['scope'] | undefined,
  after: string | null,
  limit: number,
): Promise<KnowledgeBaseRow[]> {
  const params = new SqlParams();
  const parts: string[] = [];
  for (const table of ['knowledge_bases', 'shared_knowledge_bases'] as const) {
    if (scope !== undefined && (scope === 'customer') !== (table === 'knowledge_bases')) continue;
    const terms = readableTerms(table, identity, params);
    if (terms === null) continue;
    const conditions = [terms];
    if (table === 'shared_knowledge_bases' && scope !== undefined) conditions.push(`k.scope = ${params.add(scope)}`);
    if (after !== null) conditions.push(`k.knowledge_base_id < ${params.add(after)}::uuid`);
    parts.push(
      `SELECT ${columns(table)} FROM ${table} k WHERE ${conditions.join(' AND ')} ORDER BY k.knowledge_base_id DESC LIMIT ${limit}`,
    );
  }
  if (parts.length === 0) return [];
  const result = await db.query<KnowledgeBaseRow>(
    `SELECT * FROM (${parts.map((part) => `(${part})`).join(' UNION ALL ')}) AS merged ORDER BY knowledge_base_id DESC LIMIT ${limit}`,
    params.values,
  );
  return result.rows;
}

/** Changes a knowledge base's counters (in the transaction holding its lock). */
export async function addToCounters(
  db: Queryable,
  row: KnowledgeBaseRow,
  delta: { documents: number; chunks: number; bytes: number },
  now: Date,
): Promise<void> {
  const owner = row.table === 'knowledge_bases' ? 'tenant_id = $6 AND ' : '';
  const params: unknown[] = [row.knowledge_base_id, delta.documents, delta.chunks, delta.bytes, now.toISOString()];
  if (row.table === 'knowledge_bases') params.push(row.tenant_id);
  await db.query(
    `UPDATE ${row.table} SET document_count = document_count + $2, chunk_count = chunk_count + $3,
       content_bytes = content_bytes + $4, updated_at = $5::timestamptz
     WHERE ${owner}knowledge_base_id = $1::uuid`,
    params,
  );
}

/** A document row: a knowledge base's top-level memory. */
export interface DocumentRow {
  document_key: string;
  memory_id: string;
  knowledge_base_id: string;
  document_type: string;
  metadata: Record<string, Json>;
  source: MemorySource | null;
  chunk_count: number;
  bytes: number | string;
  content?: string;
  created_at: Date | string;
  updated_at: Date | string;
}

/** The columns of a document (alias `m`); `withContent` adds its text. */
export function documentColumns(withContent: boolean): string {
  return `m.document_key, m.memory_id::text AS memory_id, m.knowledge_base_id::text AS knowledge_base_id, m.document_type,
    m.metadata, m.source, m.chunk_count, octet_length(m.content) AS bytes, m.created_at, m.updated_at${withContent ? ', m.content' : ''}`;
}

/** The terms (alias `m`) selecting the top-level rows of a knowledge base's documents. */
export function documentTerms(row: KnowledgeBaseRow, params: SqlParams): string {
  const owner = row.table === 'knowledge_bases' ? `m.tenant_id = ${params.add(row.tenant_id)} AND ` : '';
  return `${owner}m.knowledge_base_id = ${params.add(row.knowledge_base_id)}::uuid AND m.kind <> 'chunk'`;
}

/** Maps a document row to the public shape. */
export function toDocument(row: DocumentRow): KnowledgeBaseDocument {
  const source = row.source?.kind === 'document' ? row.source : null;
  return {
    id: row.document_key,
    knowledgeBaseId: row.knowledge_base_id,
    memoryId: row.memory_id,
    title: source?.title ?? null,
    contentType: source?.contentType ?? 'text',
    documentType: row.document_type,
    metadata: row.metadata,
    chunkCount: Number(row.chunk_count),
    bytes: Number(row.bytes),
    ...(row.content === undefined ? {} : { content: row.content }),
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}
