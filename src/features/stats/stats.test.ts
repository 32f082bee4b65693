import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/http-server.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { type Strata, StrataError } from '../../index.ts';

const paragraph = (topic: string) => `${topic} `.repeat(400);

describeEachStore('tenant statistics', (target) => {
  let strata: Strata;

  beforeAll(async () => {
    strata = await target.open();
    await strata.tenants.create({ id: 'stats-a' });
    await strata.tenants.create({ id: 'stats-b' });
    const admin = strata.as({ tenantId: 'stats-a' });
    await admin.memories.create({ content: 'Shared fact one', documentType: 'fact' });
    await admin.memories.create({ content: 'Shared fact two', documentType: 'fact' });
    // Long enough to be split: one document row plus its chunks.
    await admin.memories.create({
      content: `${paragraph('alpha')}\n\n${paragraph('beta')}\n\n${paragraph('gamma')}`,
      documentType: 'document',
    });
    await strata.as({ tenantId: 'stats-a', userId: 'john' }).memories.create({ content: 'John prefers aisle seats' });
    await strata.as({ tenantId: 'stats-a', userId: 'john' }).memories.create({ content: 'Expired already', ttlSeconds: 1 });
    await strata.as({ tenantId: 'stats-b' }).memories.create({ content: 'Only in b', documentType: 'fact' });
  });
  afterAll(async () => strata.close());

  it("counts a tenant's items, documents and chunks by document type and scope, and none of another tenant's", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the ttlSeconds: 1 memory expires
    const stats = await strata.as({ tenantId: 'stats-a', role: 'admin' }).stats.get();
    const byType = Object.fromEntries(stats.byDocumentType.map((entry) => [entry.documentType, entry]));
    expect(byType.fact).toMatchObject({ items: 2, documents: 0, chunks: 0 });
    expect(byType.document?.documents).toBe(1);
    expect(byType.document?.chunks).toBeGreaterThan(1);
    expect(byType.memory?.items).toBe(1);
    expect(stats).toMatchObject({ tenantId: 'stats-a', items: 4, documents: 1, users: 1, byScope: { customer: 3, user: 1 } });
    expect(stats.chunks).toBe(byType.document?.chunks);
    expect(stats.storageBytes).toBeGreaterThan(3 * 400 * 5);
    const other = await strata.as({ tenantId: 'stats-b', role: 'admin' }).stats.get();
    expect(other).toMatchObject({ items: 1, documents: 0, chunks: 0, users: 0, byScope: { customer: 1, user: 0 } });
  });

  it('is for administrators: a member is refused, and a tenant admin cannot name another tenant', async () => {
    const member = strata.as({ tenantId: 'stats-a', userId: 'john', role: 'member' });
    await expect(member.stats.get()).rejects.toMatchObject({ code: 'forbidden' });
    const error = await strata
      .as({ tenantId: 'stats-a', role: 'admin' })
      .stats.get({ tenantId: 'stats-b' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StrataError);
    expect(error).toMatchObject({ code: 'forbidden', details: { field: 'tenantId' } });
    // The operator names the tenant; without one it is told which field is missing.
    expect((await strata.as({ role: 'platform' }).stats.get({ tenantId: 'stats-b' })).items).toBe(1);
    await expect(strata.as({ role: 'platform' }).stats.get()).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'tenantId' },
    });
    await expect(strata.as({ role: 'platform' }).stats.get({ tenantId: 'stats-b', colour: 1 } as never)).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'colour' },
    });
  });
});

describeEachStore('tenant statistics over HTTP', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target, { inject: true });
    await server.strata.tenants.create({ id: 'stats-http' });
    await server.strata.as({ tenantId: 'stats-http' }).memories.create({ content: 'A fact', documentType: 'fact' });
  });
  afterAll(async () => server.close());

  it('is GET /v1/stats in the client SDK, the same as the library', async () => {
    const viaClient = await server.client.as({ tenantId: 'stats-http' }).stats.get();
    expect(viaClient).toEqual(await server.strata.as({ tenantId: 'stats-http', role: 'admin' }).stats.get());
    expect(viaClient.byDocumentType).toEqual([{ documentType: 'fact', items: 1, documents: 0, chunks: 0, bytes: 6 }]);
  });
});
