import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { httpOperations as operations } from '../../src/api/registry.ts';
import { createStrataClient, type StrataClient } from '../../src/client/index.ts';
import { type ChatCompletionsServer, startChatCompletionsServer } from '../../src/testing/index.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { schemaCheckingFetch } from '../support/response-check.ts';
import { describeEachStore } from '../support/stores.ts';

// Every operation, called once through a client that checks each success body against the
// operation's response schema: the schemas the OpenAPI document publishes.
describeEachStore('response schemas', (target) => {
  let server: TestServer;
  let operator: StrataClient;
  const seen = new Set<string>();
  let llm: ChatCompletionsServer;
  beforeAll(async () => {
    // Extraction jobs answer NONE; tenants.setProviderKey needs a master key and an LLM base URL.
    llm = await startChatCompletionsServer({ respond: () => ({ json: { decisions: [{ action: 'NONE' }] } }) });
    server = await startTestServer(target, {
      store: {
        vectorIndexThreshold: 3,
        llm: { baseUrl: llm.url, model: 'schema-model' },
        masterKey: randomBytes(32).toString('base64'),
      },
    });
    operator = createStrataClient({ baseUrl: server.url, apiKey: server.adminKey, fetch: schemaCheckingFetch(seen) });
  });
  afterAll(async () => {
    await server.close();
    await llm.close();
  });

  it('answers every operation within its published schema', async () => {
    await operator.tenants.create({ id: 'acme', name: 'Acme' });
    await operator.tenants.list();
    await operator.tenants.get('acme');
    await operator.tenants.update('acme', { settings: { tier: 'gold', extraction: { policy: 'full', model: 'schema-model' } } });
    await operator.tenants.setProviderKey('acme', { apiKey: 'sk-acme-schema-key-0123456789' });
    await operator.tenants.deleteProviderKey('acme');
    const acme = operator.as({ tenantId: 'acme' });
    await acme.users.create({ id: 'john' });
    await acme.users.list();
    await acme.users.get('john');
    await acme.users.update('john', { metadata: { team: 'ops' } });
    const { key } = await operator.keys.create({ tenantId: 'acme', role: 'reader', name: 'dashboards' });
    await operator.keys.list({ tenantId: 'acme' });
    await operator.keys.get(key.id);
    const rotated = await operator.keys.rotate(key.id, { overlapSeconds: 0 });
    await operator.keys.revoke(rotated.key.id);
    const john = acme.as({ tenantId: 'acme', userId: 'john' });
    const { memory } = await john.memories.create({ content: 'Prefers window seats', conversationId: 'c1' });
    await john.memories.createMany([{ content: 'Flies to Lisbon in May' }, { content: 'Vegetarian meals', conversationId: 'c1' }]);
    await john.memories.list({ limit: 2 });
    await john.memories.get(memory.id);
    await john.memories.update(memory.id, { metadata: { topic: 'travel' } });
    await john.memories.history(memory.id);
    await john.search({ query: 'seat', mode: 'hybrid' });
    await john.context({ query: 'book a flight', conversationId: 'c1' });
    const thread = await john.conversations.create({ title: 'Trip' });
    await john.conversations.list();
    await john.conversations.get(thread.id);
    await john.conversations.update(thread.id, { metadata: { channel: 'web' } });
    await john.conversations.addMessages(thread.id, [{ role: 'user', content: 'Book me a window seat' }], { idempotencyKey: 'm1' });
    await john.conversations.messages(thread.id, { last: 5 });
    const jobs = await john.conversations.listJobs({ conversationId: thread.id });
    await john.conversations.getJob(jobs.items[0]?.id ?? '');
    await john.conversations.turn(thread.id, { reply: { content: 'Done: 14A.' }, message: { content: 'And a vegetarian meal' } });
    await john.context({ conversationId: thread.id });
    await john.conversations.delete(thread.id, { keepMemories: true });
    const base = await acme.knowledgeBases.create({ name: 'Docs' });
    await acme.knowledgeBases.list();
    await acme.knowledgeBases.get(base.id);
    await acme.knowledgeBases.update(base.id, { description: 'Product docs' });
    await acme.knowledgeBases.addDocuments(base.id, [
      { id: 'guides/seats.md', content: '# Seats\n\nWindow seats are in rows A and F.', contentType: 'markdown' },
    ]);
    await acme.knowledgeBases.listDocuments(base.id);
    await acme.knowledgeBases.getDocument(base.id, 'guides/seats.md');
    await john.knowledgeBases.search(base.id, { query: 'window seats' });
    await john.knowledgeBases.searchMany({ knowledgeBaseIds: [base.id], query: 'rows', mode: 'keyword' });
    await acme.agents.create({ id: 'travel', name: 'Travel agent', model: 'schema-model', knowledgeBaseIds: [base.id] });
    await acme.agents.list();
    await acme.agents.get('travel');
    await acme.agents.update('travel', { systemPrompt: 'Book flights.' });
    await john.context({ query: 'which rows have window seats', agentId: 'travel' });
    await acme.agents.delete('travel');
    await acme.collections.create({ name: 'trips', indexes: ['city'] });
    await acme.collections.list();
    await acme.collections.get('trips');
    await acme.collections.update('trips', { description: 'Booked trips' });
    await john.collections.insert('trips', { id: 't1', document: { city: 'Lisbon', nights: 3 } });
    await john.collections.insertMany('trips', [{ id: 't2', document: { city: 'Porto' } }]);
    await john.collections.getDocument('trips', 't1');
    await john.collections.replace('trips', 't1', { document: { city: 'Lisbon', nights: 4 }, ifVersion: 1 });
    await john.collections.patch('trips', 't1', { patch: { nights: null } });
    await john.collections.find('trips', { filter: { city: 'Lisbon' }, sort: { field: 'city' }, limit: 1 });
    await john.collections.deleteDocument('trips', 't2');
    await acme.collections.delete('trips');
    await acme.knowledgeBases.deleteDocument(base.id, 'guides/seats.md');
    await acme.knowledgeBases.addDocuments(base.id, [{ id: 'kept', content: 'Kept until the tenant goes.' }]);
    await operator.maintenance.buildIndex('acme');
    await operator.maintenance.indexLargeTenants();
    await operator.maintenance.reembed();
    await john.memories.delete(memory.id);
    await acme.memories.deleteAllForUser('john');
    await acme.users.delete('john');
    await operator.usage.report({ tenantId: 'acme' });
    await operator.stats.get({ tenantId: 'acme' });
    await operator.audit.list({ tenantId: 'acme' });
    await operator.audit.verify({ tenantId: 'acme' });
    const hook = await acme.webhooks.create({ url: 'https://acme.example.test/hook', events: ['*'] });
    await acme.webhooks.list();
    await acme.webhooks.get(hook.id);
    await acme.webhooks.test(hook.id);
    await acme.webhooks.deliveries(hook.id);
    await acme.webhooks.delete(hook.id);
    await operator.tenants.create({ id: 'leaving' });
    await operator.tenants.offboard('leaving');
    await acme.knowledgeBases.delete((await acme.knowledgeBases.create({ name: 'Scratch' })).id);
    await operator.tenants.delete('acme');
    expect([...seen].sort()).toEqual(operations.map((operation) => operation.name).sort());
  });
});
