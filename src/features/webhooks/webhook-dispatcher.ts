import { StrataError } from '../../core/errors.ts';
import type { Database, Queryable } from '../../db/database.ts';
import { createWebhookEgress, type WebhookEgressOptions } from './webhook-egress.ts';
import { signatureHeader } from './webhook-signature.ts';
import { type DeliveryFailureReason, postWebhook } from './webhook-transport.ts';

/**
 * How the dispatcher polls, sends and retries, and where it may send (`allow`, `resolve`: see
 * {@link WebhookEgressOptions}). Every field has a default.
 */
export interface WebhookDispatcherOptions extends WebhookEgressOptions {
  /** Milliseconds between polls for due deliveries. Default 1,000. */
  pollIntervalMs?: number;
  /** Time limit of one attempt (connect, send, read the answer), in milliseconds. Default 10,000. */
  timeoutMs?: number;
  /** Delay after the first failed attempt; it doubles after each further one. Default 1,000. */
  baseBackoffMs?: number;
  /** The longest delay between attempts. Default 3,600,000 (one hour). */
  maxBackoffMs?: number;
  /** Attempts before a delivery is marked `failed`. Default 8. */
  maxAttempts?: number;
  /** Deliveries sent per poll, concurrently. Default 10. */
  batchSize?: number;
  /** Clock. Default the system clock. */
  now?: () => Date;
}

/** A running dispatcher. */
export interface WebhookDispatcher {
  /** Runs one poll now (tests, and a nudge after enqueueing); resolves with the deliveries attempted. */
  poll(): Promise<number>;
  /** Stops polling, abandons attempts in flight (they are retried after their lease) and waits for the poll to end. */
  stop(): Promise<void>;
}

interface ClaimedDelivery {
  delivery_id: string;
  event_id: string;
  event: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
}

interface AttemptOutcome {
  ok: boolean;
  /** Cut short by `stop()`: not counted as an attempt. */
  abandoned?: boolean;
  status: number | null;
  error: DeliveryFailureReason | null;
}

/**
 * Starts delivering pending webhook deliveries. Each poll claims due deliveries as role
 * `system` with `FOR UPDATE SKIP LOCKED` and leases them (moves their due time past the attempt
 * timeout) in a short transaction, so two processes never send one delivery at once and no
 * connection is held while a receiver answers. Each attempt goes through the egress policy
 * (`postWebhook`): restricted addresses are refused, redirects are not followed and the
 * receiver's body is never read. A 2xx answer marks it delivered; anything else schedules a retry after `baseBackoffMs * 2^(attempt-1)` (capped), until `maxAttempts`.
 */
