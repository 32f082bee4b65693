import type { z } from 'zod';
import type { Queryable } from '../../db/database.ts';
import { isoTime } from '../../db/memory-tables.ts';
import type { exportHeaderSchema, exportRecordSchema } from './export-schemas.ts';

/** The first line of an export file. */
export type ExportHeader = z.infer<typeof exportHeaderSchema>;
/** Any line of an export file after the header: a data record or the trailer. */
export type ExportBodyRecord = z.infer<typeof exportRecordSchema>;
/** Any line of an export file. */
export type ExportRecord = ExportHeader | ExportBodyRecord;
/** The last line of an export file: how many records of each type it holds. */
export type ExportTrailer = Extract<ExportBodyRecord, { type: 'strata-export-end' }>;
/** The data record types (everything but the header and trailer). */
export type ExportRecordType = Exclude<ExportBodyRecord['type'], 'strata-export-end'>;

/**
 * What becomes of every tenant table in an export. A test checks this against the catalog,
 * so a tenant table added later must be listed here, exported or skipped for a reason.
 */
export const tenantTableDisposition: Readonly<Record<string, string>> = {
  tenants: 'exported as the tenant record (settings, plan, limits); the import creates the new tenant from it',
  tenant_usage: 'exported as the usage record; the import recomputes the counters as it inserts rows',
  users: 'exported and imported',
  memories:
    "exported and imported with ids, embeddings, timestamps and expiry (documents, then chunks; a knowledge base's documents with their knowledge base and document id)",
  knowledge_bases:
    "exported and imported with their ids, before the documents they hold (shared knowledge bases are not the tenant's and stay out)",
  agents:
    'exported and imported with their ids and attachments (an attachment to a shared knowledge base the new deployment lacks reads as absent)',
  collections: 'exported and imported with their declared indexes, before their documents; the import counts the documents it writes',
  collection_documents:
    'exported and imported with their ids, versions and times; the import recomputes their index keys and sizes from the bodies',
  memory_history: 'exported and imported',
  conversations: 'exported and imported (a conversation keeps its id, owner, counters and times)',
  conversation_messages: 'exported and imported in order, with the ids of the memories holding them',
  extraction_jobs: "skipped: the old tenant's work queue; the imported memories already hold what its jobs extracted",
  usage_daily: 'exported and imported (usage history per day and operation)',
  storage_daily: 'exported and imported',
  tenant_notices: 'exported and imported, so a notice already sent this period is not sent again',
  audit_log: 'exported as records only: the new tenant starts its own hash chain, which must not be forged',
  tenant_api_keys: 'key metadata exported, never hashes; not imported (a key without its hash opens nothing)',
  webhooks: 'exported without secrets; not imported (a subscription needs a new secret from its owner)',
  tenant_meter: 'skipped: the audit chain head and the period counters belong to the old tenant',
  webhook_deliveries: "skipped: the old tenant's outbox (payloads may hold content), not to be replayed",
  idempotency_records: "skipped: replay records of the old tenant's requests, meaningless to a new one",
  tenant_vector_indexes: 'skipped: derived; the import builds an index when the new tenant is large enough',
  tenant_provider_keys:
    "skipped: a secret, never exported even sealed (sealed under this deployment's master key and bound to this tenant, it would not open elsewhere); the new tenant's admin sets its key again",
};

/** The record types an import writes into the new tenant; the others are kept in the file only. */
export const importedTypes: ReadonlySet<ExportRecordType> = new Set([
  'user',
  'knowledge_base',
  'agent',
  'collection',
  'collection_document',
  'conversation',
  'message',
  'memory',
  'history',
  'usage_daily',
  'storage_daily',
  'notice',
]);

type Row = Record<string, unknown>;

/** One kind of row read page by page in key order (keyset pagination). */
export interface ExportSection {
  type: ExportRecordType;
  table: string;
  /** Columns selected; the key columns are selected again as text `k0, k1, ...`. */
  columns: string;
  /** The key, in order: an SQL expression and its type for the comparison. */
  keys: ReadonlyArray<{ column: string; type: string }>;
  /** Extra condition (memories: top-level rows first, then chunks). */
  where?: string;
  toRecord(row: Row): ExportBodyRecord;
}

