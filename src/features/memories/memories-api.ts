import { z } from 'zod';
import { invalidInput, notFound, StrataError } from '../../core/errors.ts';
import { isUuid, parseOpaqueId } from '../../core/ids.ts';
import { inputLimits, parseInput } from '../../core/schemas.ts';
import { assertCanWrite, defaultWriteScope, type Identity, readableScopes, type Scope } from '../../core/scope.ts';
import type { CreateMemoryResult, Memory, MemoryVersion, Page } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { type MemoryTable, toMemory } from '../../db/memory-tables.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { noteTargets } from '../../kernel/govern.ts';
import { type CreateOptions, onceForKey, parseIdempotencyKey } from '../../kernel/idempotency.ts';
import { type ContentErasure, eraseUserMemories } from './erase-user.ts';
import type { CreateMemoryInput, ListMemoriesQuery, UpdateMemoryInput } from './memories-schemas.ts';
import { createMemorySchema, listMemoriesSchema, updateMemorySchema } from './memories-schemas.ts';
import { findMemory, listHistory, listMemories } from './memory-reads.ts';
import { deleteMemoryRow, replaceMemory } from './memory-writes.ts';
import { prepareMemories, type ScopedInput } from './prepare-memory.ts';
import { storeMemories, writeContextFor } from './store-memories.ts';

/** Memory and document operations. */
export interface MemoriesApi {
  /** Stores one memory; long content is chunked and each chunk is searchable. */
  create(input: CreateMemoryInput, options?: CreateOptions): Promise<CreateMemoryResult>;
  /** Stores up to 500 memories atomically: all or none. */
  createMany(items: CreateMemoryInput[], options?: CreateOptions): Promise<CreateMemoryResult[]>;
  /** One memory by id; `not_found` if missing, expired or not visible to the caller. */
  get(id: string): Promise<Memory>;
  /** Visible memories, newest first, filtered; continue with `nextCursor`. */
  list(query?: ListMemoriesQuery): Promise<Page<Memory>>;
  /** Changes fields; the previous version is kept in history. */
  update(id: string, patch: UpdateMemoryInput): Promise<Memory>;
  /** Deletes a memory with its chunks and history. */
  delete(id: string): Promise<{ id: string; deleted: true }>;
  /** Erases everything a user owns in the caller's tenant: memories, history, conversations and their messages. */
  deleteAllForUser(userId?: string): Promise<{ userId: string } & ContentErasure>;
  /** Previous versions of a memory, newest first. */
  history(id: string): Promise<MemoryVersion[]>;
}

const batchSchema = z
  .array(z.unknown())
  .min(1, 'must hold at least one item')
  .max(inputLimits.batchSize, `at most ${inputLimits.batchSize} items`);

