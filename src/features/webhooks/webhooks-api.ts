import { randomBytes } from 'node:crypto';
import { invalidInput, notFound, StrataError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import { parseInput } from '../../core/schemas.ts';
import type { Identity } from '../../core/scope.ts';
import type { Page } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { webhookPayload } from '../../kernel/events.ts';
import { noteTargets } from '../../kernel/govern.ts';
import type { WebhookEgress } from './webhook-egress.ts';
import {
  type CreatedWebhook,
  type DeliveryRow,
  deliveryColumns,
  toDelivery,
  toWebhook,
  type Webhook,
  type WebhookDelivery,
  type WebhookRow,
  webhookColumns,
} from './webhook-rows.ts';
import { createWebhookSchema, webhookPageSchema } from './webhook-schemas.ts';

/** Fields for creating a webhook. */
export interface CreateWebhookInput {
  /** Where events are POSTed: an http(s) URL. */
  url: string;
  /** Event types to receive (see `webhookEventTypes`), or `['*']` for all. */
  events: string[];
  description?: string;
  /** The signing secret; generated (`whsec_` + 32 random bytes, base64url) when absent. */
  secret?: string;
}

/** Paging for webhook listings and delivery logs. */
export interface WebhookPageQuery {
  limit?: number;
  cursor?: string;
}

/**
 * Webhook subscriptions. A customer admin manages its tenant's webhooks; the operator, with no
 * tenant, manages platform-wide ones, which receive the events of every tenant.
 */
export interface WebhooksApi {
  /** Subscribes `url` to `events`; the answer carries the signing secret, shown this once. */
  create(input: CreateWebhookInput): Promise<CreatedWebhook>;
  list(query?: WebhookPageQuery): Promise<Page<Webhook>>;
  get(id: string): Promise<Webhook>;
  /** Removes the webhook and its delivery log; pending deliveries are not sent. */
  delete(id: string): Promise<Webhook>;
  /** The delivery log of one webhook, newest first. */
  deliveries(id: string, query?: WebhookPageQuery): Promise<Page<WebhookDelivery>>;
  /** Queues a `webhook.test` event for this webhook only; returns its delivery. */
  test(id: string): Promise<WebhookDelivery>;
}

/** Builds the webhooks API; `egress` decides which URLs a webhook may point at. */
export function createWebhooksApi(engine: Engine, bound: CallerContext | undefined, egress: WebhookEgress): WebhooksApi {
  /** Runs `work` as the caller, who must administer webhooks; `owner` is the tenant or null (platform). */
  const session = <T>(work: (db: Queryable, owner: string | null) => Promise<T>): Promise<T> => {
    const identity = currentIdentity(engine, bound);
    const owner = identity.tenantId ?? null;
    // The role check (permission webhooks.manage) is the pipeline's; here: no user-bound key, no platform hooks but the operator's.
    if (identity.userId !== undefined || (owner === null && identity.role !== 'platform')) {
      throw new StrataError('forbidden', `role ${identity.role} cannot manage webhooks`, { details: { role: identity.role } });
    }
    const { userId: _user, ...caller }: Identity = identity;
    return inSession(engine, caller, (db) => work(db, owner));
  };

  const findWebhook = async (db: Queryable, owner: string | null, id: string, lock = ''): Promise<WebhookRow> => {
    if (!isUuid(id)) throw notFound('webhook', id);
    // Row-level security already hides other tenants' rows; the owner filter also keeps an operator
    // acting inside a tenant from reaching platform webhooks there, and the reverse.
    const result = await db.query<WebhookRow>(
      `SELECT ${webhookColumns} FROM webhooks WHERE webhook_id = $1 AND tenant_id IS NOT DISTINCT FROM $2::text ${lock}`,
      [id, owner],
    );
    const row = result.rows[0];
    if (row === undefined) throw notFound('webhook', id);
    return row;
  };

  return {
    async create(input) {
      const parsed = parseInput(createWebhookSchema, input);
      egress.checkUrl(parsed.url);
      const secret = parsed.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
      const events = [...new Set(parsed.events)];
      return session(async (db, owner) => {
        const result = await db.query<WebhookRow>(
          `INSERT INTO webhooks (webhook_id, tenant_id, url, events, secret, description, created_at)
           VALUES ($1, $2, $3, $4::text[], $5, $6, $7::timestamptz) RETURNING ${webhookColumns}`,
          [engine.generateId(), owner, parsed.url, events, secret, parsed.description ?? null, engine.now().toISOString()],
        );
        const row = result.rows[0];
        if (row === undefined) throw new StrataError('internal', 'the new webhook was not stored');
        noteTargets(engine, [row.webhook_id]);
        return { ...toWebhook(row), secret };
      });
    },

    async list(query = {}) {
      const parsed = parseInput(webhookPageSchema, query);
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : decodeCursor(parsed.cursor);
      if (after !== null && !isUuid(after)) throw invalidInput('cursor', 'is not a cursor returned by this API');
      const rows = await session(async (db, owner) => {
        const result = await db.query<WebhookRow>(
          `SELECT ${webhookColumns} FROM webhooks WHERE tenant_id IS NOT DISTINCT FROM $1::text
             AND ($2::uuid IS NULL OR webhook_id > $2::uuid) ORDER BY webhook_id LIMIT $3`,
          [owner, after, limit + 1],
        );
        return result.rows;
      });
      const items = rows.slice(0, limit).map(toWebhook);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
    },

    async get(id) {
      return toWebhook(await session((db, owner) => findWebhook(db, owner, id)));
    },

    async delete(id) {
      return session(async (db, owner) => {
        const row = await findWebhook(db, owner, id, 'FOR UPDATE');
        await db.query('DELETE FROM webhooks WHERE webhook_id = $1', [row.webhook_id]);
        return toWebhook(row);
      });
    },

    async deliveries(id, query = {}) {
      const parsed = parseInput(webhookPageSchema, query);
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : parseDeliveryCursor(decodeCursor(parsed.cursor));
      const rows = await session(async (db, owner) => {
        await findWebhook(db, owner, id);
        const result = await db.query<DeliveryRow>(
          `SELECT ${deliveryColumns} FROM webhook_deliveries WHERE webhook_id = $1
             AND ($2::timestamptz IS NULL OR (created_at, delivery_id) < ($2::timestamptz, $3::uuid))
           ORDER BY created_at DESC, delivery_id DESC LIMIT $4`,
          [id, after?.at ?? null, after?.id ?? null, limit + 1],
        );
        return result.rows;
      });
      const items = rows.slice(0, limit).map(toDelivery);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(`${last.createdAt}|${last.id}`) : null };
    },

    async test(id) {
      return session(async (db, owner) => {
        const webhook = await findWebhook(db, owner, id);
        const at = engine.now().toISOString();
        const eventId = engine.generateId();
        const payload = webhookPayload({ tenantId: owner, type: 'webhook.test', eventId, at, data: { webhookId: webhook.webhook_id } });
        const result = await db.query<DeliveryRow>(
          `INSERT INTO webhook_deliveries (delivery_id, webhook_id, tenant_id, event, event_id, payload, status, next_attempt_at, created_at)
           VALUES ($1, $2, $3, 'webhook.test', $4, $5::jsonb, 'pending', $6::timestamptz, $6::timestamptz) RETURNING ${deliveryColumns}`,
          [engine.generateId(), webhook.webhook_id, owner, eventId, JSON.stringify(payload), at],
        );
        const row = result.rows[0];
        if (row === undefined) throw new StrataError('internal', 'the test delivery was not stored');
        noteTargets(engine, [row.delivery_id]);
        return toDelivery(row);
      });
    },
  };
}

function parseDeliveryCursor(position: string): { at: string; id: string } {
  const [at, id] = position.split('|');
  if (at === undefined || id === undefined || !isUuid(id) || Number.isNaN(Date.parse(at))) {
    throw invalidInput('cursor', 'is not a cursor returned by this API');
  }
  return { at, id };
}
