import { createHash } from 'node:crypto';
import { invalidInput, StrataError } from '../core/errors.ts';
import type { Identity } from '../core/scope.ts';
import type { Queryable } from '../db/database.ts';

/** Options of a create that may be retried. */
export interface CreateOptions {
  /**
   * A caller-chosen key (1-255 printable ASCII characters) naming this create. Retrying with
   * the same key and the same input inside the tenant returns the first outcome and creates
   * nothing; the same key with different input is `conflict`.
   */
  idempotencyKey?: string;
}

const keyPattern = /^[\x21-\x7e]{1,255}$/;

/** Validates an idempotency key; absent stays absent. */
export function parseIdempotencyKey(options: CreateOptions | undefined): string | undefined {
  const key = options?.idempotencyKey;
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !keyPattern.test(key)) throw invalidInput('idempotencyKey', 'must be 1-255 printable ASCII characters');
  return key;
}

/** How long a key is remembered. A retry later than this runs the create again. */
export const idempotencyRetentionMs = 24 * 60 * 60 * 1000;

/**
 * Runs a create at most once per (tenant, user, key) — the user is `''` for a tenant-level
 * write — inside the caller's transaction: the record is inserted first, so a concurrent retry
 * waits on its unique key and then sees the outcome; a failed create rolls the record back with
 * everything else, so a retry runs again. Another user's records are neither visible nor in
 * the way (row-level security and the key both say so), an expired record counts as absent,
 * and each claim purges up to 100 expired records the session can see.
 */
export async function onceForKey<Result, Outcome>(
  db: Queryable,
  identity: Identity,
  key: string,
  request: unknown,
  now: Date,
  steps: {
    /** The write itself. */
    create: () => Promise<Result>;
    /** What to remember of its result: ids, never content (the record outlives nothing it names). */
    remember: (result: Result) => Outcome;
    /** The result again, read back from what was remembered. */
    reread: (stored: Outcome) => Promise<Result>;
  },
): Promise<Result> {
  const owner = identity.userId ?? '';
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  const expiredBefore = new Date(now.getTime() - idempotencyRetentionMs).toISOString();
  // This key if it has expired, and up to 100 other expired records of this tenant and caller.
  await db.query(
    `DELETE FROM idempotency_records WHERE tenant_id = $1 AND created_at < $2::timestamptz
       AND ((user_id = $3 AND idempotency_key = $4) OR (user_id, idempotency_key) IN (
         SELECT user_id, idempotency_key FROM idempotency_records WHERE tenant_id = $1 AND created_at < $2::timestamptz LIMIT 100))`,
    [identity.tenantId, expiredBefore, owner, key],
  );
  const claimed = await db.query(
    `INSERT INTO idempotency_records (tenant_id, user_id, idempotency_key, request_hash, created_at)
     VALUES ($1, $2, $3, $4, $5::timestamptz) ON CONFLICT (tenant_id, user_id, idempotency_key) DO NOTHING`,
    [identity.tenantId, owner, key, requestHash, now.toISOString()],
  );
  if (claimed.affectedRows === 0) {
    const earlier = await db.query<{ request_hash: string; outcome: Outcome }>(
      'SELECT request_hash, outcome FROM idempotency_records WHERE tenant_id = $1 AND user_id = $2 AND idempotency_key = $3',
      [identity.tenantId, owner, key],
    );
    const record = earlier.rows[0];
    if (record === undefined || record.request_hash !== requestHash) {
      throw new StrataError('conflict', 'idempotencyKey: already used for a different request', { details: { field: 'idempotencyKey' } });
    }
    return steps.reread(record.outcome);
  }
  const results = await steps.create();
  const outcome = steps.remember(results);
  await db.query('UPDATE idempotency_records SET outcome = $4::jsonb WHERE tenant_id = $1 AND user_id = $2 AND idempotency_key = $3', [
    identity.tenantId,
    owner,
    key,
    JSON.stringify(outcome),
  ]);
  return results;
}
