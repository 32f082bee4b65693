import type { Queryable } from '../../db/database.ts';
import { isoTime } from '../../db/memory-tables.ts';
import { addUsage } from '../../kernel/usage-counters.ts';
import { documentKeys, keyColumns } from '../collections/index.ts';
import type { ExportBodyRecord } from './export-records.ts';

type RecordOf<T extends ExportBodyRecord['type']> = Extract<ExportBodyRecord, { type: T }>;

/** One column of an array insert: its name, the SQL type of its array, and a value per row. */
type ArrayColumn = [name: string, type: string, values: unknown[]];

/**
 * Inserts rows for `tenantId` by unnesting one array per column: a batch is one round trip.
 * jsonb, vector and array values travel as text and are cast per row.
 */
async function insertArrays(db: Queryable, table: string, tenantId: string, columns: readonly ArrayColumn[], suffix = ''): Promise<number> {
  const rows = columns[0]?.[2].length ?? 0;
  if (rows === 0) return 0;
  const asText = (type: string) => type === 'jsonb' || type === 'vector' || type.endsWith('[]');
  const arrays = columns.map(([, type], index) => `$${index + 2}::${asText(type) ? 'text' : type}[]`);
  const selected = columns.map(([, type], index) => (asText(type) ? `x.c${index}::${type}` : `x.c${index}`));
  const aliases = columns.map((_, index) => `c${index}`).join(', ');
  const result = await db.query(
    `INSERT INTO ${table} (tenant_id, ${columns.map(([name]) => name).join(', ')})
     SELECT $1, ${selected.join(', ')} FROM unnest(${arrays.join(', ')}) AS x(${aliases}) ${suffix}`,
    [tenantId, ...columns.map(([, , values]) => values)],
  );
  return result.affectedRows;
}

const json = (value: unknown) => JSON.stringify(value);
// SQL NULL for an absent value (JSON.stringify(null) would store a JSON null).
const maybeJson = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** The write context of an import's counters: the platform, without limits (the tenant fitted them where it came from). */
const importContext = (tenantId: string, now: Date) => ({ identity: { tenantId, clientId: '', role: 'platform' as const }, now });

/** A text[] value in PostgreSQL's array literal form, every element quoted (paths may hold `,` `"` `{`). */
const textArrayLiteral = (values: readonly string[]) => `{${values.map((value) => `"${value.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

/** Inserts imported users and counts them in the tenant's usage. */
export async function insertImportedUsers(db: Queryable, tenantId: string, users: readonly RecordOf<'user'>[]): Promise<void> {
  const inserted = await insertArrays(db, 'users', tenantId, [
    ['user_id', 'text', users.map((user) => user.id)],
    ['role', 'text', users.map((user) => user.role)],
    ['metadata', 'jsonb', users.map((user) => json(user.metadata))],
    ['created_at', 'timestamptz', users.map((user) => user.createdAt)],
  ]);
  await db.query('UPDATE tenant_usage SET user_count = user_count + $2 WHERE tenant_id = $1', [tenantId, inserted]);
}

/**
 * Inserts imported memory rows as they were (ids, embeddings, versions, timestamps, expiry)
 * and adds them to the tenant's counters the way a create would: a top-level row counts as a
 * memory with its content's bytes; every row with an embedding is searchable.
 */
