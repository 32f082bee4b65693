import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

describeEachSurface('tenants', (target) => {
  let strata: ContractStrata;
  beforeAll(async () => {
    strata = await target.open();
  });
  afterAll(() => strata.close());

  it('creates, gets, updates and lists tenants with cursor pagination', async () => {
    const created = await strata.tenants.create({ id: 'acme', clientId: 'app1', name: 'Acme', settings: { tone: 'formal' } });
    expect(created).toMatchObject({ id: 'acme', clientId: 'app1', name: 'Acme', status: 'active', plan: 'custom' });
    for (const id of ['b.1', 'b:2', 'b|3', 'b-4', 'b_5']) await strata.tenants.create({ id, clientId: 'app1' });
    const updated = await strata.tenants.update('acme', { settings: { language: 'de', tone: null }, plan: 'professional' });
    expect(updated.settings).toEqual({ language: 'de' });
    expect(updated.plan).toBe('professional');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await strata.tenants.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.items.map((tenant) => tenant.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['acme', 'b-4', 'b.1', 'b:2', 'b_5', 'b|3']);
    expect((await strata.tenants.get('acme')).name).toBe('Acme');
  });

  it.each([['*'], ['%'], ['a b'], ['a/b'], [''], ['x'.repeat(256)], ['é'], ["o'neil"]])(
    'rejects tenant id %j naming the field',
    async (id) => {
      await expect(strata.tenants.create({ id })).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'id' } });
    },
  );

  it('rejects a duplicate tenant with conflict and changes nothing', async () => {
    await strata.tenants.create({ id: 'dup', name: 'first' });
    await expect(strata.tenants.create({ id: 'dup', name: 'second' })).rejects.toMatchObject({ code: 'conflict' });
    expect((await strata.tenants.get('dup')).name).toBe('first');
  });

  it('deletes a tenant, purging every row it owns and reporting counts per table', async () => {
    await strata.tenants.create({ id: 'gone' });
    await strata.tenants.create({ id: 'stays' });
    const gone = strata.as({ tenantId: 'gone', userId: 'u1' });
    await gone.memories.create({ content: 'a user memory' });
    const shared = await gone.memories.create({ content: 'a customer memory', scope: 'customer' });
    await gone.memories.update(shared.memory.id, { content: 'a customer memory, edited' });
    await strata.as({ tenantId: 'stays' }).memories.create({ content: 'kept' });
    const report = await strata.tenants.delete('gone');
    expect(report.tenantId).toBe('gone');
    expect(report.deleted).toMatchObject({ memories: 2, memory_history: 1, users: 1, tenant_usage: 1, tenants: 1 });
    await expect(strata.tenants.get('gone')).rejects.toMatchObject({ code: 'not_found' });
    await expect(gone.memories.list()).rejects.toMatchObject({ code: 'not_found' });
    expect((await strata.as({ tenantId: 'stays' }).memories.list()).items.map((memory) => memory.content)).toEqual(['kept']);
  });

  it('refuses tenant administration to tenant-level callers', async () => {
    await strata.tenants.create({ id: 'self' });
    await expect(strata.as({ tenantId: 'self', role: 'admin' }).tenants.create({ id: 'other' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(strata.as({ tenantId: 'self', role: 'member' }).tenants.delete('self')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('lets a client admin see and manage only its own client tenants', async () => {
    await strata.tenants.create({ id: 'c1-t', clientId: 'c1' });
    await strata.tenants.create({ id: 'c2-t', clientId: 'c2' });
    const clientAdmin = strata.as({ clientId: 'c1', role: 'client_admin' });
    expect((await clientAdmin.tenants.list()).items.map((tenant) => tenant.id)).toEqual(['c1-t']);
    await expect(clientAdmin.tenants.get('c2-t')).rejects.toMatchObject({ code: 'not_found' });
    await expect(clientAdmin.tenants.create({ id: 'c1-new', clientId: 'c2' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await clientAdmin.tenants.create({ id: 'c1-new' })).clientId).toBe('c1');
  });

  it('locks out a suspended tenant and lets it back in on resume', async () => {
    await strata.tenants.create({ id: 'paused' });
    const paused = strata.as({ tenantId: 'paused' });
    await paused.memories.create({ content: 'before suspension' });
    await strata.tenants.update('paused', { status: 'suspended' });
    await expect(paused.search({ query: 'before' })).rejects.toMatchObject({ code: 'tenant_suspended' });
    await strata.tenants.update('paused', { status: 'active' });
    expect((await paused.memories.list()).items).toHaveLength(1);
  });
});
