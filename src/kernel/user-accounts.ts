import { notFound } from '../core/errors.ts';
import type { Json, User } from '../core/types.ts';
import type { Queryable } from '../db/database.ts';
import type { TenantFacts } from './engine.ts';
import { enforceQuotas } from './quota.ts';

/** A `users` row as read back. */
export interface UserRow {
  tenant_id: string;
  user_id: string;
  role: User['role'];
  metadata: Record<string, Json>;
  created_at: Date | string;
}

export const userColumns = 'tenant_id, user_id, role, metadata, created_at';

/**
 * The one way a user comes into being — `users.create`, a key made for a user, a user-scoped
 * write naming a new user: inserts the row unless it exists and, only when it was inserted,
 * counts it and holds the tenant to its `users` limit in the same transaction. The count is
 * moved on the tenant's counter row, which the update locks, so concurrent creates are counted
 * (and refused) exactly. Returns the new row, or `null` when the user already existed.
 */
export async function insertUser(
  db: Queryable,
  tenantId: string,
  tenant: TenantFacts | null,
  user: { id: string; role?: User['role']; metadata?: Record<string, Json> },
  now: Date,
): Promise<UserRow | null> {
  const result = await db.query<UserRow>(
    `INSERT INTO users (tenant_id, user_id, role, metadata, created_at) VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz)
     ON CONFLICT (tenant_id, user_id) DO NOTHING RETURNING ${userColumns}`,
    [tenantId, user.id, user.role ?? 'member', JSON.stringify(user.metadata ?? {}), now.toISOString()],
  );
  const created = result.rows[0];
  if (created === undefined) return null;
  const users = await countUsers(db, tenantId, 1);
  await enforceQuotas(db, tenantId, tenant?.limits, [{ limit: 'users', before: users - 1, after: users }], now);
  return created;
}

/** Deletes a user row; the count goes down only if a row was deleted. Returns whether it was. */
export async function deleteUser(db: Queryable, tenantId: string, userId: string): Promise<boolean> {
  const deleted = await db.query('DELETE FROM users WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
  if (deleted.affectedRows === 0) return false;
  await countUsers(db, tenantId, -1);
  return true;
}

/** Moves the tenant's user count by `delta` (locking its counter row), never below zero, and returns the new count. */
async function countUsers(db: Queryable, tenantId: string, delta: number): Promise<number> {
  const result = await db.query<{ user_count: string }>(
    'UPDATE tenant_usage SET user_count = greatest(user_count + $2, 0) WHERE tenant_id = $1 RETURNING user_count::text',
    [tenantId, delta],
  );
  const row = result.rows[0];
  if (row === undefined) throw notFound('tenant', tenantId);
  return Number(row.user_count);
}
