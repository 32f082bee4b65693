import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { startWebhookDispatcher, type WebhookDispatcher } from '../../src/features/webhooks/webhook-dispatcher.ts';
import { createStrata, type Strata } from '../../src/index.ts';
import { describeEachStore, openRawDatabase } from '../support/stores.ts';
import { type Receiver, startReceiver } from '../support/webhooks-receiver.ts';

// The governance events, end to end: raised by real operations, delivered to a real receiver.
describeEachStore('governance events', (target) => {
  let database: Database;
  let strata: Strata;
  let dispatcher: WebhookDispatcher;
  let tenantHook: Receiver;
  let platformHook: Receiver;
  beforeAll(async () => {
    database = await openRawDatabase(target);
    // Every call is priced, so the tiny budget is passed at once.
    strata = await createStrata({
      database,
      webhooks: { dispatch: false, allow: ['127.0.0.1/32'] },
      prices: { currency: 'USD', models: {}, apiCallsPer1k: 1 },
    });
    dispatcher = startWebhookDispatcher(database, { pollIntervalMs: 3_600_000, baseBackoffMs: 0, allow: ['127.0.0.1/32'] });
    tenantHook = await startReceiver();
    platformHook = await startReceiver();
    await strata.tenants.create({ id: 'watched', plan: 'professional', limits: { memories: 5, monthlyBudget: 0.000001 } });
    await strata.as({ tenantId: 'watched' }).webhooks.create({ url: tenantHook.url, events: ['*'] });
    await strata.webhooks.create({ url: platformHook.url, events: ['tenant.offboarded', 'tenant.suspended'] });
  });
  afterAll(async () => {
    await dispatcher.stop();
    await Promise.all([tenantHook.close(), platformHook.close(), strata.close()]);
  });

  const received = (receiver: Receiver) =>
    receiver.requests.map((request) => JSON.parse(request.body) as { type: string; data: Record<string, unknown> });

  it('sends limit.approaching at 80%, limit.exceeded on the refusal (each once), user.erased, tenant.suspended and tenant.offboarded', async () => {
    const watched = strata.as({ tenantId: 'watched' });
    for (let index = 0; index < 5; index += 1) await watched.memories.create({ content: `memory ${index}`, scope: 'customer' });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(watched.memories.create({ content: `one too many ${attempt}`, scope: 'customer' })).rejects.toMatchObject({
        code: 'limit_exceeded',
      });
    }
    await watched.users.create({ id: 'gone' });
    await strata.as({ tenantId: 'watched', userId: 'gone' }).memories.list();
    await watched.users.delete('gone');
    await strata.tenants.update('watched', { status: 'suspended' });
    await dispatcher.poll();

    const events = received(tenantHook);
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type === 'limit.approaching')).toHaveLength(1);
    expect(types.filter((type) => type === 'limit.exceeded')).toHaveLength(1);
    expect(types.filter((type) => type === 'budget.exceeded')).toHaveLength(1);
    expect(events.find((event) => event.type === 'limit.approaching')?.data).toMatchObject({ limit: 'memories', current: 4, maximum: 5 });
    expect(events.find((event) => event.type === 'limit.exceeded')?.data).toMatchObject({ limit: 'memories', current: 6, maximum: 5 });
    expect(events.find((event) => event.type === 'user.erased')?.data).toMatchObject({ userId: 'gone', memories: 0 });
    expect(types).toContain('tenant.suspended');
    // Ids and figures only: no memory content in any payload.
    expect(tenantHook.requests.some((request) => request.body.includes('memory 1'))).toBe(false);

    await strata.tenants.update('watched', { status: 'active' });
    await strata.tenants.offboard('watched');
    await dispatcher.poll();
    const platformTypes = received(platformHook).map((event) => event.type);
    expect(platformTypes).toEqual(['tenant.suspended', 'tenant.offboarded']);
    expect(received(platformHook)[1]?.data).toMatchObject({ tenantId: 'watched' });
  });
});