export async function insertImportedMemories(
  db: Queryable,
  tenantId: string,
  memories: readonly RecordOf<'memory'>[],
  now: Date,
): Promise<number> {
  await insertArrays(db, 'memories', tenantId, [
    ['memory_id', 'uuid', memories.map((memory) => memory.id)],
    ['kind', 'text', memories.map((memory) => memory.kind)],
    ['parent_id', 'uuid', memories.map((memory) => memory.parentId)],
    ['chunk_index', 'int4', memories.map((memory) => memory.chunkIndex)],
    ['chunk_count', 'int4', memories.map((memory) => memory.chunkCount)],
    ['scope', 'text', memories.map((memory) => memory.scope)],
    ['user_id', 'text', memories.map((memory) => memory.userId)],
    ['document_type', 'text', memories.map((memory) => memory.documentType)],
    ['content', 'text', memories.map((memory) => memory.content)],
    ['content_hash', 'text', memories.map((memory) => memory.contentHash)],
    ['metadata', 'jsonb', memories.map((memory) => json(memory.metadata))],
    ['agent_id', 'text', memories.map((memory) => memory.agentId)],
    ['conversation_id', 'text', memories.map((memory) => memory.conversationId)],
    ['version', 'int4', memories.map((memory) => memory.version)],
    ['embedding', 'vector', memories.map((memory) => (memory.embedding === null ? null : json(memory.embedding)))],
    ['embedding_model', 'text', memories.map((memory) => memory.embeddingModel)],
    ['created_at', 'timestamptz', memories.map((memory) => memory.createdAt)],
    ['updated_at', 'timestamptz', memories.map((memory) => memory.updatedAt)],
    ['expires_at', 'timestamptz', memories.map((memory) => memory.expiresAt)],
    ['source', 'jsonb', memories.map((memory) => maybeJson(memory.source))],
    ['invalidated_at', 'timestamptz', memories.map((memory) => memory.invalidatedAt ?? null)],
    ['invalidated_by', 'jsonb', memories.map((memory) => maybeJson(memory.invalidatedBy))],
    ['knowledge_base_id', 'uuid', memories.map((memory) => memory.knowledgeBaseId ?? null)],
    ['document_key', 'text', memories.map((memory) => memory.documentKey ?? null)],
  ]);
  const top = memories.filter((memory) => memory.kind !== 'chunk');
  // No limits: the operator recreates a tenant that fitted them; the counters are what matters.
  return addUsage(db, importContext(tenantId, now), {
    // A knowledge base's documents hold storage but are not memories (as when they are added).
    memories: top.filter((memory) => (memory.knowledgeBaseId ?? null) === null).length,
    searchable: memories.filter((memory) => memory.kind !== 'document').length,
    bytes: top.reduce((total, memory) => total + Buffer.byteLength(memory.content), 0),
  });
}

/** Inserts imported knowledge bases as they were (ids, names, counters, times) and counts them. */
export async function insertImportedKnowledgeBases(
  db: Queryable,
  tenantId: string,
  rows: readonly RecordOf<'knowledge_base'>[],
): Promise<void> {
  const inserted = await insertArrays(db, 'knowledge_bases', tenantId, [
    ['knowledge_base_id', 'uuid', rows.map((row) => row.id)],
    ['name', 'text', rows.map((row) => row.name)],
    ['description', 'text', rows.map((row) => row.description)],
    ['metadata', 'jsonb', rows.map((row) => json(row.metadata))],
    ['document_count', 'int8', rows.map((row) => row.documentCount)],
    ['chunk_count', 'int8', rows.map((row) => row.chunkCount)],
    ['content_bytes', 'int8', rows.map((row) => row.bytes)],
    ['created_at', 'timestamptz', rows.map((row) => row.createdAt)],
    ['updated_at', 'timestamptz', rows.map((row) => row.updatedAt)],
  ]);
  await db.query('UPDATE tenant_usage SET knowledge_base_count = knowledge_base_count + $2 WHERE tenant_id = $1', [tenantId, inserted]);
}

/** Inserts imported agents as they were and counts them. */
export async function insertImportedAgents(db: Queryable, tenantId: string, rows: readonly RecordOf<'agent'>[]): Promise<void> {
  const inserted = await insertArrays(db, 'agents', tenantId, [
    ['agent_id', 'text', rows.map((row) => row.id)],
    ['name', 'text', rows.map((row) => row.name)],
    ['description', 'text', rows.map((row) => row.description)],
    ['model', 'text', rows.map((row) => row.model)],
    ['system_prompt', 'text', rows.map((row) => row.systemPrompt)],
    // A uuid[] per row travels as its text form ({a,b}) and is cast back.
    ['knowledge_base_ids', 'uuid[]', rows.map((row) => `{${row.knowledgeBaseIds.join(',')}}`)],
    ['settings', 'jsonb', rows.map((row) => json(row.settings))],
    ['metadata', 'jsonb', rows.map((row) => json(row.metadata))],
    ['created_at', 'timestamptz', rows.map((row) => row.createdAt)],
    ['updated_at', 'timestamptz', rows.map((row) => row.updatedAt)],
  ]);
  await db.query('UPDATE tenant_usage SET agent_count = agent_count + $2 WHERE tenant_id = $1', [tenantId, inserted]);
}

