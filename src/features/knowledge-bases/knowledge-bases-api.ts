import { chunkMarkdown, chunkText, contentHash } from '../../core/content.ts';
import { invalidInput, notFound, StrataError } from '../../core/errors.ts';
import { parseInput } from '../../core/schemas.ts';
import { assertCanWrite, type Identity } from '../../core/scope.ts';
import type { KnowledgeBase, KnowledgeBaseDocument, Page } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { SqlParams } from '../../db/sql-params.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession, maybeIndexTenant } from '../../kernel/engine.ts';
import { noteTargets } from '../../kernel/govern.ts';
import { addUsage, countRegistered, removedUsage } from '../../kernel/usage-counters.ts';
import { insertMemories, type PreparedMemory, writeContextFor } from '../memories/index.ts';
import { candidateRequest, embedQuery, requireFeature, runSearch, type SearchResult, searchedKnowledgeBases } from '../search/index.ts';
import {
  addDocumentsSchema,
  type CreateKnowledgeBaseInput,
  createKnowledgeBaseSchema,
  documentIdSchema,
  type ListDocumentsQuery,
  type ListKnowledgeBasesQuery,
  listDocumentsSchema,
  listKnowledgeBasesSchema,
  type NewDocument,
  type SearchKnowledgeBaseQuery,
  type SearchKnowledgeBasesQuery,
  searchKnowledgeBaseSchema,
  searchKnowledgeBasesSchema,
  type UpdateKnowledgeBaseInput,
  updateKnowledgeBaseSchema,
} from './knowledge-bases-schemas.ts';
import {
  addToCounters,
  type DocumentRow,
  documentColumns,
  documentTable,
  documentTerms,
  findKnowledgeBase,
  type KnowledgeBaseRow,
  listKnowledgeBases,
  ownsKnowledgeBase,
  toDocument,
  toKnowledgeBase,
} from './knowledge-bases-sql.ts';

/** What adding documents stored. */
export interface AddedDocuments {
  knowledgeBaseId: string;
  documents: Array<{ id: string; memoryId: string; chunkCount: number; replaced: boolean }>;
}

/** What deleting a knowledge base removed. */
export interface KnowledgeBaseDeletion {
  id: string;
  deleted: true;
  documents: number;
  chunks: number;
}

/** What deleting a document removed. */
export interface DocumentDeletion {
  id: string;
  knowledgeBaseId: string;
  deleted: true;
  chunks: number;
}

/** Knowledge bases: named stores of documents, a tenant's own or shared by a client or the operator. */
export interface KnowledgeBasesApi {
  /** Creates a knowledge base: the tenant's (admins), the client's (client admins) or everyone's (the operator). */
  create(input: CreateKnowledgeBaseInput): Promise<KnowledgeBase>;
  /** One readable knowledge base; `not_found` if missing or not the caller's to read. */
  get(id: string): Promise<KnowledgeBase>;
  /** Readable knowledge bases (own and shared), newest first. */
  list(query?: ListKnowledgeBasesQuery): Promise<Page<KnowledgeBase>>;
  /** Renames or re-describes a knowledge base its owner manages. */
  update(id: string, patch: UpdateKnowledgeBaseInput): Promise<KnowledgeBase>;
  /** Deletes a knowledge base with its documents and chunks. */
  delete(id: string): Promise<KnowledgeBaseDeletion>;
  /** Adds up to 100 documents, chunked and embedded; a document id already there is replaced with its chunks, atomically. */
  addDocuments(id: string, documents: NewDocument[]): Promise<AddedDocuments>;
  /** The knowledge base's documents (without their text), by id. */
  listDocuments(id: string, query?: ListDocumentsQuery): Promise<Page<KnowledgeBaseDocument>>;
  /** One document with its text. */
  getDocument(id: string, documentId: string): Promise<KnowledgeBaseDocument>;
  /** Deletes one document and its chunks. */
  deleteDocument(id: string, documentId: string): Promise<DocumentDeletion>;
  /** Searches one knowledge base's chunks (vector, keyword or hybrid; filters on the documents' metadata). */
  search(id: string, query: SearchKnowledgeBaseQuery): Promise<SearchResult>;
  /** Searches several readable knowledge bases at once. */
  searchMany(query: SearchKnowledgeBasesQuery): Promise<SearchResult>;
}