const time = (value: unknown) => isoTime(value as Date | string);
const maybeTime = (value: unknown) => (value === null ? null : time(value));
const text = (value: unknown) => value as string;
const maybeText = (value: unknown) => (value === null || value === undefined ? null : String(value));
const count = (value: unknown) => Number(value);

const memoryColumns = `memory_id::text AS memory_id, kind, parent_id::text AS parent_id, chunk_index, chunk_count, scope, user_id,
  document_type, content, content_hash, metadata, agent_id, conversation_id, version, embedding::text AS embedding, embedding_model,
  created_at, updated_at, expires_at, source, invalidated_at, invalidated_by, knowledge_base_id::text AS knowledge_base_id, document_key`;

function memoryRecord(row: Row): ExportBodyRecord {
  return {
    type: 'memory',
    id: text(row.memory_id),
    kind: row.kind as 'memory' | 'document' | 'chunk',
    parentId: maybeText(row.parent_id),
    chunkIndex: count(row.chunk_index),
    chunkCount: count(row.chunk_count),
    scope: row.scope as 'customer' | 'user',
    userId: maybeText(row.user_id),
    documentType: text(row.document_type),
    content: text(row.content),
    contentHash: text(row.content_hash),
    metadata: row.metadata as Record<string, never>,
    agentId: maybeText(row.agent_id),
    conversationId: maybeText(row.conversation_id),
    version: count(row.version),
    // pgvector prints the shortest text that reads back to the same float4: the import stores identical vectors.
    embedding: row.embedding === null ? null : (JSON.parse(text(row.embedding)) as number[]),
    embeddingModel: text(row.embedding_model),
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
    expiresAt: maybeTime(row.expires_at),
    source: (row.source ?? null) as never,
    invalidatedAt: maybeTime(row.invalidated_at),
    invalidatedBy: (row.invalidated_by ?? null) as never,
    knowledgeBaseId: maybeText(row.knowledge_base_id),
    documentKey: maybeText(row.document_key),
  };
}

