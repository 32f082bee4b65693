import { invalidInput, notFound, StrataError } from '../../core/errors.ts';
import { isPlainObject, parseMetadataFilter } from '../../core/filter.ts';
import { parseOpaqueId } from '../../core/ids.ts';
import { documentBodySchema, parseInput } from '../../core/schemas.ts';
import { canWrite, type Identity } from '../../core/scope.ts';
import type { Collection, CollectionDocument, Json, Page } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { SqlParams } from '../../db/sql-params.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { noteTargets } from '../../kernel/govern.ts';
import { addUsage, countRegistered } from '../../kernel/usage-counters.ts';
import { writeContextFor } from '../memories/index.ts';
import {
  type CreateCollectionInput,
  collectionNameSchema,
  createCollectionSchema,
  type FindDocumentsQuery,
  findCursorLength,
  findDocumentsSchema,
  insertDocumentsSchema,
  type ListCollectionsQuery,
  listCollectionsSchema,
  type NewCollectionDocument,
  newDocumentSchema,
  type PatchDocumentInput,
  patchDocumentSchema,
  type ReplaceDocumentInput,
  replaceDocumentSchema,
  type UpdateCollectionInput,
  updateCollectionSchema,
} from './collections-schemas.ts';
import {
  type CollectionRow,
  collectionColumns,
  compileDocumentFilter,
  type DocumentRow,
  documentColumns,
  documentKeys,
  indexedValueBytes,
  keyColumn,
  keyColumns,
  toCollection,
  toDocument,
} from './collections-sql.ts';

/** What deleting a collection removed. */
export interface CollectionDeletion {
  name: string;
  deleted: true;
  documents: number;
}

/** What deleting a document removed. */
export interface CollectionDocumentDeletion {
  id: string;
  collection: string;
  deleted: true;
}

/** A tenant's JSON documents in named collections, found with the metadata filter language. */
export interface CollectionsApi {
  /** Creates a collection, declaring the fields to index (tenant admins). */
  create(input: CreateCollectionInput): Promise<Collection>;
  /** One collection with its counts; `not_found` if the tenant has none by that name. */
  get(name: string): Promise<Collection>;
  /** The tenant's collections, by name. */
  list(query?: ListCollectionsQuery): Promise<Page<Collection>>;
  /** Re-describes a collection or replaces its indexed fields (its documents are re-keyed). */
  update(name: string, patch: UpdateCollectionInput): Promise<Collection>;
  /** Deletes a collection with all its documents. */
  delete(name: string): Promise<CollectionDeletion>;
  /** Inserts one document; an id already there is a `conflict`. */
  insert(name: string, document: NewCollectionDocument): Promise<CollectionDocument>;
  /** Inserts up to 100 documents at once, all or none. */
  insertMany(name: string, documents: NewCollectionDocument[]): Promise<CollectionDocument[]>;
  /** One document. */
  getDocument(name: string, id: string): Promise<CollectionDocument>;
  /** Replaces a document's body; `ifVersion` makes it conditional. */
  replace(name: string, id: string, input: ReplaceDocumentInput): Promise<CollectionDocument>;
  /** Merges an RFC 7396 patch into a document; `ifVersion` makes it conditional. */
  patch(name: string, id: string, input: PatchDocumentInput): Promise<CollectionDocument>;
  /** Deletes a document. */
  deleteDocument(name: string, id: string): Promise<CollectionDocumentDeletion>;
  /** Documents matching a filter, sorted by id or an indexed field, in cursor pages. */
  find(name: string, query?: FindDocumentsQuery): Promise<Page<CollectionDocument>>;
}

/** Names the field of one document of a write: its `id` or its `document`. */
type FieldOf = (index: number, part: 'id' | 'document') => string;

/** Where a page of `find` ended: the sort it belongs to, the last document's sort value and id. */
interface FindPosition {
  field: string | null;
  order: 'asc' | 'desc';
  /** The last document's key in the sorted field's slot (empty when sorted by id). */
  value: string;
  id: string;
}

