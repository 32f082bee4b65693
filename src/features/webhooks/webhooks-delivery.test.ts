import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeEachStore, openRawDatabase } from '../../../test/support/stores.ts';
import { type Receiver, startReceiver } from '../../../test/support/webhooks-receiver.ts';
import type { Database } from '../../db/database.ts';
import { createStrata, type Strata } from '../../index.ts';
import { enqueueEvent, type WebhookEvent, type WebhookEventType } from '../../kernel/events.ts';
import { startWebhookDispatcher, type WebhookDispatcher, webhookDispatchEnabled } from './webhook-dispatcher.ts';
import { verifyWebhookSignature, webhookSignature } from './webhook-signature.ts';

/** The receivers in these tests listen on loopback, which a deployment must allow explicitly. */
const loopback = { allow: ['127.0.0.1/32'] };

const event = (tenantId: string | null, type: WebhookEventType = 'limit.exceeded'): WebhookEvent => ({
  tenantId,
  type,
  eventId: randomUUID(),
  at: new Date().toISOString(),
  data: { limit: 'memories', current: 1000, maximum: 1000 },
});

describe('webhook signatures', () => {
  const secret = 'whsec_test-secret-0123456789';
  const body = '{"id":"1","type":"webhook.test"}';
  const now = new Date('2026-01-01T00:00:00Z');
  const timestamp = String(now.getTime() / 1000);
  const header = `v1=${webhookSignature(secret, timestamp, body)}`;

  it('verifies with the secret and fails with a wrong secret, body, old timestamp or malformed header', () => {
    expect(verifyWebhookSignature(secret, timestamp, body, header, 300, now)).toBe(true);
    expect(verifyWebhookSignature('whsec_other-secret-0123456', timestamp, body, header, 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, `${body} `, header, 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, body, header, 300, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, body, 'v1=zz', 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, body, header, 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, body, `v1=${'0'.repeat(64)} ${header}`, 300, now)).toBe(true);
  });
});

describe('webhook dispatch setting', () => {
  it('is on by default, off by option or STRATA_WEBHOOKS_DISPATCH=off, and names a bad value', () => {
    expect(webhookDispatchEnabled(undefined, {})).toBe(true);
    expect(webhookDispatchEnabled({ dispatch: false }, {})).toBe(false);
    expect(webhookDispatchEnabled({}, { STRATA_WEBHOOKS_DISPATCH: 'off' })).toBe(false);
    expect(webhookDispatchEnabled({}, { STRATA_WEBHOOKS_DISPATCH: 'on' })).toBe(true);
    expect(() => webhookDispatchEnabled({}, { STRATA_WEBHOOKS_DISPATCH: 'sometimes' })).toThrow(/STRATA_WEBHOOKS_DISPATCH/);
  });
});

