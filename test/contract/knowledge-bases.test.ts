import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

const pricing = `# Pricing

Strata costs nothing on the embedded store.

## Enterprise

The enterprise plan adds single sign-on and a dedicated support engineer who answers within four hours.`;

describeEachSurface('knowledge bases', (target) => {
  let strata: ContractStrata;
  beforeAll(async () => {
    strata = await target.open();
    await strata.tenants.create({ id: 'kb-acme', clientId: 'kb-app1' });
    await strata.tenants.create({ id: 'kb-initech', clientId: 'kb-app1' });
    await strata.tenants.create({ id: 'kb-globex', clientId: 'kb-app2' });
  });
  afterAll(() => strata.close());

  const acmeAdmin = () => strata.as({ tenantId: 'kb-acme', role: 'admin' });
  const acmeMember = () => strata.as({ tenantId: 'kb-acme', userId: 'ann', role: 'member' });
  const acmeReader = () => strata.as({ tenantId: 'kb-acme', role: 'reader' });
  const initech = () => strata.as({ tenantId: 'kb-initech', role: 'admin' });
  const globex = () => strata.as({ tenantId: 'kb-globex', role: 'admin' });
  const app1 = () => strata.as({ clientId: 'kb-app1', role: 'client_admin' });
  const operator = () => strata.as({ role: 'platform' });

  it("creates, reads, lists, updates and deletes a tenant's own knowledge base; other tenants see nothing", async () => {
    const handbook = await acmeAdmin().knowledgeBases.create({ name: 'Handbook', description: 'How we work', metadata: { team: 'hr' } });
    expect(handbook).toMatchObject({
      name: 'Handbook',
      description: 'How we work',
      scope: 'customer',
      tenantId: 'kb-acme',
      clientId: 'kb-app1',
      metadata: { team: 'hr' },
      documentCount: 0,
      chunkCount: 0,
      bytes: 0,
      writable: true,
    });
    expect(await acmeReader().knowledgeBases.get(handbook.id)).toEqual({ ...handbook, writable: false });
    await expect(acmeAdmin().knowledgeBases.create({ name: 'Handbook' })).rejects.toMatchObject({
      code: 'conflict',
      details: { field: 'name' },
    });
    // Another tenant's same name is its own.
    const other = await initech().knowledgeBases.create({ name: 'Handbook' });
    for (const stranger of [initech(), globex()]) {
      await expect(stranger.knowledgeBases.get(handbook.id)).rejects.toMatchObject({ code: 'not_found' });
      await expect(stranger.knowledgeBases.addDocuments(handbook.id, [{ content: 'x' }])).rejects.toMatchObject({ code: 'not_found' });
      await expect(stranger.knowledgeBases.search(handbook.id, { query: 'work' })).rejects.toMatchObject({ code: 'not_found' });
      expect((await stranger.knowledgeBases.list({ scope: 'customer' })).items.map((base) => base.id)).not.toContain(handbook.id);
    }
    const renamed = await acmeAdmin().knowledgeBases.update(handbook.id, { name: 'Staff handbook', description: null });
    expect(renamed).toMatchObject({ name: 'Staff handbook', description: null, metadata: { team: 'hr' } });
    await expect(acmeMember().knowledgeBases.update(handbook.id, { name: 'Mine' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(acmeMember().knowledgeBases.create({ name: 'Mine' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await acmeAdmin().knowledgeBases.list({ scope: 'customer' })).items.map((base) => base.id)).toEqual([handbook.id]);
    expect(await acmeAdmin().knowledgeBases.delete(handbook.id)).toEqual({ id: handbook.id, deleted: true, documents: 0, chunks: 0 });
    await expect(acmeAdmin().knowledgeBases.get(handbook.id)).rejects.toMatchObject({ code: 'not_found' });
    await initech().knowledgeBases.delete(other.id);
  });

  it('adds documents chunked and traced to them, replaces a document id atomically, lists, gets and deletes them', async () => {
    const docs = await acmeAdmin().knowledgeBases.create({ name: 'Product docs' });
    const added = await acmeMember().knowledgeBases.addDocuments(docs.id, [
      {
        id: 'guides/pricing.md',
        title: 'Pricing',
        content: `${pricing}\n\n${'Filler paragraph about plans. '.repeat(80)}`,
        contentType: 'markdown',
        metadata: { lang: 'en' },
      },
      { id: 'faq', content: 'Refunds are issued within 14 days of a cancellation request.', metadata: { lang: 'de' } },
    ]);
    expect(added.knowledgeBaseId).toBe(docs.id);
    expect(added.documents.map((document) => [document.id, document.replaced])).toEqual([
      ['guides/pricing.md', false],
      ['faq', false],
    ]);
    const pricingChunks = added.documents[0]?.chunkCount ?? 0;
    expect(pricingChunks).toBeGreaterThan(1);
    expect(await acmeAdmin().knowledgeBases.get(docs.id)).toMatchObject({ documentCount: 2, chunkCount: pricingChunks + 1 });

    const { hits } = await acmeReader().knowledgeBases.search(docs.id, { query: 'dedicated support engineer', mode: 'keyword' });
    expect(hits[0]?.content).toContain('dedicated support engineer');
    expect(hits[0]?.content).toContain('## Enterprise');
    expect(hits[0]?.source).toEqual({
      kind: 'document',
      knowledgeBaseId: docs.id,
      documentId: 'guides/pricing.md',
      title: 'Pricing',
      contentType: 'markdown',
    });
    expect(hits[0]?.chunk?.documentId).toBe(added.documents[0]?.memoryId);
    for (const mode of ['vector', 'hybrid'] as const) {
      const found = await acmeReader().knowledgeBases.search(docs.id, { query: 'refunds after cancellation', mode, limit: 3 });
      expect(found.hits.map((hit) => hit.source?.kind === 'document' && hit.source.documentId)).toContain('faq');
    }
    const german = await acmeReader().knowledgeBases.search(docs.id, {
      query: 'refunds plans support',
      mode: 'keyword',
      filter: { lang: 'de' },
    });
    expect(german.hits.map((hit) => hit.memoryId)).toEqual([added.documents[1]?.memoryId]);

    // Knowledge-base documents are not memories: memory listing and search leave them out.
    expect((await acmeAdmin().memories.list()).items).toEqual([]);
    expect((await acmeAdmin().search({ query: 'refunds cancellation', mode: 'keyword' })).hits).toEqual([]);
    await expect(acmeAdmin().memories.get(added.documents[1]?.memoryId ?? '')).rejects.toMatchObject({ code: 'not_found' });

    const replaced = await acmeMember()
      .knowledgeBases.addDocuments(docs.id, [
        { id: 'faq', content: 'Refunds now take 30 days.' },
        { id: 'faq', content: 'twice' },
      ])
      .catch((error: unknown) => error);
    expect(replaced).toMatchObject({ code: 'invalid_input', details: { field: 'documents.1.id' } });
    const again = await acmeMember().knowledgeBases.addDocuments(docs.id, [{ id: 'faq', content: 'Refunds now take 30 days.' }]);
    expect(again.documents[0]).toMatchObject({ id: 'faq', replaced: true, chunkCount: 1 });
    const faq = await acmeReader().knowledgeBases.getDocument(docs.id, 'faq');
    expect(faq).toMatchObject({
      id: 'faq',
      content: 'Refunds now take 30 days.',
      contentType: 'text',
      title: null,
      metadata: {},
      chunkCount: 1,
    });
    const stale = await acmeReader().knowledgeBases.search(docs.id, { query: 'issued within 14 days', mode: 'keyword' });
    expect(stale.hits.map((hit) => hit.content)).not.toContain('Refunds are issued within 14 days of a cancellation request.');

    const page = await acmeReader().knowledgeBases.listDocuments(docs.id, { limit: 1 });
    expect(page.items.map((document) => document.id)).toEqual(['faq']);
    expect(page.items[0]?.content).toBeUndefined();
    const rest = await acmeReader().knowledgeBases.listDocuments(docs.id, { cursor: page.nextCursor ?? '' });
    expect(rest).toMatchObject({ items: [{ id: 'guides/pricing.md', title: 'Pricing', contentType: 'markdown' }], nextCursor: null });

    await expect(acmeReader().knowledgeBases.addDocuments(docs.id, [{ content: 'x' }])).rejects.toMatchObject({ code: 'forbidden' });
    await expect(acmeMember().knowledgeBases.getDocument(docs.id, 'missing')).rejects.toMatchObject({ code: 'not_found' });
    expect(await acmeMember().knowledgeBases.deleteDocument(docs.id, 'guides/pricing.md')).toEqual({
      id: 'guides/pricing.md',
      knowledgeBaseId: docs.id,
      deleted: true,
      chunks: pricingChunks,
    });
    await expect(acmeMember().knowledgeBases.deleteDocument(docs.id, 'guides/pricing.md')).rejects.toMatchObject({ code: 'not_found' });
    expect(await acmeAdmin().knowledgeBases.get(docs.id)).toMatchObject({ documentCount: 1, chunkCount: 1 });
    expect(await acmeAdmin().knowledgeBases.delete(docs.id)).toEqual({ id: docs.id, deleted: true, documents: 1, chunks: 1 });
  });

  it("shares a client's knowledge base with its tenants (read-only) and hides it from another client's", async () => {
    const manual = await app1().knowledgeBases.create({ name: 'App manual' });
    expect(manual).toMatchObject({ scope: 'client', clientId: 'kb-app1', tenantId: null, writable: true });
    await app1().knowledgeBases.addDocuments(manual.id, [{ id: 'sso', content: 'Single sign-on is configured under Settings, Security.' }]);
    const world = await operator().knowledgeBases.create({ name: 'Glossary', scope: 'world' });
    await operator().knowledgeBases.addDocuments(world.id, [{ id: 'rls', content: 'Row-level security filters rows per tenant.' }]);

    expect(await acmeAdmin().knowledgeBases.get(manual.id)).toMatchObject({ writable: false, documentCount: 1 });
    const listed = await initech().knowledgeBases.list();
    expect(listed.items.map((base) => base.id)).toEqual(expect.arrayContaining([manual.id, world.id]));
    const both = await acmeMember().knowledgeBases.searchMany({
      knowledgeBaseIds: [manual.id, world.id],
      query: 'security',
      mode: 'keyword',
    });
    expect(both.hits.map((hit) => hit.scope).sort()).toEqual(['client', 'world']);
    for (const tenant of [acmeAdmin(), acmeMember()]) {
      await expect(tenant.knowledgeBases.addDocuments(manual.id, [{ content: 'defaced' }])).rejects.toMatchObject({ code: 'forbidden' });
      await expect(tenant.knowledgeBases.deleteDocument(manual.id, 'sso')).rejects.toMatchObject({ code: 'forbidden' });
      await expect(tenant.knowledgeBases.addDocuments(world.id, [{ content: 'defaced' }])).rejects.toMatchObject({ code: 'forbidden' });
    }
    await expect(acmeAdmin().knowledgeBases.delete(manual.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(acmeAdmin().knowledgeBases.update(world.id, { name: 'Mine' })).rejects.toMatchObject({ code: 'forbidden' });
    // Another client's tenants and admin: not found, the same answer as for an id that never existed.
    const missing = '01890000-0000-7000-8000-000000000000';
    for (const stranger of [globex(), strata.as({ clientId: 'kb-app2', role: 'client_admin' })]) {
      for (const id of [manual.id, missing]) {
        await expect(stranger.knowledgeBases.get(id)).rejects.toMatchObject({
          code: 'not_found',
          message: expect.not.stringContaining('read-only'),
        });
        await expect(stranger.knowledgeBases.searchMany({ knowledgeBaseIds: [id], query: 'sso' })).rejects.toMatchObject({
          code: 'not_found',
        });
      }
      expect((await stranger.knowledgeBases.list()).items.map((base) => base.id)).not.toContain(manual.id);
    }
    expect(await app1().knowledgeBases.delete(manual.id)).toMatchObject({ documents: 1 });
    await operator().knowledgeBases.delete(world.id);
  });

  it('refuses bad input, naming the field, and holds the knowledgeBases limit', async () => {
    await expect(acmeAdmin().knowledgeBases.get('not-a-uuid')).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'id' } });
    const base = await acmeAdmin().knowledgeBases.create({ name: 'Limits' });
    await expect(acmeAdmin().knowledgeBases.addDocuments(base.id, [])).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(acmeAdmin().knowledgeBases.addDocuments(base.id, [{ id: 'has space', content: 'x' }])).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'documents.0.id' },
    });
    await expect(acmeAdmin().knowledgeBases.getDocument(base.id, 'bad id')).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'documentId' },
    });
    await expect(acmeAdmin().knowledgeBases.create({ name: 'x', scope: 'user' as never })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(acmeAdmin().knowledgeBases.create({ name: 'x', scope: 'client' })).rejects.toMatchObject({ code: 'forbidden' });
    await strata.tenants.update('kb-initech', { limits: { knowledgeBases: 1 } });
    const first = await initech().knowledgeBases.create({ name: 'One' });
    await expect(initech().knowledgeBases.create({ name: 'Two' })).rejects.toMatchObject({ code: 'limit_exceeded' });
    await initech().knowledgeBases.delete(first.id);
    const two = await initech().knowledgeBases.create({ name: 'Two' });
    // Documents count towards the storage quota; freed bytes come back when they go.
    await strata.tenants.update('kb-initech', { limits: { storageBytes: 100 } });
    await initech().knowledgeBases.addDocuments(two.id, [{ id: 'a', content: 'x'.repeat(60) }]);
    await expect(initech().knowledgeBases.addDocuments(two.id, [{ id: 'b', content: 'y'.repeat(60) }])).rejects.toMatchObject({
      code: 'limit_exceeded',
    });
    await initech().knowledgeBases.addDocuments(two.id, [{ id: 'a', content: 'z'.repeat(90) }]);
    expect(await initech().knowledgeBases.get(two.id)).toMatchObject({ documentCount: 1, bytes: 90 });
    await acmeAdmin().knowledgeBases.delete(base.id);
  });
});