/** Inserts imported collections with their declared indexes and counts them; their documents are counted as they arrive. */
export async function insertImportedCollections(db: Queryable, tenantId: string, rows: readonly RecordOf<'collection'>[]): Promise<void> {
  const inserted = await insertArrays(db, 'collections', tenantId, [
    ['name', 'text', rows.map((row) => row.name)],
    ['description', 'text', rows.map((row) => row.description)],
    ['indexes', 'text[]', rows.map((row) => textArrayLiteral(row.indexes))],
    ['created_at', 'timestamptz', rows.map((row) => row.createdAt)],
    ['updated_at', 'timestamptz', rows.map((row) => row.updatedAt)],
  ]);
  await db.query('UPDATE tenant_usage SET collection_count = collection_count + $2 WHERE tenant_id = $1', [tenantId, inserted]);
}

/**
 * Inserts imported collection documents as they were (ids, versions, times), with index keys
 * and sizes recomputed from their bodies under the collection's declared indexes (never taken
 * from the file), and adds them to their collection's counters and the storage quota.
 */
export async function insertImportedCollectionDocuments(
  db: Queryable,
  tenantId: string,
  rows: readonly RecordOf<'collection_document'>[],
  now: Date,
): Promise<void> {
  const names = [...new Set(rows.map((row) => row.collection))];
  const declared = await db.query<{ name: string; indexes: string[] }>(
    'SELECT name, indexes FROM collections WHERE tenant_id = $1 AND name = ANY ($2::text[])',
    [tenantId, names],
  );
  const indexes = new Map(declared.rows.map((row) => [row.name, row.indexes]));
  const bodies = rows.map((row) => JSON.stringify(row.document));
  const sizes = bodies.map((body) => Buffer.byteLength(body));
  // A collection the file never declared has no indexes here; the foreign key refuses its documents.
  const keys = rows.map((row) => documentKeys(row.document, indexes.get(row.collection) ?? [], 'document'));
  await insertArrays(db, 'collection_documents', tenantId, [
    ['collection', 'text', rows.map((row) => row.collection)],
    ['document_id', 'text', rows.map((row) => row.id)],
    ['body', 'jsonb', bodies],
    ['bytes', 'int4', sizes],
    ['version', 'int8', rows.map((row) => row.version)],
    ...keyColumns.map((column, slot): ArrayColumn => [column, 'text', keys.map((key) => key[slot] ?? null)]),
    ['created_at', 'timestamptz', rows.map((row) => row.createdAt)],
    ['updated_at', 'timestamptz', rows.map((row) => row.updatedAt)],
  ]);
  const documents = new Map<string, { count: number; bytes: number }>();
  for (const [index, row] of rows.entries()) {
    const entry = documents.get(row.collection) ?? { count: 0, bytes: 0 };
    documents.set(row.collection, { count: entry.count + 1, bytes: entry.bytes + (sizes[index] ?? 0) });
  }
  for (const [name, entry] of documents) {
    await db.query(
      'UPDATE collections SET document_count = document_count + $3, content_bytes = content_bytes + $4 WHERE tenant_id = $1 AND name = $2',
      [tenantId, name, entry.count, entry.bytes],
    );
  }
  const bytes = sizes.reduce((total, size) => total + size, 0);
  await addUsage(db, importContext(tenantId, now), { memories: 0, searchable: 0, bytes });
}

/** Inserts imported conversations as they were (ids, owners, counters, times). */
export async function insertImportedConversations(
  db: Queryable,
  tenantId: string,
  rows: readonly RecordOf<'conversation'>[],
): Promise<void> {
  await insertArrays(db, 'conversations', tenantId, [
    ['conversation_id', 'text', rows.map((row) => row.id)],
    ['user_id', 'text', rows.map((row) => row.userId)],
    ['agent_id', 'text', rows.map((row) => row.agentId)],
    ['title', 'text', rows.map((row) => row.title)],
    ['metadata', 'jsonb', rows.map((row) => json(row.metadata))],
    ['status', 'text', rows.map((row) => row.status)],
    ['message_count', 'int4', rows.map((row) => row.messageCount)],
    ['last_seq', 'int8', rows.map((row) => row.lastSeq)],
    ['last_message_at', 'timestamptz', rows.map((row) => row.lastMessageAt)],
    ['created_at', 'timestamptz', rows.map((row) => row.createdAt)],
    ['updated_at', 'timestamptz', rows.map((row) => row.updatedAt)],
  ]);
}

