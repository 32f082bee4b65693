import type { Json } from '../core/types.ts';
import type { Queryable } from '../db/database.ts';

/**
 * Every event a webhook can subscribe to. `webhook.test` is sent only by `webhooks.test(id)`,
 * to that one webhook. Subscribing to `*` means every event.
 */
export const webhookEventTypes = [
  'limit.approaching',
  'limit.exceeded',
  'budget.exceeded',
  'tenant.suspended',
  'tenant.offboarded',
  'user.erased',
  'webhook.test',
] as const;

/** One of {@link webhookEventTypes}. */
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** An event to deliver. `data` holds ids, limit names and figures only: never content or secrets. */
export interface WebhookEvent {
  /** The tenant the event is about; `null` for a platform event. */
  tenantId: string | null;
  type: WebhookEventType;
  data: Record<string, Json>;
  /** When it happened, ISO 8601. */
  at: string;
  /** A UUID, the same in every delivery of this event (receivers deduplicate on it). */
  eventId: string;
}

/** The JSON body every receiver gets. */
export interface WebhookPayload {
  [key: string]: Json;
  id: string;
  type: WebhookEventType;
  createdAt: string;
  tenantId: string | null;
  data: { [key: string]: Json };
}

/** The body a delivery of `event` carries. */
export function webhookPayload(event: WebhookEvent): WebhookPayload {
  return { id: event.eventId, type: event.type, createdAt: event.at, tenantId: event.tenantId, data: event.data };
}

/**
 * Queues `event` for every active webhook subscribed to it (or to `*`): the tenant's own and
 * the platform-wide ones. Call it inside the transaction that makes the event true: if that
 * transaction rolls back, nothing is sent. Returns how many deliveries were queued.
 *
 * Platform-wide webhooks are invisible to a tenant's session, so the fan-out runs in
 * `strata_enqueue_webhook_event` (migration 004), which checks the session may raise events
 * about `event.tenantId` and never hands webhook rows back.
 *
 * @example
 * await enqueueEvent(db, { tenantId: 'acme', type: 'limit.exceeded', eventId, at,
 *   data: { limit: 'memories', current: 1000, maximum: 1000 } });
 */
export async function enqueueEvent(db: Queryable, event: WebhookEvent): Promise<number> {
  const result = await db.query<{ queued: number }>(
    'SELECT strata_enqueue_webhook_event($1::text, $2::text, $3::uuid, $4::jsonb, $5::timestamptz) AS queued',
    [event.tenantId, event.type, event.eventId, JSON.stringify(webhookPayload(event)), event.at],
  );
  return Number(result.rows[0]?.queued ?? 0);
}
