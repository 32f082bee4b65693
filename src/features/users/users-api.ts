import { notFound, StrataError } from '../../core/errors.ts';
import { parseOpaqueId } from '../../core/ids.ts';
import { assertPermitted } from '../../core/permissions.ts';
import { pageSchema, parseInput } from '../../core/schemas.ts';
import { type Identity, outranks, roles } from '../../core/scope.ts';
import type { Json, Page, User } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { isoTime } from '../../db/memory-tables.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { enqueueEvent } from '../../kernel/events.ts';
import { deleteUser, insertUser, type UserRow, userColumns } from '../../kernel/user-accounts.ts';
import { type ContentErasure, eraseUserMemories } from '../memories/index.ts';
import { createUserSchema, updateUserSchema } from './users-schemas.ts';

/** Users of the caller's tenant. Managing users takes an admin; a user may read itself. */
export interface UsersApi {
  create(input: { id: string; role?: User['role']; metadata?: Record<string, Json> }): Promise<User>;
  get(id: string): Promise<User>;
  list(query?: { limit?: number; cursor?: string }): Promise<Page<User>>;
  update(id: string, patch: { role?: User['role']; metadata?: Record<string, Json> }): Promise<User>;
  /**
   * Erases a user in one transaction: every memory, chunk and history row of the user, its API
   * keys and the user itself. Returns the counts and queues a `user.erased` event.
   */
  delete(id: string): Promise<UserErasureReport>;
}

/** What erasing a user removed. */
export interface UserErasureReport extends ContentErasure {
  userId: string;
  keys: number;
}

function toUser(row: UserRow): User {
  return { tenantId: row.tenant_id, id: row.user_id, role: row.role, metadata: row.metadata, createdAt: isoTime(row.created_at) };
}

/** Builds the users API. */
export function createUsersApi(engine: Engine, bound: CallerContext | undefined): UsersApi {
  // The role (users.manage) is the pipeline's check; here, that the caller is inside a customer.
  const admin = () => {
    const identity = currentIdentity(engine, bound);
    if (identity.tenantId === undefined)
      throw new StrataError('invalid_input', 'tenantId: users belong to a customer', { details: { field: 'tenantId' } });
    return identity;
  };

  const fetchUser = async (db: Queryable, identity: Identity, id: string) => {
    const result = await db.query<UserRow>(`SELECT ${userColumns} FROM users WHERE tenant_id = $1 AND user_id = $2`, [
      identity.tenantId,
      id,
    ]);
    const row = result.rows[0];
    if (row === undefined) throw notFound('user', id);
    return row;
  };

  return {
    async create(input) {
      const parsed = parseInput(createUserSchema, input);
      const identity = admin();
      const row = await inSession(engine, identity, async (db, resolved, tenant) => {
        const created = await insertUser(db, resolved.tenantId ?? '', tenant, parsed, engine.now());
        if (created === null)
          throw new StrataError('conflict', `id: user ${JSON.stringify(parsed.id)} already exists`, { details: { field: 'id' } });
        return created;
      });
      return toUser(row);
    },

    async get(id) {
      const userId = parseOpaqueId('id', id);
      const identity = currentIdentity(engine, bound);
      // users.get is open to a user reading its own account; another's needs users.manage.
      if (identity.userId !== userId) assertPermitted(admin().role, 'users.manage');
      return toUser(await inSession(engine, identity, (db, resolved) => fetchUser(db, resolved, userId)));
    },

    async list(query = {}) {
      const parsed = parseInput(pageSchema, query);
      const identity = admin();
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : decodeCursor(parsed.cursor);
      const rows = await inSession(engine, identity, async (db, resolved) => {
        const result = await db.query<UserRow>(
          `SELECT ${userColumns} FROM users WHERE tenant_id = $1 AND ($2::text IS NULL OR user_id > $2) ORDER BY user_id LIMIT $3`,
          [resolved.tenantId, after, limit + 1],
        );
        return result.rows;
      });
      const items = rows.slice(0, limit).map(toUser);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
    },

    async update(id, patch) {
      const userId = parseOpaqueId('id', id);
      const parsed = parseInput(updateUserSchema, patch);
      const identity = admin();
      const row = await inSession(engine, identity, async (db, resolved) => {
        await fetchUser(db, resolved, userId);
        const result = await db.query<UserRow>(
          `UPDATE users SET role = coalesce($3, role), metadata = coalesce($4::jsonb, metadata)
           WHERE tenant_id = $1 AND user_id = $2 RETURNING ${userColumns}`,
          [resolved.tenantId, userId, parsed.role ?? null, parsed.metadata === undefined ? null : JSON.stringify(parsed.metadata)],
        );
        const updated = result.rows[0];
        if (updated === undefined) throw notFound('user', userId);
        // A user's role governs the keys made for them: a demotion lowers their keys with them.
        const newRole = parsed.role;
        if (newRole !== undefined) {
          await db.query('UPDATE tenant_api_keys SET role = $3 WHERE tenant_id = $1 AND user_id = $2 AND role = ANY($4::text[])', [
            resolved.tenantId,
            userId,
            newRole,
            roles.filter((role) => outranks(role, newRole)),
          ]);
        }
        return updated;
      });
      return toUser(row);
    },

    async delete(id) {
      const userId = parseOpaqueId('id', id);
      const identity = admin();
      return inSession(
        engine,
        identity,
        async (db, resolved) => {
          await fetchUser(db, resolved, userId);
          const now = engine.now();
          const erased = await eraseUserMemories(db, resolved, userId, now, engine.userTables);
          const keys = await db.query('DELETE FROM tenant_api_keys WHERE tenant_id = $1 AND user_id = $2', [resolved.tenantId, userId]);
          await deleteUser(db, resolved.tenantId ?? '', userId);
          const report = { userId, ...erased, keys: keys.affectedRows };
          await enqueueEvent(db, {
            tenantId: resolved.tenantId ?? null,
            type: 'user.erased',
            data: { tenantId: resolved.tenantId ?? null, ...report },
            at: now.toISOString(),
            eventId: engine.generateId(),
          });
          return report;
        },
        { allUsers: true },
      );
    },
  };
}
