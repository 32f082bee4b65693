import type { Identity } from '../../core/scope.ts';
import type { Queryable } from '../../db/database.ts';
import { addUsage, removedUsage } from '../../kernel/usage-counters.ts';

/** What erasing a user's content removed. */
export interface ContentErasure {
  /** Top-level memories and documents (their chunks go with them). */
  memories: number;
  history: number;
  conversations: number;
  messages: number;
}

// Tables the erasure handles itself (memories move the usage counters) or leaves to the caller
// (the user row and its keys, which `users.delete` removes and `memories.deleteAllForUser` keeps).
const handledApart = new Set(['memories', 'memory_history', 'users', 'tenant_api_keys']);

/**
 * Deletes everything one user owns in the session's tenant: memories, chunks and history, and
 * every row of every other user-owned table (`userTables`, read from the catalog: conversations,
 * messages, extraction jobs, idempotency records, and whatever is added later), children first.
 */
export async function eraseUserMemories(
  db: Queryable,
  identity: Identity,
  userId: string,
  now: Date,
  userTables: readonly string[],
): Promise<ContentErasure> {
  const removedFrom: Record<string, number> = {};
  for (const table of userTables) {
    if (handledApart.has(table)) continue;
    const result = await db.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND user_id = $2`, [identity.tenantId, userId]);
    removedFrom[table] = result.affectedRows;
  }
  const history = await db.query('DELETE FROM memory_history WHERE tenant_id = $1 AND user_id = $2', [identity.tenantId, userId]);
  const removed = await db.query<{ kind: string; chunk_count: number; bytes: number }>(
    `DELETE FROM memories WHERE tenant_id = $1 AND user_id = $2 RETURNING kind, chunk_count, octet_length(content) AS bytes`,
    [identity.tenantId, userId],
  );
  const delta = removedUsage(removed.rows);
  await addUsage(db, { identity, now }, delta);
  return {
    memories: -delta.memories,
    history: history.affectedRows,
    conversations: removedFrom.conversations ?? 0,
    messages: removedFrom.conversation_messages ?? 0,
  };
}