/** Builds the memories API for one caller binding. */
export function createMemoriesApi(engine: Engine, bound: CallerContext | undefined): MemoriesApi {
  const identity = () => currentIdentity(engine, bound);

  const writeContext = (resolved: Identity) => writeContextFor(engine, resolved);

  async function createAll(rawItems: unknown[], batch: boolean, options: CreateOptions | undefined): Promise<CreateMemoryResult[]> {
    const caller = identity();
    const idempotencyKey = parseIdempotencyKey(options);
    const inputs: ScopedInput[] = rawItems.map((raw, index) => {
      const input = parseInput(createMemorySchema, raw, batch ? `items.${index}` : '');
      const scope = input.scope ?? defaultWriteScope(caller);
      assertCanWrite(caller, scope);
      return { ...input, scope };
    });
    const prepared = await prepareMemories(engine, inputs, batch);
    return inSession(engine, caller, async (db, resolved, tenant) => {
      const create = async () => {
        const results = await storeMemories(engine, db, writeContext(resolved), tenant, prepared);
        noteTargets(
          engine,
          results.map((result) => result.memory.id),
        );
        return results;
      };
      // Outside a tenant (world and client knowledge) a retry is already absorbed by content deduplication.
      if (idempotencyKey === undefined || resolved.tenantId === undefined) return create();
      return onceForKey(db, resolved, idempotencyKey, [batch, rawItems], engine.now(), {
        create,
        remember: (results) => results.map((result) => ({ id: result.memory.id, deduplicated: result.deduplicated })),
        reread: (stored) =>
          Promise.all(
            stored.map(async ({ id, deduplicated }) => ({
              memory: toMemory((await locate(db, resolved, id)).row, resolved.clientId),
              deduplicated,
            })),
          ),
      });
    });
  }

  async function locate(db: Queryable, caller: Identity, id: string) {
    const found = await findMemory(db, caller, readableScopes(caller), id, engine.now());
    if (found === null) throw notFound('memory', id);
    return found;
  }

  /**
   * Finds a memory the caller may change and locks it. Permission is checked before locking:
   * row-level security hides rows the caller may read but not lock, and a visible memory the
   * caller may not change is `forbidden`, not `not_found`.
   */
  async function locateForWrite(db: Queryable, caller: Identity, id: string) {
    const { row } = await locate(db, caller, id);
    assertCanWrite(caller, row.scope);
    const locked = await findMemory(db, caller, [row.scope], id, engine.now(), { forUpdate: true });
    if (locked === null) throw notFound('memory', id);
    return locked;
  }

  return {
    async create(input, options) {
      const [result] = await createAll([input], false, options);
      if (result === undefined) throw new StrataError('internal', 'create returned nothing');
      return result;
    },

    async createMany(items, options) {
      return createAll(parseInput(batchSchema, items, 'items'), true, options);
    },

    async get(id) {
      const memoryId = parseMemoryId(id);
      const caller = identity();
      return inSession(engine, caller, async (db, resolved) => toMemory((await locate(db, resolved, memoryId)).row, resolved.clientId));
    },

    async list(query = {}) {
      const parsed = parseInput(listMemoriesSchema, query);
      const caller = identity();
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : decodeCursor(parsed.cursor);
      // Listings page by memory id: a cursor holding anything else was not made here.
      if (after !== null && !isUuid(after)) throw invalidInput('cursor', 'is not a cursor returned by this API');
      const scopes = wantedScopes(caller, parsed.scope);
      return inSession(engine, caller, async (db, resolved) => {
        const rows = await listMemories(db, resolved, scopes, parsed, after, limit + 1, engine.now());
        const items = rows.slice(0, limit).map((row) => toMemory(row, resolved.clientId));
        const last = items.at(-1);
        return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
      });
    },

    async update(id, patch) {
      const memoryId = parseMemoryId(id);
      const parsed = parseInput(updateMemorySchema, patch);
      const caller = identity();
      const embedded = parsed.content === undefined ? null : await prepareContent(parsed.content);
      return inSession(engine, caller, async (db, resolved) => {
        const { table, row } = await locateForWrite(db, resolved, memoryId);
        const context = writeContext(resolved);
        const expiresAt =
          parsed.expiresAt === undefined ? (row.expires_at === null ? null : new Date(row.expires_at).toISOString()) : parsed.expiresAt;
        if (expiresAt !== null && new Date(expiresAt).getTime() <= context.now.getTime())
          throw invalidInput('expiresAt', 'must be in the future');
        const changes = {
          documentType: parsed.documentType ?? row.document_type,
          metadata: parsed.metadata ?? row.metadata,
          expiresAt,
          content: embedded !== null && embedded.contentHash !== row.content_hash ? embedded : null,
        };
        await replaceMemory(db, table, row, changes, context);
        const updated = await findMemory(db, resolved, readableScopes(resolved), memoryId, context.now);
        if (updated === null) throw notFound('memory', memoryId);
        return toMemory(updated.row, resolved.clientId);
      });
    },

    async delete(id) {
      const memoryId = parseMemoryId(id);
      const caller = identity();
      return inSession(engine, caller, async (db, resolved) => {
        const { table, row } = await locateForWrite(db, resolved, memoryId);
        await deleteMemoryRow(db, table, row, writeContext(resolved));
        return { id: memoryId, deleted: true as const };
      });
    },

    async deleteAllForUser(userId) {
      const caller = identity();
      const target = userId === undefined ? caller.userId : parseOpaqueId('userId', userId);
      if (target === undefined) throw invalidInput('userId', 'name the user to erase');
      assertMayErase(caller, target);
      return inSession(
        engine,
        { ...caller, userId: target },
        async (db, resolved) => ({ userId: target, ...(await eraseUserMemories(db, resolved, target, engine.now(), engine.userTables)) }),
        { allUsers: true },
      );
    },

    async history(id) {
      const memoryId = parseMemoryId(id);
      const caller = identity();
      return inSession(engine, caller, async (db, resolved) => {
        const { table, row } = await locate(db, resolved, memoryId);
        return listHistory(db, table, row);
      });
    },
  };

  async function prepareContent(content: string) {
    const [prepared] = await prepareMemories(engine, [{ content, scope: 'customer' }], false);
    if (prepared === undefined) throw new StrataError('internal', 'prepare returned nothing');
    return prepared;
  }
}

/** Customer-level callers may erase any user of their tenant; a user may erase themself. */
function assertMayErase(caller: Identity, userId: string): void {
  const admin = caller.role === 'platform' || caller.role === 'client_admin' || caller.role === 'admin';
  if (caller.tenantId === undefined) throw invalidInput('tenantId', 'erasure needs a customer');
  if (!admin && caller.userId !== userId) {
    throw new StrataError('forbidden', `role ${caller.role} cannot erase another user's memories`, { details: { role: caller.role } });
  }
}

function wantedScopes(caller: Identity, scope: Scope | undefined): Scope[] {
  const readable = readableScopes(caller);
  return scope === undefined ? readable : readable.filter((candidate) => candidate === scope);
}

/** Memory ids are UUIDs; anything else cannot name a memory. */
export function parseMemoryId(id: unknown): string {
  if (!isUuid(id)) throw invalidInput('id', 'must be a memory id (UUID)');
  return id;
}

export type { MemoryTable };
