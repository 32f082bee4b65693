import type { Limits } from '../core/plans.ts';

/** Limits on how many of a tenant's registry rows there may be (knowledge bases, agents, collections). */
export type RegistryLimit = 'knowledgeBases' | 'agents' | 'collections';

import type { Queryable } from '../db/database.ts';
import { enqueueEvent } from './events.ts';
import { limitExceeded } from './rate-limiter.ts';

/** When a count crosses this share of its limit, `limit.approaching` is sent (once per limit and period). */
export const approachingShare = 0.8;

/** One count a write changed, and the limit it is held to. */
export interface QuotaCheck {
  limit: 'users' | 'memories' | 'storageBytes' | RegistryLimit;
  before: number;
  after: number;
}

/**
 * Checks counts a write just changed (read back from the row it locked, so exact under
 * concurrency) against the tenant's limits: over a limit throws `limit_exceeded`, rolling the
 * write back; crossing 80% queues one `limit.approaching` event.
 */
export async function enforceQuotas(
  db: Queryable,
  tenantId: string,
  limits: Limits | undefined,
  checks: readonly QuotaCheck[],
  now: Date,
): Promise<void> {
  for (const { limit, before, after } of checks) {
    const maximum = limits?.[limit] ?? null;
    if (maximum === null || after <= before) continue;
    if (after > maximum) throw limitExceeded(tenantId, limit, after, maximum);
    const threshold = maximum * approachingShare;
    if (before < threshold && after >= threshold)
      await notifyOnce(db, tenantId, 'limit.approaching', limit, now, { current: after, maximum });
  }
}

/** Queues `type` for the tenant unless it was already sent for this limit this month. */
export async function notifyOnce(
  db: Queryable,
  tenantId: string,
  type: 'limit.approaching' | 'limit.exceeded' | 'budget.exceeded',
  limit: string,
  now: Date,
  figures: { current: number; maximum: number },
): Promise<void> {
  const period = now.toISOString().slice(0, 7);
  const fresh = await db.query(
    `INSERT INTO tenant_notices (tenant_id, notice, period, created_at) VALUES ($1, $2, $3, $4::timestamptz)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [tenantId, `${type}:${limit}`, period, now.toISOString()],
  );
  if (fresh.rows.length === 0) return;
  await enqueueEvent(db, {
    tenantId,
    type,
    data: { tenantId, limit, current: figures.current, maximum: figures.maximum, period },
    at: now.toISOString(),
    eventId: crypto.randomUUID(),
  });
}