describeEachStore('webhook delivery', (target) => {
  let database: Database;
  let strata: Strata;
  let dispatcher: WebhookDispatcher;
  const receivers: Receiver[] = [];
  const receiver = async (answer?: (count: number) => number | 'hang') => {
    const started = await startReceiver(answer);
    receivers.push(started);
    return started;
  };
  /** Polls until nothing is due (backoff 0 makes every retry due at once). */
  const drain = async () => {
    while ((await dispatcher.poll()) > 0) {
      // keep going
    }
  };
  const inTenant = <T>(tenantId: string, work: (db: Parameters<Parameters<Database['withSession']>[1]>[0]) => Promise<T>) =>
    database.withSession({ role: 'admin', clientId: 'default', tenantId }, work);

  beforeAll(async () => {
    database = await openRawDatabase(target);
    strata = await createStrata({ database, webhooks: { dispatch: false, ...loopback } });
    dispatcher = startWebhookDispatcher(database, { pollIntervalMs: 3_600_000, baseBackoffMs: 0, maxAttempts: 4, ...loopback });
    const operator = strata.as({ role: 'platform' });
    for (const id of ['a', 'b', 'c', 'd']) await operator.tenants.create({ id });
  });
  afterAll(async () => {
    await dispatcher.stop();
    await strata.close();
    for (const started of receivers) await started.close();
  });

  it('signs each delivery so the receiver verifies it with the secret, and sends no content', async () => {
    const hook = await receiver();
    const created = await strata.as({ tenantId: 'a' }).webhooks.create({ url: hook.url, events: ['limit.exceeded'] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const sent = event('a');
    expect(await inTenant('a', (db) => enqueueEvent(db, sent))).toBe(1);
    await drain();
    expect(hook.requests).toHaveLength(1);
    const request = hook.requests[0];
    if (request === undefined) throw new Error('no request');
    const timestamp = String(request.headers['strata-webhook-timestamp']);
    const signature = String(request.headers['strata-webhook-signature']);
    expect(request.headers['strata-webhook-id']).toBe(sent.eventId);
    expect(verifyWebhookSignature(created.secret, timestamp, request.body, signature)).toBe(true);
    expect(verifyWebhookSignature('whsec_wrong-secret-00000000', timestamp, request.body, signature)).toBe(false);
    expect(verifyWebhookSignature(created.secret, String(Number(timestamp) - 600), request.body, signature)).toBe(false);
    expect(JSON.parse(request.body)).toEqual({
      id: sent.eventId,
      type: 'limit.exceeded',
      createdAt: sent.at,
      tenantId: 'a',
      data: { limit: 'memories', current: 1000, maximum: 1000 },
    });
    const log = await strata.as({ tenantId: 'a' }).webhooks.deliveries(created.id);
    expect(log.items).toMatchObject([{ status: 'delivered', attempts: 1, lastStatus: 200, lastError: null, eventId: sent.eventId }]);
    expect(JSON.stringify(log)).not.toContain(created.secret);
  });

  it('retries a failing receiver and records each attempt: 500, 500, then 200 is delivered after 3 attempts', async () => {
    const hook = await receiver((count) => (count <= 2 ? 500 : 200));
    const created = await strata.as({ tenantId: 'b' }).webhooks.create({ url: hook.url, events: ['*'] });
    await inTenant('b', (db) => enqueueEvent(db, event('b', 'budget.exceeded')));
    expect(await dispatcher.poll()).toBe(1);
    const afterFirst = await strata.as({ tenantId: 'b' }).webhooks.deliveries(created.id);
    expect(afterFirst.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 });
    // A fixed reason: the receiver's own words never reach the delivery log.
    expect(afterFirst.items[0]?.lastError).toBe('answered 5xx');
    expect(JSON.stringify(afterFirst)).not.toContain('receiver says no');
    await drain();
    expect(hook.requests).toHaveLength(3);
    const log = await strata.as({ tenantId: 'b' }).webhooks.deliveries(created.id);
    expect(log.items).toMatchObject([{ status: 'delivered', attempts: 3, lastStatus: 200 }]);
    expect(log.items[0]?.deliveredAt).not.toBeNull();
    // Every attempt carries the same event id, so a receiver can deduplicate.
    expect(new Set(hook.requests.map((request) => request.headers['strata-webhook-id'])).size).toBe(1);
  });

  it('marks a delivery failed after max attempts when the receiver always answers 500', async () => {
    const hook = await receiver(() => 500);
    const created = await strata.as({ tenantId: 'c' }).webhooks.create({ url: hook.url, events: ['user.erased'] });
    await inTenant('c', (db) => enqueueEvent(db, event('c', 'user.erased')));
    await drain();
    expect(hook.requests).toHaveLength(4);
    const log = await strata.as({ tenantId: 'c' }).webhooks.deliveries(created.id);
    expect(log.items).toMatchObject([{ status: 'failed', attempts: 4, lastStatus: 500 }]);
  });

  it("never sends A's events to B's webhook; a platform-wide webhook gets every tenant's events", async () => {
    const forA = await receiver();
    const forB = await receiver();
    const platform = await receiver();
    await strata.as({ tenantId: 'a' }).webhooks.create({ url: forA.url, events: ['tenant.suspended'] });
    await strata.as({ tenantId: 'b' }).webhooks.create({ url: forB.url, events: ['*'] });
    const operatorHook = await strata.as({ role: 'platform' }).webhooks.create({ url: platform.url, events: ['tenant.suspended'] });
    expect(operatorHook.tenantId).toBeNull();
    // Raised inside A's own session, where the platform webhook is invisible: it is still reached.
    expect(await inTenant('a', (db) => enqueueEvent(db, event('a', 'tenant.suspended')))).toBe(2);
    expect(await inTenant('c', (db) => enqueueEvent(db, event('c', 'tenant.suspended')))).toBe(1);
    await drain();
    expect(forA.requests.map((request) => JSON.parse(request.body).tenantId)).toEqual(['a']);
    expect(forB.requests).toHaveLength(0);
    expect(platform.requests.map((request) => JSON.parse(request.body).tenantId).sort()).toEqual(['a', 'c']);
    // A tenant sees neither the platform webhook nor its deliveries.
    expect((await strata.as({ tenantId: 'a' }).webhooks.list()).items.map((hook) => hook.url)).not.toContain(platform.url);
    const platformLog = await strata.as({ role: 'platform' }).webhooks.deliveries(operatorHook.id);
    expect(platformLog.items.map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']);
    await expect(strata.as({ tenantId: 'a' }).webhooks.deliveries(operatorHook.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a tenant session cannot raise events about another tenant', async () => {
    await expect(inTenant('a', (db) => enqueueEvent(db, event('b')))).rejects.toThrow(/may not raise webhook events for tenant b/);
    await expect(inTenant('a', (db) => enqueueEvent(db, event(null)))).rejects.toThrow(/may not raise webhook events/);
  });

  it('sends nothing for an event enqueued in a transaction that rolls back', async () => {
    const hook = await receiver();
    const created = await strata.as({ tenantId: 'a' }).webhooks.create({ url: hook.url, events: ['limit.approaching'] });
    await expect(
      inTenant('a', async (db) => {
        expect(await enqueueEvent(db, event('a', 'limit.approaching'))).toBe(1);
        throw new Error('the operation failed');
      }),
    ).rejects.toThrow('the operation failed');
    await drain();
    expect(hook.requests).toHaveLength(0);
    expect((await strata.as({ tenantId: 'a' }).webhooks.deliveries(created.id)).items).toEqual([]);
  });

  it('test() queues a webhook.test delivery for that webhook only', async () => {
    const hook = await receiver();
    const other = await receiver();
    const created = await strata.as({ tenantId: 'a' }).webhooks.create({ url: hook.url, events: ['*'] });
    await strata.as({ tenantId: 'a' }).webhooks.create({ url: other.url, events: ['*'] });
    const delivery = await strata.as({ tenantId: 'a' }).webhooks.test(created.id);
    expect(delivery).toMatchObject({ webhookId: created.id, event: 'webhook.test', status: 'pending', attempts: 0 });
    await drain();
    expect(hook.requests.map((request) => JSON.parse(request.body).type)).toEqual(['webhook.test']);
    expect(other.requests).toHaveLength(0);
  });

  it('a receiver that does not answer in time fails the attempt as a timeout', async () => {
    const hook = await receiver(() => 'hang');
    const created = await strata.as({ tenantId: 'd' }).webhooks.create({ url: hook.url, events: ['limit.approaching'] });
    const impatient = startWebhookDispatcher(database, { pollIntervalMs: 3_600_000, timeoutMs: 200, ...loopback });
    try {
      await inTenant('d', (db) => enqueueEvent(db, event('d', 'limit.approaching')));
      expect(await impatient.poll()).toBe(1);
    } finally {
      await impatient.stop();
    }
    const log = await strata.as({ tenantId: 'd' }).webhooks.deliveries(created.id);
    expect(log.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null, lastError: 'timed out' });
    await strata.as({ tenantId: 'd' }).webhooks.delete(created.id);
  });

  it('stop() abandons an attempt in flight without counting it, and the delivery is sent again', async () => {
    let hang = true;
    const hook = await receiver(() => (hang ? 'hang' : 200));
    const created = await strata.as({ tenantId: 'c' }).webhooks.create({ url: hook.url, events: ['budget.exceeded'] });
    await inTenant('c', (db) => enqueueEvent(db, event('c', 'budget.exceeded')));
    const stopping = startWebhookDispatcher(database, { pollIntervalMs: 3_600_000, ...loopback });
    const polled = stopping.poll();
    await vi.waitFor(() => expect(hook.requests).toHaveLength(1), { timeout: 10_000, interval: 10 });
    await stopping.stop();
    await polled;
    const log = await strata.as({ tenantId: 'c' }).webhooks.deliveries(created.id);
    expect(log.items[0]).toMatchObject({ status: 'pending', attempts: 0 });
    hang = false;
    await drain();
    expect(hook.requests).toHaveLength(2);
    expect((await strata.as({ tenantId: 'c' }).webhooks.deliveries(created.id)).items[0]).toMatchObject({
      status: 'delivered',
      attempts: 1,
    });
  });

  it('two dispatchers polling at once never send one delivery twice', async () => {
    const hook = await receiver();
    const created = await strata.as({ tenantId: 'd' }).webhooks.create({ url: hook.url, events: ['user.erased'] });
    for (let index = 0; index < 12; index += 1) await inTenant('d', (db) => enqueueEvent(db, event('d', 'user.erased')));
    const second = startWebhookDispatcher(database, { pollIntervalMs: 3_600_000, batchSize: 5, ...loopback });
    try {
      const first = startWebhookDispatcher(database, { pollIntervalMs: 3_600_000, batchSize: 5, ...loopback });
      try {
        await Promise.all([first.poll(), second.poll(), first.poll(), second.poll()]);
        await Promise.all([first.poll(), second.poll()]);
        await Promise.all([first.poll(), second.poll()]);
      } finally {
        await first.stop();
      }
    } finally {
      await second.stop();
    }
    const ids = hook.requests.map((request) => JSON.parse(request.body).id as string);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    const log = await strata.as({ tenantId: 'd' }).webhooks.deliveries(created.id, { limit: 50 });
    expect(log.items.every((delivery) => delivery.status === 'delivered' && delivery.attempts === 1)).toBe(true);
  });

  it('a receiver that is down fails the attempt as could not connect, with no network error text', async () => {
    const hook = await receiver();
    await hook.close();
    const created = await strata.as({ tenantId: 'c' }).webhooks.create({ url: hook.url, events: ['limit.approaching'] });
    await inTenant('c', (db) => enqueueEvent(db, event('c', 'limit.approaching')));
    await dispatcher.poll();
    const log = await strata.as({ tenantId: 'c' }).webhooks.deliveries(created.id);
    expect(log.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null });
    expect(log.items[0]?.lastError).toBe('could not connect');
    await strata.as({ tenantId: 'c' }).webhooks.delete(created.id);
  });
});

describeEachStore('webhook dispatcher started by createStrata', (target) => {
  it('delivers without being polled by hand, and stops on close', async () => {
    const hook = await startReceiver();
    const strata = await target.open({ webhooks: { pollIntervalMs: 20, ...loopback } });
    try {
      await strata.as({ role: 'platform' }).tenants.create({ id: 'a' });
      const created = await strata.as({ tenantId: 'a' }).webhooks.create({ url: hook.url, events: ['*'] });
      await strata.as({ tenantId: 'a' }).webhooks.test(created.id);
      await vi.waitFor(() => expect(hook.requests).toHaveLength(1), { timeout: 10_000, interval: 20 });
    } finally {
      await strata.close();
      await hook.close();
    }
  });
});