export function startWebhookDispatcher(database: Database, options: WebhookDispatcherOptions = {}): WebhookDispatcher {
  const settings = {
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    timeoutMs: options.timeoutMs ?? 10_000,
    baseBackoffMs: options.baseBackoffMs ?? 1_000,
    maxBackoffMs: options.maxBackoffMs ?? 3_600_000,
    maxAttempts: options.maxAttempts ?? 8,
    batchSize: options.batchSize ?? 10,
    now: options.now ?? (() => new Date()),
  };
  const egress = createWebhookEgress(options);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const attempt = async (delivery: ClaimedDelivery): Promise<AttemptOutcome> => {
    const body = JSON.stringify(delivery.payload);
    const timestamp = String(Math.floor(settings.now().getTime() / 1000));
    const outcome = await postWebhook(egress, {
      url: delivery.url,
      timeoutMs: settings.timeoutMs,
      signal: abort.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'strata-webhooks/1',
        'strata-webhook-id': delivery.event_id,
        'strata-webhook-event': delivery.event,
        'strata-webhook-timestamp': timestamp,
        'strata-webhook-signature': signatureHeader(delivery.secret, timestamp, body),
      },
      body,
    });
    if (outcome.ok) return { ok: true, status: outcome.status, error: null };
    if ('abandoned' in outcome) return { ok: false, abandoned: true, status: null, error: null };
    return { ok: false, status: outcome.status, error: outcome.reason };
  };

  const record = (db: Queryable, delivery: ClaimedDelivery, outcome: AttemptOutcome) => {
    const attempts = delivery.attempts + 1;
    const now = settings.now();
    const status = outcome.ok ? 'delivered' : attempts >= settings.maxAttempts ? 'failed' : 'pending';
    const delay = Math.min(settings.baseBackoffMs * 2 ** (attempts - 1), settings.maxBackoffMs);
    // `attempts` still at the claimed value: nobody else re-claimed it after an expired lease.
    return db.query(
      `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5,
         next_attempt_at = $6::timestamptz, delivered_at = $7::timestamptz
       WHERE delivery_id = $1 AND attempts = $8 AND status = 'pending'`,
      [
        delivery.delivery_id,
        status,
        attempts,
        outcome.status,
        outcome.error,
        new Date(now.getTime() + (status === 'pending' ? delay : 0)).toISOString(),
        outcome.ok ? now.toISOString() : null,
        delivery.attempts,
      ],
    );
  };

  const pollOnce = async (): Promise<number> => {
    const now = settings.now();
    const lease = new Date(now.getTime() + settings.timeoutMs + 30_000).toISOString();
    const claimed = await database.withSession({ role: 'system' }, async (db) => {
      const due = await db.query<ClaimedDelivery>(
        `SELECT d.delivery_id, d.event_id, d.event, d.payload, d.attempts, w.url, w.secret
           FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= $1::timestamptz
          ORDER BY d.next_attempt_at LIMIT $2
          FOR UPDATE OF d SKIP LOCKED`,
        [now.toISOString(), settings.batchSize],
      );
      if (due.rows.length > 0) {
        await db.query('UPDATE webhook_deliveries SET next_attempt_at = $2::timestamptz WHERE delivery_id = ANY ($1::uuid[])', [
          due.rows.map((row) => row.delivery_id),
          lease,
        ]);
      }
      return due.rows;
    });
    const outcomes = await Promise.all(claimed.map(async (delivery) => ({ delivery, outcome: await attempt(delivery) })));
    if (outcomes.length === 0) return 0;
    const abandoned = outcomes.filter(({ outcome }) => outcome.abandoned === true).map(({ delivery }) => delivery.delivery_id);
    await database.withSession({ role: 'system' }, async (db) => {
      for (const { delivery, outcome } of outcomes) if (outcome.abandoned !== true) await record(db, delivery, outcome);
      // Give up the lease on attempts `stop()` cut short, so another process sends them now.
      if (abandoned.length > 0) {
        await db.query(
          `UPDATE webhook_deliveries SET next_attempt_at = $2::timestamptz WHERE delivery_id = ANY ($1::uuid[]) AND status = 'pending'`,
          [abandoned, settings.now().toISOString()],
        );
      }
    });
    return outcomes.length;
  };

  const poll = (): Promise<number> => {
    if (abort.signal.aborted) return Promise.resolve(0);
    // One poll at a time per process; a nudge during a poll joins it.
    running ??= pollOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = () => {
    if (abort.signal.aborted) return;
    timer = setTimeout(() => {
      poll()
        .catch((error: unknown) => {
          if (!abort.signal.aborted) process.emitWarning(`strata: webhook delivery poll failed: ${describe(error)}`);
        })
        .finally(schedule);
    }, settings.pollIntervalMs);
    timer.unref();
  };
  schedule();

  return {
    poll,
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * Whether this process runs the dispatcher: unless `options.dispatch` is false or
 * `STRATA_WEBHOOKS_DISPATCH` is `off` (or `false`), e.g. on all but one of several replicas
 * (running it on several is safe too: deliveries are claimed, never sent twice at once).
 */
export function webhookDispatchEnabled(options: { dispatch?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): boolean {
  if (options.dispatch !== undefined) return options.dispatch;
  const setting = env.STRATA_WEBHOOKS_DISPATCH?.trim().toLowerCase();
  if (setting === undefined || setting === '' || setting === 'on' || setting === 'true') return true;
  if (setting === 'off' || setting === 'false') return false;
  throw new StrataError('misconfigured', 'STRATA_WEBHOOKS_DISPATCH: must be on or off', {
    details: { variable: 'STRATA_WEBHOOKS_DISPATCH' },
  });
}