/** The sections of an export after the tenant and usage records, in file order (parents before children). */
export const exportSections: readonly ExportSection[] = [
  {
    type: 'user',
    table: 'users',
    columns: 'user_id, role, metadata, created_at',
    keys: [{ column: 'user_id', type: 'text' }],
    toRecord: (row) => ({
      type: 'user',
      id: text(row.user_id),
      role: row.role as 'admin',
      metadata: row.metadata as never,
      createdAt: time(row.created_at),
    }),
  },
  {
    type: 'conversation',
    table: 'conversations',
    columns: `conversation_id, user_id, agent_id, title, metadata, status, message_count, last_seq, last_message_at, created_at,
      updated_at`,
    keys: [{ column: 'conversation_id', type: 'text' }],
    toRecord: (row) => ({
      type: 'conversation',
      id: text(row.conversation_id),
      userId: maybeText(row.user_id),
      agentId: maybeText(row.agent_id),
      title: maybeText(row.title),
      metadata: row.metadata as never,
      status: row.status as 'active',
      messageCount: count(row.message_count),
      lastSeq: count(row.last_seq),
      lastMessageAt: maybeTime(row.last_message_at),
      createdAt: time(row.created_at),
      updatedAt: time(row.updated_at),
    }),
  },
  {
    type: 'message',
    table: 'conversation_messages',
    columns: `conversation_id, seq, message_id::text AS message_id, user_id, role, name, content, metadata, token_count,
      memory_id::text AS memory_id, created_at`,
    keys: [
      { column: 'conversation_id', type: 'text' },
      { column: 'seq', type: 'int8' },
    ],
    toRecord: (row) => ({
      type: 'message',
      conversationId: text(row.conversation_id),
      seq: count(row.seq),
      id: text(row.message_id),
      userId: maybeText(row.user_id),
      role: row.role as 'user',
      name: maybeText(row.name),
      content: text(row.content),
      metadata: row.metadata as never,
      tokenCount: count(row.token_count),
      memoryId: maybeText(row.memory_id),
      createdAt: time(row.created_at),
    }),
  },
  {
    type: 'knowledge_base',
    table: 'knowledge_bases',
    columns: `knowledge_base_id::text AS knowledge_base_id, name, description, metadata, document_count, chunk_count, content_bytes,
      created_at, updated_at`,
    keys: [{ column: 'knowledge_base_id', type: 'uuid' }],
    toRecord: (row) => ({
      type: 'knowledge_base',
      id: text(row.knowledge_base_id),
      name: text(row.name),
      description: maybeText(row.description),
      metadata: row.metadata as never,
      documentCount: count(row.document_count),
      chunkCount: count(row.chunk_count),
      bytes: count(row.content_bytes),
      createdAt: time(row.created_at),
      updatedAt: time(row.updated_at),
    }),
  },
  {
    type: 'agent',
    table: 'agents',
    columns: `agent_id, name, description, model, system_prompt, knowledge_base_ids::text[] AS knowledge_base_ids, settings, metadata,
      created_at, updated_at`,
    keys: [{ column: 'agent_id', type: 'text' }],
    toRecord: (row) => ({
      type: 'agent',
      id: text(row.agent_id),
      name: text(row.name),
      description: maybeText(row.description),
      model: maybeText(row.model),
      systemPrompt: maybeText(row.system_prompt),
      knowledgeBaseIds: row.knowledge_base_ids as string[],
      settings: row.settings as never,
      metadata: row.metadata as never,
      createdAt: time(row.created_at),
      updatedAt: time(row.updated_at),
    }),
  },
  {
    type: 'collection',
    table: 'collections',
    columns: 'name, description, indexes, document_count, content_bytes, created_at, updated_at',
    keys: [{ column: 'name', type: 'text' }],
    toRecord: (row) => ({
      type: 'collection',
      name: text(row.name),
      description: maybeText(row.description),
      indexes: row.indexes as string[],
      documentCount: count(row.document_count),
      bytes: count(row.content_bytes),
      createdAt: time(row.created_at),
      updatedAt: time(row.updated_at),
    }),
  },
  {
    type: 'collection_document',
    table: 'collection_documents',
    columns: 'collection, document_id, body, version, created_at, updated_at',
    keys: [
      { column: 'collection', type: 'text' },
      { column: 'document_id', type: 'text' },
    ],
    toRecord: (row) => ({
      type: 'collection_document',
      collection: text(row.collection),
      id: text(row.document_id),
      document: row.body as never,
      version: count(row.version),
      createdAt: time(row.created_at),
      updatedAt: time(row.updated_at),
    }),
  },
  {
    type: 'memory',
    table: 'memories',
    columns: memoryColumns,
    keys: [{ column: 'memory_id', type: 'uuid' }],
    where: "kind <> 'chunk'",
    toRecord: memoryRecord,
  },
  {
    type: 'memory',
    table: 'memories',
    columns: memoryColumns,
    keys: [{ column: 'memory_id', type: 'uuid' }],
    where: "kind = 'chunk'",
    toRecord: memoryRecord,
  },
  {
    type: 'history',
    table: 'memory_history',
    columns: 'memory_id::text AS memory_id, version, user_id, document_type, content, metadata, replaced_at',
    keys: [
      { column: 'memory_id', type: 'uuid' },
      { column: 'version', type: 'int4' },
    ],
    toRecord: (row) => ({
      type: 'history',
      memoryId: text(row.memory_id),
      version: count(row.version),
      userId: maybeText(row.user_id),
      documentType: text(row.document_type),
      content: text(row.content),
      metadata: row.metadata as never,
      replacedAt: time(row.replaced_at),
    }),
  },
  {
    type: 'usage_daily',
    table: 'usage_daily',
    columns: 'day::text AS day, operation, model, calls, errors, embedding_tokens, llm_input_tokens, llm_output_tokens',
    keys: [
      { column: 'day', type: 'date' },
      { column: 'operation', type: 'text' },
      { column: 'model', type: 'text' },
    ],
    toRecord: (row) => ({
      type: 'usage_daily',
      day: text(row.day),
      operation: text(row.operation),
      model: text(row.model),
      calls: count(row.calls),
      errors: count(row.errors),
      embeddingTokens: count(row.embedding_tokens),
      llmInputTokens: count(row.llm_input_tokens),
      llmOutputTokens: count(row.llm_output_tokens),
    }),
  },
  {
    type: 'storage_daily',
    table: 'storage_daily',
    columns: 'day::text AS day, memories, bytes',
    keys: [{ column: 'day', type: 'date' }],
    toRecord: (row) => ({ type: 'storage_daily', day: text(row.day), memories: count(row.memories), bytes: count(row.bytes) }),
  },
  {
    type: 'notice',
    table: 'tenant_notices',
    columns: 'notice, period, created_at',
    keys: [
      { column: 'notice', type: 'text' },
      { column: 'period', type: 'text' },
    ],
    toRecord: (row) => ({ type: 'notice', notice: text(row.notice), period: text(row.period), createdAt: time(row.created_at) }),
  },
  {
    type: 'api_key',
    table: 'tenant_api_keys',
    // Never key_hash: an export must not carry anything that could open the tenant.
    columns: 'key_id::text AS key_id, role, user_id, name, key_prefix, created_at, expires_at, revoked_at',
    keys: [{ column: 'key_id', type: 'uuid' }],
    toRecord: (row) => ({
      type: 'api_key',
      id: text(row.key_id),
      role: row.role as 'admin',
      userId: maybeText(row.user_id),
      name: maybeText(row.name),
      prefix: text(row.key_prefix),
      createdAt: time(row.created_at),
      expiresAt: maybeTime(row.expires_at),
      revokedAt: maybeTime(row.revoked_at),
    }),
  },
  {
    type: 'webhook',
    table: 'webhooks',
    // Never the secret.
    columns: 'webhook_id::text AS webhook_id, url, events, description, active, created_at',
    keys: [{ column: 'webhook_id', type: 'uuid' }],
    toRecord: (row) => ({
      type: 'webhook',
      id: text(row.webhook_id),
      url: text(row.url),
      events: row.events as string[],
      description: maybeText(row.description),
      active: row.active === true,
      createdAt: time(row.created_at),
    }),
  },
  {
    type: 'audit',
    table: 'audit_log',
    columns: `seq, at, actor_role, actor_client, actor_user, key_id, action, target_ids, outcome, error_code, request_id, prev_hash, hash`,
    keys: [{ column: 'seq', type: 'int8' }],
    toRecord: (row) => ({
      type: 'audit',
      seq: count(row.seq),
      at: time(row.at),
      actorRole: text(row.actor_role),
      actorClient: maybeText(row.actor_client),
      actorUser: maybeText(row.actor_user),
      keyId: maybeText(row.key_id),
      action: text(row.action),
      targetIds: row.target_ids as string[],
      outcome: row.outcome as 'ok' | 'error',
      errorCode: maybeText(row.error_code),
      requestId: maybeText(row.request_id),
      prevHash: text(row.prev_hash),
      hash: text(row.hash),
    }),
  },
];

