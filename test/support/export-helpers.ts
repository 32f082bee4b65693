import { expect } from 'vitest';
import type { StrataClient } from '../../src/client/index.ts';
import type { ExportRecord, Memory, SearchMode, Strata } from '../../src/index.ts';

/** What the export tests drive: the embedded store or the client SDK. */
export type ExportHandle = Pick<
  Strata,
  'tenants' | 'users' | 'memories' | 'search' | 'conversations' | 'knowledgeBases' | 'agents' | 'collections'
> & {
  exports: StrataClient['exports'];
  as(context: Parameters<Strata['as']>[0]): ExportHandle;
};

/** A string that appears in the other tenant's content only. */
export const otherTenantMarker = 'ZEBRA-QUOKKA-7731-OTHER-TENANT-ONLY';

const facts = [
  'The customer prefers window seats on long flights',
  'Invoices are sent on the first working day of each month',
  'Support tickets about billing go to the finance team',
  'The staging database is refreshed every Sunday night',
  'Quarterly reviews happen in the Berlin office',
  'The mobile app release train leaves every second Tuesday',
];

/** A long text that the store splits into several chunks. */
function longDocument(): string {
  const topics = ['onboarding', 'security', 'billing', 'escalation', 'retention', 'travel', 'hardware', 'training'];
  return topics
    .map((topic, index) =>
      Array.from(
        { length: 12 },
        (_, sentence) => `The ${topic} policy section ${index} rule ${sentence} says staff review ${topic} cases weekly.`,
      ).join(' '),
    )
    .join('\n\n');
}

/** Seeds a tenant with users, customer and user memories, a chunked document, an expiry and history. */
export async function seedTenant(strata: ExportHandle, tenantId: string, clientId = 'app1'): Promise<{ updatedId: string }> {
  await strata.tenants.create({
    id: tenantId,
    clientId,
    name: `Tenant ${tenantId}`,
    plan: 'pro',
    settings: { tone: 'formal' },
    limits: { memories: 10_000, apiCallsPerDay: 'unlimited' },
  });
  const admin = strata.as({ tenantId });
  await admin.users.create({ id: 'alice', role: 'admin', metadata: { team: 'ops' } });
  await admin.users.create({ id: 'bob', role: 'member' });
  const created = await admin.memories.createMany(
    facts.map((content, index) => ({
      content,
      documentType: index % 2 === 0 ? 'fact' : 'note',
      metadata: { index, tags: ['seed'] },
      ...(index === 3 ? { expiresAt: '2099-01-01T00:00:00.000Z' } : {}),
      ...(index === 4 ? { agentId: 'planner', conversationId: 'c-1' } : {}),
    })),
  );
  await admin.memories.create({ content: longDocument(), documentType: 'document', metadata: { title: 'Handbook' } });
  const alice = strata.as({ tenantId, userId: 'alice' });
  await alice.memories.create({ content: 'Alice likes green tea and quiet meeting rooms' });
  await alice.memories.create({ content: 'Alice is allergic to peanuts', metadata: { health: true } });
  const thread = await alice.conversations.create({ title: 'Lunch' });
  await alice.conversations.addMessages(thread.id, [
    { role: 'user', name: 'Alice', content: 'Book lunch somewhere without peanuts' },
    { role: 'assistant', content: 'The noodle bar on Main Street has a peanut-free menu.' },
  ]);
  await admin.conversations.create({ id: 'desk', title: 'Front desk' });
  const manual = await admin.knowledgeBases.create({ name: 'Manual', metadata: { edition: 2 } });
  await admin.knowledgeBases.addDocuments(manual.id, [
    { id: 'guides/travel.md', title: 'Travel', content: `# Travel\n\n${longDocument()}`, contentType: 'markdown' },
    { id: 'faq', content: 'Expense reports are due within 30 days of travel.' },
  ]);
  await admin.agents.create({ id: 'planner', name: 'Planner', knowledgeBaseIds: [manual.id], settings: { tone: 'brief' } });
  await admin.collections.create({ name: 'orders', description: 'Open orders', indexes: ['status', 'total', 'customer.city'] });
  await admin.collections.insertMany('orders', [
    { id: 'o-1', document: { status: 'open', total: 30, customer: { city: 'Berlin' }, lines: [{ sku: 'a-1', qty: 2 }] } },
    { id: 'o-2', document: { status: 'shipped', total: 12.5, customer: { city: 'Lyon' } } },
    { id: 'o-3', document: { status: 'open', total: 99, note: 'rush, "fragile"' } },
  ]);
  await admin.collections.patch('orders', 'o-1', { patch: { total: 31, lines: null } });
  await admin.collections.create({ name: 'empty.notes' });
  const updatedId = created[0]?.memory.id ?? '';
  await admin.memories.update(updatedId, { content: 'The customer prefers aisle seats on long flights' });
  await admin.memories.update(updatedId, { metadata: { index: 0, tags: ['seed', 'changed'] } });
  return { updatedId };
}

