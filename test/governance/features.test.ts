import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

// Plan feature flags, each on and off, through the library and over HTTP.
describeEachSurface('plan features', (target) => {
  let strata: ContractStrata;
  beforeAll(async () => {
    strata = await target.open({ webhooks: { dispatch: false } });
  });
  afterAll(() => strata.close());

  const refusedFor = (feature: string) => ({ code: 'forbidden', details: { feature } });

  it('webhooks: a starter tenant cannot create or test webhooks; turning the feature on lets it; a downgrade keeps reads and deletes', async () => {
    await strata.tenants.create({ id: 'starter-hooks', plan: 'starter' });
    const tenant = strata.as({ tenantId: 'starter-hooks' });
    await expect(tenant.webhooks.create({ url: 'https://hooks.example.test/in', events: ['*'] })).rejects.toMatchObject(
      refusedFor('webhooks'),
    );
    expect((await tenant.webhooks.list()).items).toEqual([]);
    await strata.tenants.update('starter-hooks', { settings: { features: { webhooks: true } } });
    const hook = await tenant.webhooks.create({ url: 'https://hooks.example.test/in', events: ['*'] });
    await tenant.webhooks.test(hook.id);
    await strata.tenants.update('starter-hooks', { settings: { features: { webhooks: false } } });
    await expect(tenant.webhooks.test(hook.id)).rejects.toMatchObject(refusedFor('webhooks'));
    expect((await tenant.webhooks.get(hook.id)).id).toBe(hook.id);
    expect((await tenant.webhooks.deliveries(hook.id)).items).toHaveLength(1);
    await tenant.webhooks.delete(hook.id);
  });

  it('export: a tenant whose plan or settings turn export off cannot be exported; on, it can', async () => {
    await strata.tenants.create({ id: 'no-export', plan: 'professional', settings: { features: { export: false } } });
    await expect(strata.exports.export('no-export')).rejects.toMatchObject(refusedFor('export'));
    await strata.tenants.update('no-export', { settings: { features: { export: true } } });
    const records: unknown[] = [];
    for await (const record of await strata.exports.export('no-export')) records.push(record);
    expect(records.length).toBeGreaterThan(2);
  });

  it('hybridSearch: keyword and hybrid modes need it, vector search does not', async () => {
    await strata.tenants.create({ id: 'vector-only', plan: 'professional', settings: { features: { hybridSearch: false } } });
    const tenant = strata.as({ tenantId: 'vector-only' });
    await tenant.memories.create({ content: 'flags are declared once', scope: 'customer' });
    await expect(tenant.search({ query: 'flags', mode: 'hybrid' })).rejects.toMatchObject(refusedFor('hybridSearch'));
    await expect(tenant.search({ query: 'flags', mode: 'keyword' })).rejects.toMatchObject(refusedFor('hybridSearch'));
    expect((await tenant.search({ query: 'flags', mode: 'vector' })).hits).toHaveLength(1);
    await strata.tenants.update('vector-only', { settings: { features: { hybridSearch: true } } });
    expect((await tenant.search({ query: 'flags', mode: 'hybrid' })).hits).toHaveLength(1);
  });
});