/** Where a section's next page starts: the key values of the last row read, as text. */
export type SectionCursor = string[] | null;

/**
 * Reads one page of a section for `tenantId` after `cursor`, in key order. Returns the records
 * and the cursor of the page's last row (null when the section is done).
 */
export async function readSectionPage(
  db: Queryable,
  section: ExportSection,
  tenantId: string,
  cursor: SectionCursor,
  limit: number,
): Promise<{ records: ExportBodyRecord[]; next: SectionCursor }> {
  const params: unknown[] = [tenantId, limit];
  const conditions = ['tenant_id = $1'];
  if (section.where !== undefined) conditions.push(section.where);
  if (cursor !== null) {
    const placeholders = section.keys.map((key, index) => {
      params.push(cursor[index]);
      return `$${params.length}::${key.type}`;
    });
    conditions.push(`(${section.keys.map((key) => key.column).join(', ')}) > (${placeholders.join(', ')})`);
  }
  const keyText = section.keys.map((key, index) => `${key.column}::text AS k${index}`).join(', ');
  const order = section.keys.map((key) => key.column).join(', ');
  const result = await db.query<Row>(
    `SELECT ${section.columns}, ${keyText} FROM ${section.table} WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT $2`,
    params,
  );
  const last = result.rows.at(-1);
  const next = result.rows.length < limit || last === undefined ? null : section.keys.map((_, index) => String(last[`k${index}`]));
  return { records: result.rows.map((row) => section.toRecord(row)), next };
}