/** Inserts imported messages with their ids and order. */
export async function insertImportedMessages(db: Queryable, tenantId: string, rows: readonly RecordOf<'message'>[]): Promise<void> {
  await insertArrays(db, 'conversation_messages', tenantId, [
    ['conversation_id', 'text', rows.map((row) => row.conversationId)],
    ['seq', 'int8', rows.map((row) => row.seq)],
    ['message_id', 'uuid', rows.map((row) => row.id)],
    ['user_id', 'text', rows.map((row) => row.userId)],
    ['role', 'text', rows.map((row) => row.role)],
    ['name', 'text', rows.map((row) => row.name)],
    ['content', 'text', rows.map((row) => row.content)],
    ['metadata', 'jsonb', rows.map((row) => json(row.metadata))],
    ['token_count', 'int4', rows.map((row) => row.tokenCount)],
    ['memory_id', 'uuid', rows.map((row) => row.memoryId)],
    ['created_at', 'timestamptz', rows.map((row) => row.createdAt)],
  ]);
}

/** Inserts imported history rows. */
export async function insertImportedHistory(db: Queryable, tenantId: string, rows: readonly RecordOf<'history'>[]): Promise<void> {
  await insertArrays(db, 'memory_history', tenantId, [
    ['memory_id', 'uuid', rows.map((row) => row.memoryId)],
    ['version', 'int4', rows.map((row) => row.version)],
    ['user_id', 'text', rows.map((row) => row.userId)],
    ['document_type', 'text', rows.map((row) => row.documentType)],
    ['content', 'text', rows.map((row) => row.content)],
    ['metadata', 'jsonb', rows.map((row) => json(row.metadata))],
    ['replaced_at', 'timestamptz', rows.map((row) => row.replacedAt)],
  ]);
}

/** Inserts imported usage, storage and notice rows (the tenant's usage history). */
export async function insertImportedUsageRows(
  db: Queryable,
  tenantId: string,
  records: readonly RecordOf<'usage_daily' | 'storage_daily' | 'notice'>[],
): Promise<void> {
  const usage = records.filter((record): record is RecordOf<'usage_daily'> => record.type === 'usage_daily');
  const storage = records.filter((record): record is RecordOf<'storage_daily'> => record.type === 'storage_daily');
  const notices = records.filter((record): record is RecordOf<'notice'> => record.type === 'notice');
  await insertArrays(
    db,
    'usage_daily',
    tenantId,
    [
      ['day', 'date', usage.map((row) => row.day)],
      ['operation', 'text', usage.map((row) => row.operation)],
      ['model', 'text', usage.map((row) => row.model)],
      ['calls', 'int8', usage.map((row) => row.calls)],
      ['errors', 'int8', usage.map((row) => row.errors)],
      ['embedding_tokens', 'int8', usage.map((row) => row.embeddingTokens)],
      // A file from before the input/output split has one LLM figure: it counts as input.
      ['llm_input_tokens', 'int8', usage.map((row) => row.llmInputTokens ?? row.llmTokens ?? 0)],
      ['llm_output_tokens', 'int8', usage.map((row) => row.llmOutputTokens ?? 0)],
    ],
    'ON CONFLICT DO NOTHING',
  );
  await insertArrays(
    db,
    'storage_daily',
    tenantId,
    [
      ['day', 'date', storage.map((row) => row.day)],
      ['memories', 'int8', storage.map((row) => row.memories)],
      ['bytes', 'int8', storage.map((row) => row.bytes)],
      // Today's figure was just written by the memory inserts, from the new tenant's own counters.
    ],
    'ON CONFLICT DO NOTHING',
  );
  await insertArrays(
    db,
    'tenant_notices',
    tenantId,
    [
      ['notice', 'text', notices.map((row) => row.notice)],
      ['period', 'text', notices.map((row) => row.period)],
      ['created_at', 'timestamptz', notices.map((row) => row.createdAt)],
    ],
    'ON CONFLICT DO NOTHING',
  );
}