/** Seeds the other tenant with content carrying {@link otherTenantMarker}. */
export async function seedOtherTenant(strata: ExportHandle, tenantId: string): Promise<void> {
  await strata.tenants.create({ id: tenantId, clientId: 'app1' });
  const other = strata.as({ tenantId });
  await other.users.create({ id: 'alice', role: 'member' });
  await other.memories.create({ content: `Secret plan ${otherTenantMarker} about window seats and invoices` });
  await other.as({ tenantId, userId: 'alice' }).memories.create({ content: `Alice ${otherTenantMarker} private note about green tea` });
  const thread = await other.as({ tenantId, userId: 'alice' }).conversations.create();
  await other
    .as({ tenantId, userId: 'alice' })
    .conversations.addMessages(thread.id, [{ role: 'user', content: `${otherTenantMarker} in chat` }]);
}

/** Every record of an export, as JSON lines. */
export async function exportLines(strata: ExportHandle, tenantId: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const record of await strata.exports.export(tenantId)) lines.push(JSON.stringify(record));
  return lines;
}

const queries = ['window seats on flights', 'billing finance team', 'security policy review', 'green tea', 'invoices'];
const modes: SearchMode[] = ['vector', 'keyword', 'hybrid'];

const withoutTenant = ({ tenantId: _tenant, ...rest }: Memory) => rest;

/** What a tenant looks like from outside: lists, searches in every mode, and history. */
export async function observeTenant(strata: ExportHandle, tenantId: string, updatedId: string) {
  const customer = strata.as({ tenantId });
  const alice = strata.as({ tenantId, userId: 'alice' });
  const searches: Record<string, Array<{ memoryId: string; score: number; scope: string }>> = {};
  for (const [who, handle] of [
    ['customer', customer],
    ['alice', alice],
  ] as const) {
    for (const mode of modes) {
      for (const query of queries) {
        const { hits } = await handle.search({ query, mode, limit: 10 });
        searches[`${who}/${mode}/${query}`] = hits.map((hit) => ({ memoryId: hit.memoryId, score: hit.score, scope: hit.scope }));
      }
    }
  }
  const knowledgeBases = (await customer.knowledgeBases.list({ scope: 'customer' })).items.map(({ tenantId: _tenant, ...base }) => base);
  const knowledgeSearches: Record<string, string[]> = {};
  for (const mode of modes) {
    for (const query of queries) {
      const { hits } = await customer.knowledgeBases.searchMany({ knowledgeBaseIds: knowledgeBases.map((base) => base.id), query, mode });
      knowledgeSearches[`${mode}/${query}`] = hits.map((hit) => hit.memoryId);
    }
  }
  return {
    knowledgeBases,
    documents: await Promise.all(knowledgeBases.map(async (base) => (await customer.knowledgeBases.listDocuments(base.id)).items)),
    knowledgeSearches,
    agents: (await customer.agents.list()).items.map(({ tenantId: _tenant, ...agent }) => agent),
    collections: (await customer.collections.list()).items.map(({ tenantId: _tenant, ...collection }) => collection),
    // Through the indexes: a filter and a sort on indexed fields read the recomputed keys.
    openOrders: (await customer.collections.find('orders', { filter: { status: 'open' }, sort: { field: 'total', order: 'desc' } })).items,
    ordersByCity: (await customer.collections.find('orders', { sort: { field: 'customer.city' } })).items.map((item) => item.id),
    customerList: (await customer.memories.list({ limit: 100 })).items.map(withoutTenant),
    aliceList: (await alice.memories.list({ limit: 100 })).items.map(withoutTenant),
    users: (await customer.users.list()).items.map(({ tenantId: _tenant, ...user }) => user),
    conversations: await Promise.all(
      [...(await alice.conversations.list()).items].map(async ({ tenantId: _tenant, ...conversation }) => ({
        ...conversation,
        messages: (await alice.conversations.messages(conversation.id)).items,
      })),
    ),
    history: (await customer.memories.history(updatedId)).map(({ memoryId, version, content, metadata }) => ({
      memoryId,
      version,
      content,
      metadata,
    })),
    searches,
  };
}

