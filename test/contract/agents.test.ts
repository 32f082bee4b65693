import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

describeEachSurface('agents', (target) => {
  let strata: ContractStrata;
  let manual: string;
  let globexBase: string;
  beforeAll(async () => {
    strata = await target.open({ models: { allowed: ['small-model', 'large-model'] } });
    await strata.tenants.create({ id: 'ag-acme', clientId: 'ag-app' });
    await strata.tenants.create({ id: 'ag-globex', clientId: 'ag-app' });
    manual = (await strata.as({ clientId: 'ag-app', role: 'client_admin' }).knowledgeBases.create({ name: 'Manual' })).id;
    await strata
      .as({ clientId: 'ag-app', role: 'client_admin' })
      .knowledgeBases.addDocuments(manual, [{ id: 'returns', content: 'Returns are accepted within 30 days with a receipt.' }]);
    globexBase = (await strata.as({ tenantId: 'ag-globex', role: 'admin' }).knowledgeBases.create({ name: 'Secrets' })).id;
  });
  afterAll(() => strata.close());

  const admin = () => strata.as({ tenantId: 'ag-acme', role: 'admin' });
  const ann = () => strata.as({ tenantId: 'ag-acme', userId: 'ann', role: 'member' });

  it('registers, reads, lists, updates and deletes agents; only admins manage them', async () => {
    const support = await admin().agents.create({
      id: 'support',
      name: 'Support bot',
      model: 'small-model',
      systemPrompt: 'You answer questions about returns.',
      knowledgeBaseIds: [manual],
      settings: { temperature: 0.2 },
    });
    expect(support).toMatchObject({
      id: 'support',
      tenantId: 'ag-acme',
      name: 'Support bot',
      description: null,
      model: 'small-model',
      knowledgeBaseIds: [manual],
      settings: { temperature: 0.2 },
      metadata: {},
    });
    expect(await ann().agents.get('support')).toEqual(support);
    await expect(ann().agents.create({ name: 'Mine' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(ann().agents.update('support', { name: 'Mine' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(admin().agents.create({ id: 'support', name: 'Other' })).rejects.toMatchObject({
      code: 'conflict',
      details: { field: 'id' },
    });
    await expect(admin().agents.create({ name: 'Support bot' })).rejects.toMatchObject({ code: 'conflict', details: { field: 'name' } });
    await expect(admin().agents.create({ name: 'X', model: 'gpt-unlisted' })).rejects.toMatchObject({
      code: 'forbidden',
      details: { field: 'model' },
    });
    // Another tenant's knowledge base reads exactly like one that does not exist.
    for (const id of [globexBase, '01890000-0000-7000-8000-000000000000']) {
      await expect(admin().agents.create({ name: 'Spy', knowledgeBaseIds: [id] })).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field: 'knowledgeBaseIds.0' },
        message: expect.stringContaining('is readable here'),
      });
    }
    const sales = await admin().agents.create({ name: 'Sales' });
    expect((await admin().agents.list({ limit: 1 })).items.map((agent) => agent.id)).toEqual([sales.id < 'support' ? sales.id : 'support']);
    const updated = await admin().agents.update('support', { model: null, description: 'Returns desk', metadata: { desk: 2 } });
    expect(updated).toMatchObject({ model: null, description: 'Returns desk', metadata: { desk: 2 }, knowledgeBaseIds: [manual] });
    await expect(strata.as({ tenantId: 'ag-globex', role: 'admin' }).agents.get('support')).rejects.toMatchObject({ code: 'not_found' });
    expect(await admin().agents.delete(sales.id)).toEqual({ id: sales.id, deleted: true });
    await expect(admin().agents.get(sales.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it("searches an agent's knowledge bases with the scope chain in a context fetch and a turn, and its memories carry its id", async () => {
    await admin().agents.create({ id: 'returns-desk', name: 'Returns desk', knowledgeBaseIds: [manual] });
    await ann().memories.create({ content: 'Ann bought a blue kettle in May and kept the receipt.' });
    const plain = await ann().context({ query: 'can I return my kettle with the receipt', mode: 'keyword' });
    expect(plain.memories.map((hit) => hit.scope)).toEqual(['user']);
    const named = await ann().context({ query: 'can I return my kettle with the receipt', mode: 'keyword', knowledgeBaseIds: [manual] });
    expect(named.memories.map((hit) => hit.scope).sort()).toEqual(['client', 'user']);

    const conversation = await ann().conversations.create({ agentId: 'returns-desk' });
    const turn = await ann().conversations.turn(conversation.id, {
      message: { content: 'How long do I have to return the kettle with a receipt?' },
      mode: 'keyword',
    });
    expect(turn.context.memories.map((hit) => hit.source?.kind === 'document' && hit.source.documentId)).toContain('returns');
    const { hits } = await ann().search({ query: 'How long do I have to return the kettle', mode: 'keyword', agentId: 'returns-desk' });
    expect(hits.map((hit) => hit.agentId)).toEqual(['returns-desk']);
    // Detached: the next turn no longer reads the manual.
    await admin().agents.update('returns-desk', { knowledgeBaseIds: [] });
    const later = await ann().conversations.turn(conversation.id, {
      message: { content: 'And without a receipt, within 30 days?' },
      mode: 'keyword',
    });
    expect(later.context.memories.some((hit) => hit.source?.kind === 'document')).toBe(false);
    await expect(ann().context({ query: 'x', knowledgeBaseIds: [globexBase] })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('holds the agents limit', async () => {
    await strata.tenants.update('ag-globex', { limits: { agents: 1 } });
    const globex = strata.as({ tenantId: 'ag-globex', role: 'admin' });
    const first = await globex.agents.create({ name: 'One' });
    await expect(globex.agents.create({ name: 'Two' })).rejects.toMatchObject({ code: 'limit_exceeded' });
    await globex.agents.delete(first.id);
    await globex.agents.create({ name: 'Two' });
  });
});