/** Reads the tenant record and its usage counters, the first records of an export. */
export async function readTenantRecords(db: Queryable, tenantId: string): Promise<[RecordOf<'tenant'>, RecordOf<'usage'>] | null> {
  const tenants = await db.query<Record<string, unknown>>(
    `SELECT t.tenant_id, t.client_id, t.name, t.plan, t.status, t.settings, t.limits, t.created_at, t.updated_at,
       coalesce(u.memory_count, 0)::text AS memory_count, coalesce(u.searchable_count, 0)::text AS searchable_count,
       coalesce(u.content_bytes, 0)::text AS content_bytes, coalesce(u.user_count, 0)::text AS user_count
     FROM tenants t LEFT JOIN tenant_usage u ON u.tenant_id = t.tenant_id WHERE t.tenant_id = $1`,
    [tenantId],
  );
  const row = tenants.rows[0];
  if (row === undefined) return null;
  return [
    {
      type: 'tenant',
      id: row.tenant_id as string,
      clientId: row.client_id as string,
      name: (row.name as string | null) ?? null,
      plan: row.plan as string,
      status: row.status as string,
      settings: row.settings as never,
      limits: row.limits as never,
      createdAt: isoTime(row.created_at as Date),
      updatedAt: isoTime(row.updated_at as Date),
    },
    {
      type: 'usage',
      memoryCount: Number(row.memory_count),
      searchableCount: Number(row.searchable_count),
      contentBytes: Number(row.content_bytes),
      userCount: Number(row.user_count),
    },
  ];
}

/** A reference from an imported record to a row that is neither stored nor in the same batch. */
export interface DanglingReference {
  /** Index of the record in the batch. */
  index: number;
  field: 'userId' | 'parentId' | 'memoryId' | 'conversationId' | 'knowledgeBaseId';
  kind: 'user' | 'memory' | 'conversation' | 'knowledge base';
  id: string;
}

/**
 * After a batch failed a foreign key check (SQLSTATE 23503), finds the first record whose user
 * or memory does not exist in `tenantId` — so the error can name its line and field instead of
 * a constraint. Runs in a fresh transaction; the batch's own rows count as present.
 */
export async function findDanglingReference(
  db: Queryable,
  tenantId: string,
  records: readonly ExportBodyRecord[],
): Promise<DanglingReference | null> {
  const references = records.flatMap((record, index): DanglingReference[] => {
    if (record.type === 'memory') {
      return [
        ...(record.userId === null ? [] : [{ index, field: 'userId' as const, kind: 'user' as const, id: record.userId }]),
        ...(record.parentId === null ? [] : [{ index, field: 'parentId' as const, kind: 'memory' as const, id: record.parentId }]),
        ...((record.knowledgeBaseId ?? null) === null
          ? []
          : [{ index, field: 'knowledgeBaseId' as const, kind: 'knowledge base' as const, id: record.knowledgeBaseId ?? '' }]),
      ];
    }
    if (record.type === 'history') return [{ index, field: 'memoryId', kind: 'memory', id: record.memoryId }];
    if (record.type === 'conversation' && record.userId !== null) return [{ index, field: 'userId', kind: 'user', id: record.userId }];
    if (record.type === 'message') return [{ index, field: 'conversationId', kind: 'conversation', id: record.conversationId }];
    return [];
  });
  const wanted = (kind: DanglingReference['kind']) => [...new Set(references.filter((ref) => ref.kind === kind).map((ref) => ref.id))];
  const users = await db.query<{ id: string }>('SELECT user_id AS id FROM users WHERE tenant_id = $1 AND user_id = ANY ($2::text[])', [
    tenantId,
    wanted('user'),
  ]);
  const memories = await db.query<{ id: string }>(
    'SELECT memory_id::text AS id FROM memories WHERE tenant_id = $1 AND memory_id = ANY ($2::uuid[])',
    [tenantId, wanted('memory')],
  );
  const conversations = await db.query<{ id: string }>(
    'SELECT conversation_id AS id FROM conversations WHERE tenant_id = $1 AND conversation_id = ANY ($2::text[])',
    [tenantId, wanted('conversation')],
  );
  const knowledgeBases = await db.query<{ id: string }>(
    'SELECT knowledge_base_id::text AS id FROM knowledge_bases WHERE tenant_id = $1 AND knowledge_base_id = ANY ($2::uuid[])',
    [tenantId, wanted('knowledge base')],
  );
  const present = {
    'knowledge base': new Set([
      ...knowledgeBases.rows.map((row) => row.id),
      ...records.flatMap((record) => (record.type === 'knowledge_base' ? [record.id] : [])),
    ]),
    conversation: new Set([
      ...conversations.rows.map((row) => row.id),
      ...records.flatMap((record) => (record.type === 'conversation' ? [record.id] : [])),
    ]),
    user: new Set([...users.rows.map((row) => row.id), ...records.flatMap((record) => (record.type === 'user' ? [record.id] : []))]),
    memory: new Set([...memories.rows.map((row) => row.id), ...records.flatMap((record) => (record.type === 'memory' ? [record.id] : []))]),
  };
  return references.find((ref) => !present[ref.kind].has(ref.id)) ?? null;
}