/** Two observations agree: same lists, users and history; same hits in the same order with scores within 1e-6. */
export function expectSameTenant(actual: Awaited<ReturnType<typeof observeTenant>>, expected: Awaited<ReturnType<typeof observeTenant>>) {
  expect(actual.knowledgeBases).toEqual(expected.knowledgeBases);
  expect(actual.knowledgeBases.map((base) => base.documentCount)).toEqual([2]);
  expect(actual.documents).toEqual(expected.documents);
  expect(actual.knowledgeSearches).toEqual(expected.knowledgeSearches);
  expect(actual.agents).toEqual(expected.agents);
  expect(actual.agents.map((agent) => agent.knowledgeBaseIds)).toEqual([actual.knowledgeBases.map((base) => base.id)]);
  expect(actual.collections).toEqual(expected.collections);
  expect(actual.collections.map((collection) => [collection.name, collection.documentCount])).toEqual([
    ['empty.notes', 0],
    ['orders', 3],
  ]);
  expect(actual.openOrders).toEqual(expected.openOrders);
  expect(actual.openOrders.map((order) => [order.id, order.version])).toEqual([
    ['o-3', 1],
    ['o-1', 2],
  ]);
  expect(actual.ordersByCity).toEqual(['o-1', 'o-2', 'o-3']);
  expect(actual.customerList).toEqual(expected.customerList);
  expect(actual.aliceList).toEqual(expected.aliceList);
  expect(actual.users).toEqual(expected.users);
  expect(actual.conversations).toEqual(expected.conversations);
  expect(actual.conversations.map((conversation) => conversation.messages.length)).toEqual([0, 2]);
  expect(actual.history).toEqual(expected.history);
  expect(actual.history.length).toBeGreaterThan(0);
  expect(Object.keys(actual.searches)).toEqual(Object.keys(expected.searches));
  for (const [key, hits] of Object.entries(expected.searches)) {
    const got = actual.searches[key] ?? [];
    expect(
      got.map((hit) => [hit.memoryId, hit.scope]),
      key,
    ).toEqual(hits.map((hit) => [hit.memoryId, hit.scope]));
    for (const [index, hit] of got.entries()) {
      expect(Math.abs(hit.score - (hits[index]?.score ?? Number.NaN)), key).toBeLessThan(1e-6);
    }
  }
  expect(Object.values(expected.searches).some((hits) => hits.length > 0)).toBe(true);
}

/** The records of an export that must come back identical from a re-export of the imported tenant. */
export function portableRecords(lines: readonly string[]): unknown[] {
  return (
    lines
      .map((line) => JSON.parse(line) as ExportRecord)
      .filter((record) => !['strata-export', 'tenant', 'audit', 'api_key', 'webhook', 'strata-export-end'].includes(record.type))
      // Each export is itself metered in the tenant's usage rows.
      .filter((record) => !(record.type === 'usage_daily' && record.operation === 'exports.export'))
  );
}
