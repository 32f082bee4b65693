import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

describeEachSurface('scope chain', (target) => {
  let strata: ContractStrata;
  beforeAll(async () => {
    strata = await target.open();
    await strata.tenants.create({ id: 'acme', clientId: 'app1' });
    await strata.tenants.create({ id: 'acme-corp', clientId: 'app1' });
    await strata.tenants.create({ id: 'globex', clientId: 'app2' });
    await strata.memories.create({ content: 'World fact: the speed of light is constant', scope: 'world' });
    await strata
      .as({ clientId: 'app1', role: 'client_admin' })
      .memories.create({ content: 'App1 product doc: light mode is default', scope: 'client' });
    await strata
      .as({ clientId: 'app2', role: 'client_admin' })
      .memories.create({ content: 'App2 product doc: dark light theme', scope: 'client' });
    await strata.as({ tenantId: 'acme' }).memories.create({ content: 'Acme policy: lights off at 8pm', scope: 'customer' });
    await strata.as({ tenantId: 'acme', userId: 'john_doe' }).memories.create({ content: 'john_doe at acme likes light roast coffee' });
    await strata.as({ tenantId: 'acme', userId: 'john-doe' }).memories.create({ content: 'john-doe at acme likes light jazz' });
    await strata.as({ tenantId: 'acme-corp', userId: 'john_doe' }).memories.create({ content: 'john_doe at acme-corp likes light beer' });
    await strata.as({ tenantId: 'globex', userId: 'john_doe' }).memories.create({ content: 'john_doe at globex likes light novels' });
  });
  afterAll(() => strata.close());

  const visible = async (context: Parameters<ContractStrata['as']>[0], mode: 'keyword' | 'vector' | 'hybrid' = 'keyword') => {
    const { hits } = await strata.as(context).search({ query: 'light', mode, limit: 50 });
    return hits.map((hit) => `${hit.scope}: ${hit.content}`).sort();
  };

  it('merges user, customer, client and world for a user, labelling each hit', async () => {
    for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
      expect(await visible({ tenantId: 'acme', userId: 'john_doe' }, mode)).toEqual([
        'client: App1 product doc: light mode is default',
        'customer: Acme policy: lights off at 8pm',
        'user: john_doe at acme likes light roast coffee',
        'world: World fact: the speed of light is constant',
      ]);
    }
  });

  it('gives a customer-level caller no user-scoped memory at all', async () => {
    expect(await visible({ tenantId: 'acme' })).toEqual([
      'client: App1 product doc: light mode is default',
      'customer: Acme policy: lights off at 8pm',
      'world: World fact: the speed of light is constant',
    ]);
    expect((await strata.as({ tenantId: 'acme' }).memories.list()).items.every((memory) => memory.scope !== 'user')).toBe(true);
  });

  it('treats the same user id in two customers, and look-alike ids, as different people', async () => {
    expect(await visible({ tenantId: 'acme-corp', userId: 'john_doe' })).toEqual([
      'client: App1 product doc: light mode is default',
      'user: john_doe at acme-corp likes light beer',
      'world: World fact: the speed of light is constant',
    ]);
    expect((await visible({ tenantId: 'acme', userId: 'john-doe' })).filter((line) => line.startsWith('user'))).toEqual([
      'user: john-doe at acme likes light jazz',
    ]);
    expect(await visible({ tenantId: 'globex', userId: 'john_doe' })).toEqual([
      'client: App2 product doc: dark light theme',
      'user: john_doe at globex likes light novels',
      'world: World fact: the speed of light is constant',
    ]);
  });

  it('restricts to the scopes asked for', async () => {
    const { hits } = await strata
      .as({ tenantId: 'acme', userId: 'john_doe' })
      .search({ query: 'light', mode: 'keyword', scopes: ['user', 'world'] });
    expect(hits.map((hit) => hit.scope).sort()).toEqual(['user', 'world']);
    const customerOnly = await strata.as({ tenantId: 'acme' }).search({ query: 'light', mode: 'vector', scopes: ['user'] });
    expect(customerOnly.hits).toEqual([]);
  });

  it('enforces who may write each scope', async () => {
    const member = strata.as({ tenantId: 'acme', userId: 'john_doe', role: 'member' });
    await expect(member.memories.create({ content: 'x', scope: 'world' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(member.memories.create({ content: 'x', scope: 'client' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      strata.as({ clientId: 'app1', role: 'client_admin' }).memories.create({ content: 'x', scope: 'world' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(strata.as({ tenantId: 'acme', role: 'reader' }).memories.create({ content: 'x' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(strata.as({ tenantId: 'acme' }).memories.create({ content: 'x', scope: 'user' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'userId' },
    });
    const worldFact = (await strata.memories.list({ scope: 'world' })).items[0];
    if (worldFact === undefined) throw new Error('world fact missing');
    await expect(member.memories.update(worldFact.id, { content: 'defaced' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(member.memories.delete(worldFact.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await strata.memories.get(worldFact.id)).content).toBe('World fact: the speed of light is constant');
  });

  it('refuses a customer write that names no customer in B2B mode', async () => {
    await expect(strata.memories.create({ content: 'orphan' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'tenantId' },
    });
    await expect(strata.as({ clientId: 'app1' }).memories.create({ content: 'orphan', scope: 'customer' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'tenantId' },
    });
    await expect(strata.as({ userId: 'john_doe' }).memories.create({ content: 'orphan' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'tenantId' },
    });
    expect((await strata.memories.list({ scope: 'world' })).items).toHaveLength(1);
  });

  it('makes another tenant or client memory indistinguishable from a missing one', async () => {
    const acmeMemory = (await strata.as({ tenantId: 'acme' }).memories.list({ scope: 'customer' })).items[0];
    const app2Doc = (await strata.as({ clientId: 'app2', role: 'client_admin' }).memories.list({ scope: 'client' })).items[0];
    if (acmeMemory === undefined || app2Doc === undefined) throw new Error('fixtures missing');
    const missing = '01a20560-0000-7000-8000-000000000000';
    const outsider = strata.as({ tenantId: 'acme-corp', userId: 'john_doe' });
    for (const id of [acmeMemory.id, app2Doc.id]) {
      for (const call of [
        () => outsider.memories.get(id),
        () => outsider.memories.update(id, { content: 'hijack' }),
        () => outsider.memories.delete(id),
      ]) {
        const error = await call().catch((caught: unknown) => caught);
        const baseline = await outsider.memories.get(missing).catch((caught: unknown) => caught);
        expect(error).toMatchObject({ code: 'not_found', message: (baseline as Error).message.replace(missing, id) });
      }
    }
    expect((await strata.as({ tenantId: 'acme' }).memories.get(acmeMemory.id)).content).toBe(acmeMemory.content);
    await expect(strata.as({ tenantId: 'acme', clientId: 'app2' }).memories.list()).rejects.toMatchObject({ code: 'not_found' });
    await expect(strata.as({ tenantId: 'nobody' }).memories.list()).rejects.toMatchObject({ code: 'not_found' });
  });

  // Skipped over HTTP on purpose: withTenant carries the caller in AsyncLocalStorage, an in-process mechanism.
  it.skipIf(target.surface === 'http')('carries the caller through async calls with withTenant (embedded only)', async () => {
    const withTenant = strata.withTenant;
    if (withTenant === undefined) throw new Error('embedded stores have withTenant');
    const contents = await withTenant({ tenantId: 'acme', userId: 'john-doe' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { hits } = await strata.search({ query: 'jazz', mode: 'keyword' });
      return hits.map((hit) => hit.content);
    });
    expect(contents).toEqual(['john-doe at acme likes light jazz']);
  });
});

describeEachSurface('single-tenant mode', (target) => {
  it('uses the default tenant for every call without tenant plumbing', async () => {
    const strata = await target.open({ multitenancy: false, defaultTenant: 'solo' });
    try {
      const { memory } = await strata.memories.create({ content: 'no tenant named anywhere' });
      expect(memory).toMatchObject({ tenantId: 'solo', scope: 'customer' });
      expect((await strata.search({ query: 'tenant named', mode: 'keyword' })).hits[0]?.memoryId).toBe(memory.id);
      await expect(strata.as({ tenantId: 'other' }).memories.list()).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field: 'tenantId' },
      });
    } finally {
      await strata.close();
    }
  });
});
