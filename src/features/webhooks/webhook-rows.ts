import { isoTime } from '../../db/memory-tables.ts';

/** A webhook subscription as callers see it. The signing secret is shown once, at creation. */
export interface Webhook {
  id: string;
  /** The tenant whose events it receives; `null` for a platform-wide webhook (every tenant's). */
  tenantId: string | null;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  createdAt: string;
}

/** A new webhook with its signing secret; keep the secret, it is not shown again. */
export interface CreatedWebhook extends Webhook {
  secret: string;
}

/** One delivery of one event to one webhook: the delivery log. Never the secret or a payload. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  event: string;
  eventId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** When the next attempt is due (for a pending delivery). */
  nextAttemptAt: string;
  /** The HTTP status of the last attempt; `null` if none answered. */
  lastStatus: number | null;
  /** Why the last attempt failed (at most 200 characters of the response or error). */
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** A `webhooks` row, without the secret. */
export interface WebhookRow {
  webhook_id: string;
  tenant_id: string | null;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  created_at: Date | string;
}

/** The select list giving {@link WebhookRow}. */
export const webhookColumns = 'webhook_id, tenant_id, url, events, description, active, created_at';

/** The caller-facing form of a webhook row. */
export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.webhook_id,
    tenantId: row.tenant_id,
    url: row.url,
    events: row.events,
    description: row.description,
    active: row.active,
    createdAt: isoTime(row.created_at),
  };
}

/** A `webhook_deliveries` row, without the payload. */
export interface DeliveryRow {
  delivery_id: string;
  webhook_id: string;
  event: string;
  event_id: string;
  status: WebhookDelivery['status'];
  attempts: number;
  next_attempt_at: Date | string;
  last_status: number | null;
  last_error: string | null;
  created_at: Date | string;
  delivered_at: Date | string | null;
}

/** The select list giving {@link DeliveryRow}. */
export const deliveryColumns =
  'delivery_id, webhook_id, event, event_id, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at';

/** The caller-facing form of a delivery row. */
export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.delivery_id,
    webhookId: row.webhook_id,
    event: row.event,
    eventId: row.event_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: isoTime(row.next_attempt_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: isoTime(row.created_at),
    deliveredAt: row.delivered_at === null ? null : isoTime(row.delivered_at),
  };
}
