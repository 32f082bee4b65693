import type { Identity } from '../../core/scope.ts';
import type { Queryable } from '../../db/database.ts';
import { addUsage, removedUsage } from '../../kernel/usage-counters.ts';

/** Deletes every memory, chunk and history row of one user in the session's tenant. */
export async function eraseUserMemories(
  db: Queryable,
  identity: Identity,
  userId: string,
  now: Date,
): Promise<{ memories: number; history: number }> {
  const history = await db.query('DELETE FROM memory_history WHERE tenant_id = $1 AND user_id = $2', [identity.tenantId, userId]);
  const removed = await db.query<{ kind: string; chunk_count: number; bytes: number }>(
    `DELETE FROM memories WHERE tenant_id = $1 AND user_id = $2 RETURNING kind, chunk_count, octet_length(content) AS bytes`,
    [identity.tenantId, userId],
  );
  const delta = removedUsage(removed.rows);
  await addUsage(db, { identity, now }, delta);
  return { memories: -delta.memories, history: history.affectedRows };
}