/** Builds the collections API for one caller binding. */
export function createCollectionsApi(engine: Engine, bound: CallerContext | undefined): CollectionsApi {
  const identity = () => {
    const caller = currentIdentity(engine, bound);
    if (caller.tenantId === undefined) throw invalidInput('tenantId', 'collections belong to a customer: name the tenant');
    return caller;
  };
  const parseName = (name: unknown) => parseInput(collectionNameSchema, name, 'name');

  /** The collection's row, locked for writing when `lock` (which orders every write to it). */
  const locate = async (db: Queryable, caller: Identity, name: string, lock = false) => {
    const result = await db.query<CollectionRow>(
      `SELECT ${collectionColumns} FROM collections WHERE tenant_id = $1 AND name = $2${lock ? ' FOR UPDATE' : ''}`,
      [caller.tenantId, name],
    );
    const row = result.rows[0];
    if (row === undefined) throw notFound('collection', name);
    return row;
  };

  const assertWriter = (caller: Identity) => {
    if (!canWrite(caller, 'customer'))
      throw new StrataError('forbidden', `role ${caller.role} cannot write collection documents`, { details: { role: caller.role } });
  };

  /** Refuses a document over the plan's `collectionDocumentBytes`, naming it. */
  const assertDocumentSize = (caller: Identity, bytes: number, field: string) => {
    const maximum = writeContextFor(engine, caller).limits?.collectionDocumentBytes ?? null;
    if (maximum !== null && bytes > maximum)
      throw new StrataError(
        'limit_exceeded',
        `${field}: ${bytes} bytes as JSON; the tenant's collectionDocumentBytes limit is ${maximum}`,
        { details: { field, limit: 'collectionDocumentBytes', current: bytes, maximum } },
      );
  };

  /** Applies a change in the collection's document count and bytes, and the bytes to the storage quota. */
  const count = async (db: Queryable, caller: Identity, name: string, documents: number, bytes: number, now: string) => {
    await db.query(
      `UPDATE collections SET document_count = document_count + $3, content_bytes = content_bytes + $4, updated_at = $5::timestamptz
       WHERE tenant_id = $1 AND name = $2`,
      [caller.tenantId, name, documents, bytes, now],
    );
    if (bytes !== 0) await addUsage(db, writeContextFor(engine, caller), { memories: 0, searchable: 0, bytes });
  };

  const documentNotFound = (name: string, id: string) => notFound('document', `${name}/${id}`);

  /** Inserts documents into a locked collection; the ids must be new. */
  const insertDocuments = async (db: Queryable, caller: Identity, name: string, items: NewCollectionDocument[], field: FieldOf) => {
    const collection = await locate(db, caller, name, true);
    const bodies = items.map((item) => JSON.stringify(item.document));
    const sizes = bodies.map((body) => Buffer.byteLength(body));
    for (const [index, bytes] of sizes.entries()) assertDocumentSize(caller, bytes, field(index, 'document'));
    const ids = items.map((item) => item.id ?? engine.generateId());
    const repeated = ids.findIndex((id, index) => ids.indexOf(id) !== index);
    if (repeated >= 0) throw invalidInput(field(repeated, 'id'), 'repeats a document id of this batch');
    const keys = items.map((item, index) => documentKeys(item.document, collection.indexes, field(index, 'document')));
    const now = engine.now().toISOString();
    const result = await db.query<DocumentRow>(
      `INSERT INTO collection_documents (tenant_id, collection, document_id, body, bytes, version, ${keyColumns.join(', ')}, created_at, updated_at)
       SELECT $1, $2, d.id, d.body::jsonb, d.bytes, 1, d.k0, d.k1, d.k2, d.k3, $5::timestamptz, $5::timestamptz
       FROM unnest($3::text[], $4::text[], $6::int4[], $7::text[], $8::text[], $9::text[], $10::text[]) AS d(id, body, bytes, k0, k1, k2, k3)
       ON CONFLICT (tenant_id, collection, document_id) DO NOTHING
       RETURNING ${documentColumns}`,
      [caller.tenantId, name, ids, bodies, now, sizes, ...keyColumns.map((_, slot) => keys.map((row) => row[slot]))],
    );
    if (result.rows.length < ids.length) {
      const stored = new Set(result.rows.map((row) => row.document_id));
      const taken = ids.findIndex((id) => !stored.has(id));
      throw new StrataError('conflict', `${field(taken, 'id')}: document ${JSON.stringify(ids[taken])} already exists`, {
        details: { field: field(taken, 'id') },
      });
    }
    await count(
      db,
      caller,
      name,
      ids.length,
      sizes.reduce((total, bytes) => total + bytes, 0),
      now,
    );
    noteTargets(engine, ids);
    const byId = new Map(result.rows.map((row) => [row.document_id, toDocument(row)]));
    return ids.map((id) => byId.get(id) as CollectionDocument);
  };

  /** Rewrites one document's body (and its keys), under the collection's lock and the version guard. */
  const rewrite = async (
    name: string,
    id: string,
    ifVersion: number | undefined,
    next: (current: Record<string, Json>) => Record<string, Json>,
    field: string,
  ) => {
    const caller = identity();
    assertWriter(caller);
    return inSession(engine, caller, async (db, resolved) => {
      const collection = await locate(db, resolved, name, true);
      const found = await db.query<DocumentRow>(
        `SELECT ${documentColumns} FROM collection_documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
        [resolved.tenantId, name, id],
      );
      const current = found.rows[0];
      if (current === undefined) throw documentNotFound(name, id);
      if (ifVersion !== undefined && Number(current.version) !== ifVersion)
        throw new StrataError('conflict', `ifVersion: the document is at version ${current.version}, not ${ifVersion}`, {
          details: { field: 'ifVersion', version: Number(current.version) },
        });
      const body = parseInput(documentBodySchema, next(current.body), field);
      const text = JSON.stringify(body);
      const bytes = Buffer.byteLength(text);
      assertDocumentSize(resolved, bytes, field);
      const keys = documentKeys(body, collection.indexes, field);
      const now = engine.now().toISOString();
      const result = await db.query<DocumentRow>(
        `UPDATE collection_documents SET body = $4::jsonb, bytes = $5, version = version + 1, updated_at = $6::timestamptz,
           key_0 = $7, key_1 = $8, key_2 = $9, key_3 = $10
         WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 RETURNING ${documentColumns}`,
        [resolved.tenantId, name, id, text, bytes, now, ...keys],
      );
      await count(db, resolved, name, 0, bytes - current.bytes, now);
      noteTargets(engine, [id]);
      return toDocument(result.rows[0] as DocumentRow);
    });
  };

  /** Rewrites the key columns of `slots` for every document of a locked collection. */
  const rekey = async (db: Queryable, caller: Identity, name: string, indexes: readonly string[], slots: readonly number[]) => {
    const assignments = slots.map((slot, index) => `${keyColumn(slot)} = d.k${index}`).join(', ');
    const arrays = slots.map((_, index) => `$${index + 4}::text[]`).join(', ');
    const aliases = slots.map((_, index) => `k${index}`).join(', ');
    for (let after = ''; ; ) {
      const page = await db.query<{ document_id: string; body: Record<string, Json> }>(
        `SELECT document_id, body FROM collection_documents WHERE tenant_id = $1 AND collection = $2 AND document_id > $3
         ORDER BY document_id LIMIT 1000`,
        [caller.tenantId, name, after],
      );
      if (page.rows.length === 0) return;
      const keys = page.rows.map((document) => {
        try {
          return documentKeys(document.body, indexes, 'indexes');
        } catch (error) {
          const path = (error as StrataError).details.path as string;
          throw invalidInput(
            `indexes.${indexes.indexOf(path)}`,
            `document ${JSON.stringify(document.document_id)} holds more than ${indexedValueBytes} bytes at ${JSON.stringify(path)}`,
          );
        }
      });
      await db.query(
        `UPDATE collection_documents SET ${assignments} FROM unnest($3::text[], ${arrays}) AS d(id, ${aliases})
         WHERE tenant_id = $1 AND collection = $2 AND document_id = d.id`,
        [caller.tenantId, name, page.rows.map((document) => document.document_id), ...slots.map((slot) => keys.map((row) => row[slot]))],
      );
      after = page.rows.at(-1)?.document_id ?? after;
    }
  };

  const decodePosition = (cursor: string, field: string | null, order: 'asc' | 'desc'): FindPosition => {
    let position: unknown;
    try {
      position = JSON.parse(decodeCursor(cursor, findCursorLength));
    } catch {
      throw invalidInput('cursor', 'is not a cursor returned by this API');
    }
    const candidate = position as Partial<FindPosition>;
    if (!isPlainObject(position) || typeof candidate.id !== 'string' || typeof candidate.value !== 'string')
      throw invalidInput('cursor', 'is not a cursor returned by this API');
    if (candidate.field !== field || candidate.order !== order)
      throw invalidInput('cursor', 'belongs to a find with another sort; pass the same sort as the page it came from');
    return candidate as FindPosition;
  };

  return {
    async create(input) {
      const parsed = parseInput(createCollectionSchema, input);
      return inSession(engine, identity(), async (db, resolved) => {
        // The counter row's lock orders concurrent creates: the check below sees every earlier one.
        await countRegistered(db, writeContextFor(engine, resolved), 'collections', 1);
        const now = engine.now().toISOString();
        const result = await db.query<CollectionRow>(
          `INSERT INTO collections (tenant_id, name, description, indexes, created_at, updated_at)
           VALUES ($1, $2, $3, $4::text[], $5::timestamptz, $5::timestamptz)
           ON CONFLICT (tenant_id, name) DO NOTHING RETURNING ${collectionColumns}`,
          [resolved.tenantId, parsed.name, parsed.description ?? null, parsed.indexes ?? [], now],
        );
        const row = result.rows[0];
        if (row === undefined)
          throw new StrataError('conflict', `name: a collection named ${JSON.stringify(parsed.name)} already exists`, {
            details: { field: 'name' },
          });
        noteTargets(engine, [parsed.name]);
        return toCollection(row);
      });
    },

    async get(name) {
      const collection = parseName(name);
      return inSession(engine, identity(), async (db, resolved) => toCollection(await locate(db, resolved, collection)));
    },

    async list(query = {}) {
      const parsed = parseInput(listCollectionsSchema, query);
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : decodeCursor(parsed.cursor);
      return inSession(engine, identity(), async (db, resolved) => {
        const result = await db.query<CollectionRow>(
          `SELECT ${collectionColumns} FROM collections WHERE tenant_id = $1 AND ($2::text IS NULL OR name > $2) ORDER BY name LIMIT $3`,
          [resolved.tenantId, after, limit + 1],
        );
        const items = result.rows.slice(0, limit).map(toCollection);
        const last = items.at(-1);
        return { items, nextCursor: result.rows.length > limit && last !== undefined ? encodeCursor(last.name) : null };
      });
    },

    async update(name, patch) {
      const collection = parseName(name);
      const parsed = parseInput(updateCollectionSchema, patch);
      return inSession(engine, identity(), async (db, resolved) => {
        const row = await locate(db, resolved, collection, true);
        const indexes = parsed.indexes ?? row.indexes;
        // Re-key only the slots whose path changed, a page at a time; a value too large to index
        // refuses the change, and the transaction rolls back what was re-keyed before it.
        const changed = keyColumns.map((_, slot) => slot).filter((slot) => indexes[slot] !== row.indexes[slot]);
        if (changed.length > 0) await rekey(db, resolved, collection, indexes, changed);
        const result = await db.query<CollectionRow>(
          `UPDATE collections SET description = CASE WHEN $3 THEN $4 ELSE description END, indexes = $5::text[], updated_at = $6::timestamptz
           WHERE tenant_id = $1 AND name = $2 RETURNING ${collectionColumns}`,
          [
            resolved.tenantId,
            collection,
            parsed.description !== undefined,
            parsed.description ?? null,
            indexes,
            engine.now().toISOString(),
          ],
        );
        noteTargets(engine, [collection]);
        return toCollection(result.rows[0] as CollectionRow);
      });
    },

    async delete(name) {
      const collection = parseName(name);
      return inSession(engine, identity(), async (db, resolved) => {
        const row = await locate(db, resolved, collection, true);
        const removed = await db.query('DELETE FROM collection_documents WHERE tenant_id = $1 AND collection = $2', [
          resolved.tenantId,
          collection,
        ]);
        await db.query('DELETE FROM collections WHERE tenant_id = $1 AND name = $2', [resolved.tenantId, collection]);
        const context = writeContextFor(engine, resolved);
        const bytes = Number(row.content_bytes);
        if (bytes !== 0) await addUsage(db, context, { memories: 0, searchable: 0, bytes: -bytes });
        await countRegistered(db, context, 'collections', -1);
        noteTargets(engine, [collection]);
        return { name: collection, deleted: true as const, documents: removed.affectedRows };
      });
    },

    async insert(name, document) {
      const collection = parseName(name);
      const parsed = parseInput(newDocumentSchema, document);
      const caller = identity();
      assertWriter(caller);
      const [stored] = await inSession(engine, caller, (db, resolved) =>
        insertDocuments(db, resolved, collection, [parsed], (_, part) => part),
      );
      return stored as CollectionDocument;
    },

    async insertMany(name, documents) {
      const collection = parseName(name);
      const parsed = parseInput(insertDocumentsSchema, documents, 'documents');
      const caller = identity();
      assertWriter(caller);
      return inSession(engine, caller, (db, resolved) =>
        insertDocuments(db, resolved, collection, parsed, (index, part) => `documents.${index}.${part}`),
      );
    },

    async getDocument(name, id) {
      const collection = parseName(name);
      const documentId = parseOpaqueId('documentId', id);
      return inSession(engine, identity(), async (db, resolved) => {
        await locate(db, resolved, collection);
        const result = await db.query<DocumentRow>(
          `SELECT ${documentColumns} FROM collection_documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
          [resolved.tenantId, collection, documentId],
        );
        const row = result.rows[0];
        if (row === undefined) throw documentNotFound(collection, documentId);
        return toDocument(row);
      });
    },

    async replace(name, id, input) {
      const collection = parseName(name);
      const documentId = parseOpaqueId('documentId', id);
      const parsed = parseInput(replaceDocumentSchema, input);
      return rewrite(collection, documentId, parsed.ifVersion, () => parsed.document, 'document');
    },

    async patch(name, id, input) {
      const collection = parseName(name);
      const documentId = parseOpaqueId('documentId', id);
      const parsed = parseInput(patchDocumentSchema, input);
      return rewrite(
        collection,
        documentId,
        parsed.ifVersion,
        (current) => mergePatch(current, parsed.patch) as Record<string, Json>,
        'patch',
      );
    },

    async deleteDocument(name, id) {
      const collection = parseName(name);
      const documentId = parseOpaqueId('documentId', id);
      const caller = identity();
      assertWriter(caller);
      return inSession(engine, caller, async (db, resolved) => {
        await locate(db, resolved, collection, true);
        const result = await db.query<{ bytes: number }>(
          'DELETE FROM collection_documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 RETURNING bytes',
          [resolved.tenantId, collection, documentId],
        );
        const row = result.rows[0];
        if (row === undefined) throw documentNotFound(collection, documentId);
        await count(db, resolved, collection, -1, -row.bytes, engine.now().toISOString());
        noteTargets(engine, [documentId]);
        return { id: documentId, collection, deleted: true as const };
      });
    },

    async find(name, query = {}) {
      const collection = parseName(name);
      const parsed = parseInput(findDocumentsSchema, query);
      const conditions = parseMetadataFilter(parsed.filter, 'filter');
      const limit = parsed.limit ?? 50;
      const field = parsed.sort?.field ?? null;
      const order = parsed.sort?.order ?? 'asc';
      const after = parsed.cursor === undefined ? null : decodePosition(parsed.cursor, field, order);
      return inSession(engine, identity(), async (db, resolved) => {
        const { indexes } = await locate(db, resolved, collection);
        if (field !== null && !indexes.includes(field))
          throw invalidInput(
            'sort.field',
            `${JSON.stringify(field)} is not an indexed field of this collection: declare it in its indexes to sort on it`,
          );
        const params = new SqlParams();
        const terms = [`tenant_id = ${params.add(resolved.tenantId)}`, `collection = ${params.add(collection)}`];
        terms.push(...compileDocumentFilter(conditions, indexes, params));
        const sortKey = field === null ? null : keyColumn(indexes.indexOf(field));
        const direction = order === 'asc' ? '>' : '<';
        if (after !== null) {
          const id = params.add(after.id);
          if (sortKey === null) terms.push(`document_id ${direction} ${id}`);
          else terms.push(`(${sortKey}, document_id) ${direction} (${params.add(after.value)}, ${id})`);
        }
        const orderBy = sortKey === null ? `document_id ${order}` : `${sortKey} ${order}, document_id ${order}`;
        const result = await db.query<DocumentRow & { sort_key: string | null }>(
          `SELECT ${documentColumns}, ${sortKey ?? 'NULL::text'} AS sort_key FROM collection_documents
           WHERE ${terms.join(' AND ')} ORDER BY ${orderBy} LIMIT ${params.add(limit + 1)}`,
          params.values,
        );
        const rows = result.rows.slice(0, limit);
        const last = rows.at(-1);
        const position: FindPosition | null =
          result.rows.length > limit && last !== undefined ? { field, order, value: last.sort_key ?? '', id: last.document_id } : null;
        return { items: rows.map(toDocument), nextCursor: position === null ? null : encodeCursor(JSON.stringify(position)) };
      });
    },
  };
}

/** RFC 7396: null removes a key, an object merges into an object, anything else replaces. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, Json> = {};
  const own = (key: string, value: Json) =>
    // defineProperty, not assignment: a key named `__proto__` is data, never a prototype.
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  if (isPlainObject(target)) for (const [key, value] of Object.entries(target)) own(key, value as Json);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else own(key, mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value as Json));
  }
  return result;
}
