import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StrataError } from '../../src/index.ts';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

/** Settles every promise and sorts the outcomes: values, and error codes with their details. */
async function outcomes<T>(calls: Array<Promise<T>>) {
  const settled = await Promise.allSettled(calls);
  const ok = settled.filter((result) => result.status === 'fulfilled').length;
  const errors = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as StrataError] : []));
  return { ok, errors };
}

describeEachSurface('limits', (target) => {
  let strata: ContractStrata;
  beforeAll(async () => {
    strata = await target.open();
  });
  afterAll(() => strata.close());

  it('gives plans their presets, lets a tenant override them, and upgrades by changing the plan', async () => {
    const tenant = await strata.tenants.create({ id: 'planned', plan: 'starter', limits: { memories: 7, requestsPerSecond: 'unlimited' } });
    expect(tenant.limits).toMatchObject({ memories: 7, users: 25, requestsPerSecond: null, concurrentRequests: 4 });
    expect(tenant.limitOverrides).toEqual({ memories: 7, requestsPerSecond: 'unlimited' });
    expect(tenant.features).toMatchObject({ webhooks: false, export: true });
    const upgraded = await strata.tenants.update('planned', { plan: 'professional', limits: { memories: null } });
    expect(upgraded.limits).toMatchObject({ memories: 1_000_000, users: 500, requestsPerSecond: null });
    expect(upgraded.features.webhooks).toBe(true);
    const custom = await strata.tenants.create({ id: 'bespoke', plan: 'custom' });
    expect(Object.values(custom.limits).every((value) => value === null)).toBe(true);
  });

  it('refuses a bad limit naming it, and changes nothing', async () => {
    await strata.tenants.create({ id: 'strict', limits: { memories: 3 } });
    await expect(strata.tenants.update('strict', { limits: { memories: -1 } })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'limits.memories' },
    });
    await expect(strata.tenants.update('strict', { limits: { bananas: 1 } as never })).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await strata.tenants.get('strict')).limits.memories).toBe(3);
  });

  it('lets exactly one of 100 parallel creates through at one below the memories quota', async () => {
    await strata.tenants.create({ id: 'quota', limits: { memories: 10 } });
    const quota = strata.as({ tenantId: 'quota' });
    for (let index = 0; index < 9; index += 1) await quota.memories.create({ content: `seed ${index}`, scope: 'customer' });
    const { ok, errors } = await outcomes(
      Array.from({ length: 100 }, (_, index) => quota.memories.create({ content: `racer ${index}`, scope: 'customer' })),
    );
    expect(ok).toBe(1);
    expect(errors).toHaveLength(99);
    for (const error of errors) {
      expect(error).toMatchObject({ code: 'limit_exceeded', details: { limit: 'memories', current: 11, maximum: 10 } });
    }
    const listed = await quota.memories.list({ limit: 100 });
    expect(listed.items).toHaveLength(10);
  });

  it('lets exactly one of 100 parallel creates through at one below the knowledgeBases and agents limits', async () => {
    await strata.tenants.create({ id: 'registry', limits: { knowledgeBases: 3, agents: 3 } });
    const admin = strata.as({ tenantId: 'registry', role: 'admin' });
    for (const name of ['kb-a', 'kb-b']) await admin.knowledgeBases.create({ name });
    for (const name of ['agent-a', 'agent-b']) await admin.agents.create({ name });
    const bases = await outcomes(Array.from({ length: 100 }, (_, index) => admin.knowledgeBases.create({ name: `racer ${index}` })));
    const agents = await outcomes(Array.from({ length: 100 }, (_, index) => admin.agents.create({ name: `racer ${index}` })));
    for (const [limit, { ok, errors }] of [
      ['knowledgeBases', bases],
      ['agents', agents],
    ] as const) {
      expect(ok, limit).toBe(1);
      expect(errors).toHaveLength(99);
      for (const error of errors) expect(error).toMatchObject({ code: 'limit_exceeded', details: { limit, current: 4, maximum: 3 } });
    }
    expect((await admin.knowledgeBases.list({ scope: 'customer' })).items).toHaveLength(3);
    expect((await admin.agents.list()).items).toHaveLength(3);
  });

  it('holds the users and storage quotas exactly, and a refused write leaves nothing behind', async () => {
    await strata.tenants.create({ id: 'small', limits: { users: 2, storageBytes: 100 } });
    const small = strata.as({ tenantId: 'small' });
    const { ok } = await outcomes(['u1', 'u2', 'u3', 'u4', 'u5'].map((id) => small.users.create({ id })));
    expect(ok).toBe(2);
    await expect(small.users.create({ id: 'u6' })).rejects.toMatchObject({
      code: 'limit_exceeded',
      details: { limit: 'users', maximum: 2 },
    });
    expect((await small.users.list()).items).toHaveLength(2);
    await small.memories.create({ content: 'x'.repeat(60), scope: 'customer' });
    await expect(small.memories.create({ content: 'y'.repeat(60), scope: 'customer' })).rejects.toMatchObject({
      code: 'limit_exceeded',
      details: { limit: 'storageBytes', current: 120, maximum: 100 },
    });
    expect((await small.memories.list()).items).toHaveLength(1);
    // Deleting gives the room back.
    const [first] = (await small.memories.list()).items;
    await small.memories.delete(first?.id ?? '');
    await small.memories.create({ content: 'y'.repeat(60), scope: 'customer' });
  });

  it('counts users created implicitly (keys for a user, user-scoped writes) exactly under concurrency, and never drifts', async () => {
    await strata.tenants.create({ id: 'implicit', limits: { users: 3 } });
    const implicit = strata.as({ tenantId: 'implicit' });
    const { ok, errors } = await outcomes(
      Array.from(
        { length: 100 },
        (_, index): Promise<unknown> =>
          index % 2 === 0
            ? implicit.keys.create({ userId: `key-user-${index}`, role: 'member' })
            : strata.as({ tenantId: 'implicit', userId: `writer-${index}` }).memories.create({ content: `note ${index}`, scope: 'user' }),
      ),
    );
    expect(ok).toBe(3);
    for (const error of errors) expect(error).toMatchObject({ code: 'limit_exceeded', details: { limit: 'users', maximum: 3 } });
    const users = (await implicit.users.list({ limit: 200 })).items.map((user) => user.id);
    expect(users).toHaveLength(3);
    // An existing user's further writes and keys are not new users.
    const [existing] = users;
    await strata.as({ tenantId: 'implicit', userId: existing }).memories.create({ content: 'again', scope: 'user' });
    await implicit.keys.create({ userId: existing, role: 'member' });
    expect((await strata.usage.report({ tenantId: 'implicit' })).current.users).toBe(3);
    // Deleting counts down exactly once, even when repeated; the limit then holds at 3 again.
    for (const id of users) await implicit.users.delete(id ?? '');
    await expect(implicit.users.delete(existing ?? '')).rejects.toMatchObject({ code: 'not_found' });
    expect((await strata.usage.report({ tenantId: 'implicit' })).current.users).toBe(0);
    for (const id of ['n1', 'n2', 'n3'])
      await strata.as({ tenantId: 'implicit', userId: id }).memories.create({ content: id, scope: 'user' });
    await expect(implicit.keys.create({ userId: 'n4', role: 'member' })).rejects.toMatchObject({ code: 'limit_exceeded' });
    expect((await strata.usage.report({ tenantId: 'implicit' })).current.users).toBe(3);
  });

  it('counts API calls per day exactly under concurrency and answers rate_limited with the wait', async () => {
    await strata.tenants.create({ id: 'daily', limits: { apiCallsPerDay: 20 } });
    const daily = strata.as({ tenantId: 'daily' });
    const { ok, errors } = await outcomes(Array.from({ length: 40 }, () => daily.search({ query: 'anything' })));
    expect(ok).toBe(20);
    expect(errors).toHaveLength(20);
    for (const error of errors) {
      expect(error.code).toBe('rate_limited');
      expect(error.details).toMatchObject({ limit: 'apiCallsPerDay', maximum: 20 });
      expect(error.details.retryAfterSeconds).toBeGreaterThan(0);
      expect(error.details.retryAfterSeconds).toBeLessThanOrEqual(86_400);
    }
    // Raising the limit lets calls through again at once.
    await strata.tenants.update('daily', { limits: { apiCallsPerDay: 21 } });
    await daily.search({ query: 'one more' });
    await expect(daily.search({ query: 'and another' })).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('refuses embedding past the monthly token budget', async () => {
    await strata.tenants.create({ id: 'tokens', limits: { tokensPerMonth: 50 } });
    const tokens = strata.as({ tenantId: 'tokens' });
    await tokens.memories.create({ content: 'a'.repeat(120), scope: 'customer' });
    await expect(tokens.memories.create({ content: 'b'.repeat(120), scope: 'customer' })).rejects.toMatchObject({
      code: 'limit_exceeded',
      details: { limit: 'tokensPerMonth', maximum: 50 },
    });
    expect((await tokens.memories.list()).items).toHaveLength(1);
  });

  it('rate limits requests per second with a token bucket, per tenant', async () => {
    await strata.tenants.create({ id: 'bursty', limits: { requestsPerSecond: 1, burst: 5 } });
    await strata.tenants.create({ id: 'calm' });
    const bursty = strata.as({ tenantId: 'bursty' });
    await bursty.memories.list(); // The first call reads the tenant's limits.
    const { ok, errors } = await outcomes(Array.from({ length: 12 }, () => bursty.memories.list()));
    expect(ok).toBeLessThanOrEqual(5);
    expect(ok).toBeGreaterThanOrEqual(3);
    for (const error of errors) {
      expect(error).toMatchObject({ code: 'rate_limited', details: { limit: 'requestsPerSecond', maximum: 1 } });
      expect(error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    // Another tenant is not slowed at all.
    const calm = await outcomes(Array.from({ length: 12 }, () => strata.as({ tenantId: 'calm' }).memories.list()));
    expect(calm.ok).toBe(12);
  });

  it('turns keyword and hybrid search off with the hybridSearch feature, naming it', async () => {
    await strata.tenants.create({ id: 'vector-only', plan: 'starter', settings: { features: { hybridSearch: false } } });
    const tenant = strata.as({ tenantId: 'vector-only' });
    await tenant.memories.create({ content: 'vectors only here', scope: 'customer' });
    expect((await tenant.search({ query: 'vectors', mode: 'vector' })).hits).toHaveLength(1);
    for (const mode of ['keyword', 'hybrid'] as const) {
      await expect(tenant.search({ query: 'vectors', mode })).rejects.toMatchObject({
        code: 'forbidden',
        details: { field: 'mode', feature: 'hybridSearch' },
      });
    }
    await expect(tenant.search({ query: 'vectors' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await strata.tenants.get('vector-only')).features.hybridSearch).toBe(false);
  });

  it('refuses every call of a suspended tenant with tenant_suspended, and resumes', async () => {
    await strata.tenants.create({ id: 'paused-co' });
    const admin = strata.as({ tenantId: 'paused-co' });
    const memory = await admin.memories.create({ content: 'kept while paused', scope: 'customer' });
    await admin.users.create({ id: 'pat' });
    await strata.tenants.update('paused-co', { status: 'suspended' });
    const calls: Array<() => Promise<unknown>> = [
      () => admin.memories.list(),
      () => admin.memories.get(memory.memory.id),
      () => admin.memories.create({ content: 'new', scope: 'customer' }),
      () => admin.memories.update(memory.memory.id, { content: 'changed' }),
      () => admin.memories.delete(memory.memory.id),
      () => admin.memories.history(memory.memory.id),
      () => admin.search({ query: 'paused' }),
      () => admin.context({ query: 'paused' }),
      () => admin.users.list(),
      () => admin.users.create({ id: 'newbie' }),
      () => admin.users.delete('pat'),
      () => admin.keys.list(),
    ];
    for (const call of calls) await expect(call()).rejects.toMatchObject({ code: 'tenant_suspended' });
    await strata.tenants.update('paused-co', { status: 'active' });
    expect((await admin.memories.list()).items.map((item) => item.content)).toEqual(['kept while paused']);
  });
});