/** Builds the knowledge-bases API for one caller binding. */
export function createKnowledgeBasesApi(engine: Engine, bound: CallerContext | undefined): KnowledgeBasesApi {
  const identity = () => currentIdentity(engine, bound);

  const locate = async (db: Queryable, caller: Identity, id: string, forUpdate = false) => {
    const row = await findKnowledgeBase(db, caller, id, { forUpdate });
    if (row === null) throw notFound('knowledge base', id);
    return row;
  };

  /** Finds a knowledge base whose documents the caller may change, and locks it (document writes are ordered by this lock). */
  const locateForWrite = async (db: Queryable, caller: Identity, id: string) => {
    const row = await locate(db, caller, id);
    if (!ownsKnowledgeBase(caller, row)) {
      throw new StrataError(
        'forbidden',
        `knowledge base ${JSON.stringify(id)} is read-only to role ${caller.role}: it is ${row.scope}-scoped`,
        {
          details: { role: caller.role, scope: row.scope },
        },
      );
    }
    return locate(db, caller, id, true);
  };

  const parseId = (value: unknown) => parseInput(searchKnowledgeBasesSchema.shape.knowledgeBaseIds.element, value, 'id');
  const parseDocumentId = (value: unknown) => parseInput(documentIdSchema, value, 'documentId');

  async function searchIn(caller: Identity, ids: readonly string[], parsed: SearchKnowledgeBaseQuery): Promise<SearchResult> {
    const mode = parsed.mode ?? 'hybrid';
    const embedding = await embedQuery(engine, mode, parsed.query);
    return inSession(engine, caller, async (db, resolved, tenant) => {
      requireFeature(tenant, mode);
      const readable = await searchedKnowledgeBases(db, resolved, ids, undefined);
      const request = {
        ...candidateRequest(engine, resolved, tenant, parsed, parsed.limit ?? 10),
        scopes: ['customer', 'client', 'world'] as const,
        knowledgeBaseIds: readable,
        memories: false,
        lastStatement: mode === 'vector',
      };
      const hits = await runSearch(db, request, mode, parsed.query, embedding);
      noteTargets(engine, [...readable, ...hits.map((hit) => hit.memoryId)]);
      return { mode, hits };
    });
  }

  return {
    async create(input) {
      const parsed = parseInput(createKnowledgeBaseSchema, input);
      const caller = identity();
      const scope = parsed.scope ?? (caller.tenantId !== undefined ? 'customer' : caller.role === 'platform' ? 'world' : 'client');
      // Who may manage knowledge bases at all is the operation's permission; which scope, the scope rules.
      assertCanWrite(caller, scope);
      const id = engine.generateId();
      return inSession(engine, caller, async (db, resolved) => {
        const now = engine.now().toISOString();
        const values = [id, parsed.name, parsed.description ?? null, JSON.stringify(parsed.metadata ?? {}), now];
        let inserted: { rows: unknown[] };
        if (scope === 'customer') {
          await countRegistered(db, writeContextFor(engine, resolved), 'knowledgeBases', 1);
          inserted = await db.query(
            `INSERT INTO knowledge_bases (tenant_id, knowledge_base_id, name, description, metadata, created_at, updated_at)
             VALUES ($6, $1::uuid, $2, $3, $4::jsonb, $5::timestamptz, $5::timestamptz) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING 1`,
            [...values, resolved.tenantId],
          );
        } else {
          const clientId = scope === 'client' ? resolved.clientId : null;
          if (clientId !== null)
            await db.query('INSERT INTO clients (client_id) VALUES ($1) ON CONFLICT (client_id) DO NOTHING', [clientId]);
          inserted = await db.query(
            `INSERT INTO shared_knowledge_bases (knowledge_base_id, scope, client_id, name, description, metadata, created_at, updated_at)
             VALUES ($1::uuid, $6, $7, $2, $3, $4::jsonb, $5::timestamptz, $5::timestamptz)
             ON CONFLICT (scope, coalesce(client_id, ''), name) DO NOTHING RETURNING 1`,
            [...values, scope, clientId],
          );
        }
        if (inserted.rows.length === 0) {
          throw new StrataError('conflict', `name: a knowledge base named ${JSON.stringify(parsed.name)} already exists`, {
            details: { field: 'name' },
          });
        }
        noteTargets(engine, [id]);
        return toKnowledgeBase(await locate(db, resolved, id), resolved);
      });
    },

    async get(id) {
      const knowledgeBaseId = parseId(id);
      return inSession(engine, identity(), async (db, resolved) => toKnowledgeBase(await locate(db, resolved, knowledgeBaseId), resolved));
    },

    async list(query = {}) {
      const parsed = parseInput(listKnowledgeBasesSchema, query);
      const limit = parsed.limit ?? 50;
      const after =
        parsed.cursor === undefined
          ? null
          : parseInput(searchKnowledgeBasesSchema.shape.knowledgeBaseIds.element, decodeCursor(parsed.cursor), 'cursor');
      return inSession(engine, identity(), async (db, resolved) => {
        const rows = await listKnowledgeBases(db, resolved, parsed.scope, after, limit + 1);
        const items = rows.slice(0, limit).map((row) => toKnowledgeBase(row, resolved));
        const last = items.at(-1);
        return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
      });
    },

    async update(id, patch) {
      const knowledgeBaseId = parseId(id);
      const parsed = parseInput(updateKnowledgeBaseSchema, patch);
      return inSession(engine, identity(), async (db, resolved) => {
        const row = await locateForWrite(db, resolved, knowledgeBaseId);
        const owner = row.table === 'knowledge_bases' ? 'tenant_id = $7 AND ' : '';
        const params: unknown[] = [
          knowledgeBaseId,
          parsed.name ?? null,
          parsed.description !== undefined,
          parsed.description ?? null,
          parsed.metadata === undefined ? null : JSON.stringify(parsed.metadata),
          engine.now().toISOString(),
        ];
        if (row.table === 'knowledge_bases') params.push(row.tenant_id);
        try {
          await db.query(
            `UPDATE ${row.table} SET name = coalesce($2, name), description = CASE WHEN $3 THEN $4 ELSE description END,
               metadata = coalesce($5::jsonb, metadata), updated_at = $6::timestamptz
             WHERE ${owner}knowledge_base_id = $1::uuid`,
            params,
          );
        } catch (error) {
          if ((error as { code?: string }).code !== '23505') throw error;
          throw new StrataError('conflict', `name: a knowledge base named ${JSON.stringify(parsed.name)} already exists`, {
            details: { field: 'name' },
          });
        }
        noteTargets(engine, [knowledgeBaseId]);
        return toKnowledgeBase(await locate(db, resolved, knowledgeBaseId), resolved);
      });
    },

    async delete(id) {
      const knowledgeBaseId = parseId(id);
      return inSession(engine, identity(), async (db, resolved) => {
        const row = await locateForWrite(db, resolved, knowledgeBaseId);
        const removed = await deleteDocumentRows(engine, db, resolved, row, null);
        const owner = row.table === 'knowledge_bases' ? 'tenant_id = $2 AND ' : '';
        const params: unknown[] = [knowledgeBaseId];
        if (row.table === 'knowledge_bases') {
          params.push(row.tenant_id);
          // Agents stop reading it; an agent of another tenant attached to a shared one finds it gone when read.
          await db.query(
            'UPDATE agents SET knowledge_base_ids = array_remove(knowledge_base_ids, $2::uuid) WHERE tenant_id = $1 AND $2::uuid = ANY (knowledge_base_ids)',
            [row.tenant_id, knowledgeBaseId],
          );
          await countRegistered(db, writeContextFor(engine, resolved), 'knowledgeBases', -1);
        }
        await db.query(`DELETE FROM ${row.table} WHERE ${owner}knowledge_base_id = $1::uuid`, params);
        noteTargets(engine, [knowledgeBaseId]);
        return { id: knowledgeBaseId, deleted: true as const, documents: removed.documents, chunks: removed.chunks };
      });
    },

    async addDocuments(id, documents) {
      const knowledgeBaseId = parseId(id);
      const parsed = parseInput(addDocumentsSchema, documents, 'documents');
      const caller = identity();
      const keys = parsed.map((document) => document.id ?? engine.generateId());
      const repeated = keys.findIndex((key, index) => keys.indexOf(key) !== index);
      if (repeated >= 0)
        throw invalidInput(`documents.${repeated}.id`, `repeats document id ${JSON.stringify(keys[repeated])} of this batch`);
      // Fail before paying for embeddings when the knowledge base is missing or read-only.
      const target = await inSession(engine, caller, (db, resolved) => locateForWrite(db, resolved, knowledgeBaseId));
      const prepared = await prepareDocuments(engine, target, parsed, keys);
      return inSession(engine, caller, async (db, resolved, tenant) => {
        const row = await locateForWrite(db, resolved, knowledgeBaseId);
        const context = writeContextFor(engine, resolved);
        const replaced = await deleteDocumentRows(engine, db, resolved, row, keys);
        const table = documentTable(row);
        const { searchableCount } = await insertMemories(db, table, prepared, context);
        await addToCounters(
          db,
          row,
          {
            documents: prepared.length,
            chunks: prepared.reduce((total, memory) => total + memory.chunks.length, 0),
            bytes: prepared.reduce((total, memory) => total + Buffer.byteLength(memory.content), 0),
          },
          engine.now(),
        );
        if (table === 'memories' && resolved.tenantId !== undefined) maybeIndexTenant(engine, resolved.tenantId, searchableCount, tenant);
        noteTargets(engine, [knowledgeBaseId, ...prepared.map((memory) => memory.id)]);
        return {
          knowledgeBaseId,
          documents: prepared.map((memory, index) => ({
            id: keys[index] ?? '',
            memoryId: memory.id,
            chunkCount: memory.chunks.length,
            replaced: replaced.keys.has(keys[index] ?? ''),
          })),
        };
      });
    },

    async listDocuments(id, query = {}) {
      const knowledgeBaseId = parseId(id);
      const parsed = parseInput(listDocumentsSchema, query);
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : parseInput(documentIdSchema, decodeCursor(parsed.cursor), 'cursor');
      return inSession(engine, identity(), async (db, resolved) => {
        const row = await locate(db, resolved, knowledgeBaseId);
        const params = new SqlParams();
        const terms = [documentTerms(row, params)];
        if (after !== null) terms.push(`m.document_key > ${params.add(after)}`);
        const result = await db.query<DocumentRow>(
          `SELECT ${documentColumns(false)} FROM ${documentTable(row)} m WHERE ${terms.join(' AND ')}
           ORDER BY m.document_key LIMIT ${limit + 1}`,
          params.values,
        );
        const items = result.rows.slice(0, limit).map(toDocument);
        const last = items.at(-1);
        return { items, nextCursor: result.rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
      });
    },

    async getDocument(id, documentId) {
      const knowledgeBaseId = parseId(id);
      const key = parseDocumentId(documentId);
      return inSession(engine, identity(), async (db, resolved) => {
        const row = await locate(db, resolved, knowledgeBaseId);
        const params = new SqlParams();
        const result = await db.query<DocumentRow>(
          `SELECT ${documentColumns(true)} FROM ${documentTable(row)} m WHERE ${documentTerms(row, params)} AND m.document_key = ${params.add(key)}`,
          params.values,
        );
        const document = result.rows[0];
        if (document === undefined) throw notFound('document', key);
        noteTargets(engine, [knowledgeBaseId, document.memory_id]);
        return toDocument(document);
      });
    },

    async deleteDocument(id, documentId) {
      const knowledgeBaseId = parseId(id);
      const key = parseDocumentId(documentId);
      return inSession(engine, identity(), async (db, resolved) => {
        const row = await locateForWrite(db, resolved, knowledgeBaseId);
        const removed = await deleteDocumentRows(engine, db, resolved, row, [key]);
        if (removed.documents === 0) throw notFound('document', key);
        noteTargets(engine, [knowledgeBaseId]);
        return { id: key, knowledgeBaseId, deleted: true as const, chunks: removed.chunks };
      });
    },

    async search(id, query) {
      const knowledgeBaseId = parseId(id);
      const parsed = parseInput(searchKnowledgeBaseSchema, query);
      return searchIn(identity(), [knowledgeBaseId], parsed);
    },

    async searchMany(query) {
      const parsed = parseInput(searchKnowledgeBasesSchema, query);
      const { knowledgeBaseIds, ...rest } = parsed;
      return searchIn(identity(), [...new Set(knowledgeBaseIds)], rest);
    },
  };
}

/** Chunks and embeds documents before any transaction opens (embedding may call a remote model). */
async function prepareDocuments(
  engine: Engine,
  target: KnowledgeBaseRow,
  documents: readonly NewDocument[],
  keys: readonly string[],
): Promise<PreparedMemory[]> {
  const chunked = documents.map((document) =>
    document.contentType === 'markdown' ? chunkMarkdown(document.content) : chunkText(document.content),
  );
  const embeddings = await engine.embedder.embed(chunked.flat(), { purpose: 'document' });
  let offset = 0;
  return documents.map((document, index) => {
    const pieces = chunked[index] ?? [];
    const chunks = pieces.map((content, chunkIndex) => ({
      id: engine.generateId(),
      content,
      embedding: embeddings[offset + chunkIndex] ?? [],
    }));
    offset += pieces.length;
    const documentKey = keys[index] ?? '';
    return {
      id: engine.generateId(),
      scope: target.scope,
      documentType: document.documentType ?? 'document',
      content: document.content,
      contentHash: contentHash(document.content),
      metadata: document.metadata ?? {},
      agentId: null,
      conversationId: null,
      source: {
        kind: 'document',
        knowledgeBaseId: target.knowledge_base_id,
        documentId: documentKey,
        title: document.title ?? null,
        contentType: document.contentType ?? 'text',
      },
      expiresAt: null,
      knowledgeBase: { id: target.knowledge_base_id, documentKey },
      chunks,
    };
  });
}

/**
 * Deletes documents of a locked knowledge base (those of `keys`, or all of them) with their
 * chunks, and gives back their usage. Returns what went and which keys existed.
 */
async function deleteDocumentRows(
  engine: Engine,
  db: Queryable,
  identity: Identity,
  row: KnowledgeBaseRow,
  keys: readonly string[] | null,
): Promise<{ documents: number; chunks: number; keys: Set<string> }> {
  const table = documentTable(row);
  const params = new SqlParams();
  const terms = [
    ...(row.table === 'knowledge_bases' ? [`tenant_id = ${params.add(row.tenant_id)}`] : []),
    `knowledge_base_id = ${params.add(row.knowledge_base_id)}::uuid`,
  ];
  if (keys !== null) terms.push(`document_key = ANY (${params.add(keys)}::text[])`);
  const removed = await db.query<{ kind: string; chunk_count: number; bytes: number; document_key: string; knowledge_base_id: string }>(
    `DELETE FROM ${table} WHERE ${terms.join(' AND ')}
     RETURNING kind, chunk_count, octet_length(content) AS bytes, document_key, knowledge_base_id::text AS knowledge_base_id`,
    params.values,
  );
  const top = removed.rows.filter((document) => document.kind !== 'chunk');
  if (top.length === 0) return { documents: 0, chunks: 0, keys: new Set() };
  const usage = removedUsage(removed.rows);
  if (table === 'memories') await addUsage(db, writeContextFor(engine, identity), usage);
  await addToCounters(db, row, { documents: -top.length, chunks: usage.searchable, bytes: usage.bytes }, engine.now());
  return { documents: top.length, chunks: -usage.searchable, keys: new Set(top.map((document) => document.document_key)) };
}
