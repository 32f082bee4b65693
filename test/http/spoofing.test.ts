import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiKey, Memory, Page, SearchHit } from '../../src/index.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { describeEachStore } from '../support/stores.ts';
import { comparableProblem, expectProblem, type HttpRequest, randomMemoryId, send } from './http-helpers.ts';

// A tenant and user come only from the API key. Everything a request can carry that names
// another owner (body and query fields, acting headers) is refused with 403 before anything
// runs, and nothing is written. Both tenants belong to the same client, so only the key keeps
// them apart.

const clientId = 'shared-client';
const tenantA = 'tenant-a';
const tenantB = 'tenant-b';
const users = ['alice', 'bob', 'other'] as const;

type KeyName = 'admin' | 'member' | 'user';

interface SpoofCase {
  name: string;
  key: KeyName;
  request: HttpRequest;
  /** The field or header the refusal must name. */
  field: string;
}

const spoofs: SpoofCase[] = [
  {
    name: 'memories.create with tenantId B in the body',
    key: 'member',
    request: { method: 'POST', path: '/v1/memories', json: { content: 'spoofed into B', scope: 'customer', tenantId: tenantB } },
    field: 'tenantId',
  },
  {
    name: 'memories.create with tenant_id B in the body',
    key: 'admin',
    request: { method: 'POST', path: '/v1/memories', json: { content: 'spoofed into B', tenant_id: tenantB } },
    field: 'tenant_id',
  },
  {
    name: 'memories.createMany with tenantId B in the body',
    key: 'member',
    request: { method: 'POST', path: '/v1/memories/batch', json: { items: [{ content: 'spoofed batch into B' }], tenantId: tenantB } },
    field: 'tenantId',
  },
  {
    name: 'search with tenantId B in the body',
    key: 'member',
    request: { method: 'POST', path: '/v1/search', json: { query: 'plan', tenantId: tenantB } },
    field: 'tenantId',
  },
  {
    name: 'context with tenantId B in the body',
    key: 'user',
    request: { method: 'POST', path: '/v1/context', json: { query: 'plan', tenantId: tenantB } },
    field: 'tenantId',
  },
  { name: 'memories.list with ?tenantId=B', key: 'member', request: { path: `/v1/memories?tenantId=${tenantB}` }, field: 'tenantId' },
  { name: 'keys.list with ?tenantId=B (admin key)', key: 'admin', request: { path: `/v1/keys?tenantId=${tenantB}` }, field: 'tenantId' },
  {
    name: 'keys.create for tenant B (admin key)',
    key: 'admin',
    request: { method: 'POST', path: '/v1/keys', json: { tenantId: tenantB, role: 'admin' } },
    field: 'tenantId',
  },
  {
    name: 'strata-tenant: B with a member key (memories.create)',
    key: 'member',
    request: { method: 'POST', path: '/v1/memories', headers: { 'strata-tenant': tenantB }, json: { content: 'spoofed into B' } },
    field: 'strata-tenant',
  },
  {
    name: 'strata-tenant: B with an admin key (memories.create)',
    key: 'admin',
    request: { method: 'POST', path: '/v1/memories', headers: { 'strata-tenant': tenantB }, json: { content: 'spoofed into B' } },
    field: 'strata-tenant',
  },
  {
    name: 'strata-tenant: B with an admin key (memories.list)',
    key: 'admin',
    request: { path: '/v1/memories', headers: { 'strata-tenant': tenantB } },
    field: 'strata-tenant',
  },
  {
    name: 'strata-tenant: B with a user key (search)',
    key: 'user',
    request: { method: 'POST', path: '/v1/search', headers: { 'strata-tenant': tenantB }, json: { query: 'diary' } },
    field: 'strata-tenant',
  },
  {
    name: 'strata-client: another client with an admin key',
    key: 'admin',
    request: { path: '/v1/memories', headers: { 'strata-client': 'other-client' } },
    field: 'strata-client',
  },
  {
    name: 'strata-user: other with a user-bound key (memories.create)',
    key: 'user',
    request: { method: 'POST', path: '/v1/memories', headers: { 'strata-user': 'other' }, json: { content: 'written as other' } },
    field: 'strata-user',
  },
  {
    name: 'strata-user: bob with a member key (members do not act for users)',
    key: 'member',
    request: { method: 'POST', path: '/v1/memories', headers: { 'strata-user': 'bob' }, json: { content: 'written as bob' } },
    field: 'strata-user',
  },
  {
    name: 'userId other in the body with a user-bound key',
    key: 'user',
    request: { method: 'POST', path: '/v1/memories', json: { content: 'written as other', userId: 'other' } },
    field: 'userId',
  },
  {
    name: 'memories.deleteAllForUser ?userId=bob with a user-bound key',
    key: 'user',
    request: { method: 'DELETE', path: '/v1/memories?userId=bob' },
    field: 'userId',
  },
  {
    name: 'strata-role: admin with a member key (memories.create)',
    key: 'member',
    request: { method: 'POST', path: '/v1/memories', headers: { 'strata-role': 'admin' }, json: { content: 'written as admin' } },
    field: 'strata-role',
  },
  {
    name: 'strata-role: admin with a member key (users.create)',
    key: 'member',
    request: { method: 'POST', path: '/v1/users', headers: { 'strata-role': 'admin' }, json: { id: 'mallory' } },
    field: 'strata-role',
  },
  {
    name: 'strata-role: admin with a user-bound key (keys.create)',
    key: 'user',
    request: { method: 'POST', path: '/v1/keys', headers: { 'strata-role': 'admin' }, json: { role: 'admin' } },
    field: 'strata-role',
  },
  {
    name: 'strata-role: client_admin with an admin key (tenants.create)',
    key: 'admin',
    request: { method: 'POST', path: '/v1/tenants', headers: { 'strata-role': 'client_admin' }, json: { id: 'spoofed-tenant' } },
    field: 'strata-role',
  },
  {
    name: 'strata-role: platform with an admin key (maintenance)',
    key: 'admin',
    request: { method: 'POST', path: '/v1/maintenance/index-large-tenants', headers: { 'strata-role': 'platform' }, json: {} },
    field: 'strata-role',
  },
];

describeEachStore('tenant spoofing over HTTP', (target) => {
  let server: TestServer;
  const secrets = new Map<KeyName, string>();
  let bCustomerMemory: Memory;
  let bAliceMemory: Memory;
  let aBobMemory: Memory;
  /** Keys A's admin must not reach: B's admin key and the operator's own key. */
  const foreignKeys: { name: string; id: string; secret: string }[] = [];

  beforeAll(async () => {
    server = await startTestServer(target);
    const operator = server.client;
    await operator.tenants.create({ id: tenantA, clientId });
    await operator.tenants.create({ id: tenantB, clientId });
    const [admin, member, user] = await Promise.all([
      operator.keys.create({ tenantId: tenantA, role: 'admin' }),
      operator.keys.create({ tenantId: tenantA, role: 'member' }),
      operator.keys.create({ tenantId: tenantA, userId: 'alice' }),
    ]);
    secrets.set('admin', admin.secret);
    secrets.set('member', member.secret);
    secrets.set('user', user.secret);
    const bAdmin = await operator.keys.create({ tenantId: tenantB, role: 'admin' });
    const operatorKey = (await operator.keys.list({ limit: 200 })).items.find((key) => key.name === 'test operator');
    foreignKeys.push({ name: "B's admin key", id: bAdmin.key.id, secret: bAdmin.secret });
    foreignKeys.push({ name: "the operator's key", id: operatorKey?.id ?? '', secret: server.adminKey });
    await operator.as({ tenantId: tenantA }).memories.create({ content: 'A customer plan', scope: 'customer' });
    await operator.as({ tenantId: tenantA, userId: 'alice' }).memories.create({ content: 'A alice diary' });
    aBobMemory = (await operator.as({ tenantId: tenantA, userId: 'bob' }).memories.create({ content: 'A bob diary' })).memory;
    bCustomerMemory = (await operator.as({ tenantId: tenantB }).memories.create({ content: 'B customer plan', scope: 'customer' })).memory;
    // The same user id in tenant B is a different person: A's alice must never reach it.
    bAliceMemory = (await operator.as({ tenantId: tenantB, userId: 'alice' }).memories.create({ content: 'B alice diary' })).memory;
  });

  afterAll(() => server?.close());

  /** Everything a spoofed request could have written, read by the operator: memories, users, keys and tenants. */
  async function snapshot() {
    const operator = server.client;
    const memoryState = (page: Page<Memory>) => page.items.map((memory) => `${memory.id}@${memory.version}@${memory.updatedAt}`).sort();
    const state: Record<string, string[]> = {};
    for (const tenantId of [tenantA, tenantB]) {
      const inTenant = operator.as({ tenantId });
      state[`${tenantId} customer`] = memoryState(await inTenant.memories.list({ scope: 'customer', limit: 200 }));
      for (const userId of users) {
        state[`${tenantId} ${userId}`] = memoryState(await operator.as({ tenantId, userId }).memories.list({ scope: 'user', limit: 200 }));
      }
      state[`${tenantId} users`] = (await inTenant.users.list({ limit: 200 })).items.map((user) => user.id).sort();
      state[`${tenantId} keys`] = (await operator.keys.list({ tenantId, limit: 200 })).items.map((key: ApiKey) => key.id).sort();
    }
    state.shared = memoryState(await operator.as({ clientId }).memories.list({ limit: 200 }));
    state.tenants = (await operator.tenants.list({ limit: 200 })).items.map((tenant) => tenant.id).sort();
    return state;
  }

  const sendAs = (key: KeyName, request: HttpRequest) => send(server.url, { ...request, key: secrets.get(key) });

  it.each(spoofs.map((spoof) => [spoof.name, spoof] as const))('%s → 403 forbidden, nothing written', async (_name, spoof) => {
    const before = await snapshot();
    const response = await sendAs(spoof.key, spoof.request);
    const problem = expectProblem(response, 403, 'forbidden');
    expect(problem.details).toMatchObject({ field: spoof.field });
    expect(problem.detail).toContain(spoof.field);
    expect(await snapshot()).toEqual(before);
  });

  it("does not refuse acting headers and query fields equal to the key's own values", async () => {
    const ownHeaders = await sendAs('member', {
      method: 'POST',
      path: '/v1/memories',
      headers: { 'strata-tenant': tenantA, 'strata-client': clientId, 'strata-role': 'member' },
      json: { content: 'own headers note' },
    });
    expect(ownHeaders.status, ownHeaders.text).toBe(201);
    expect((ownHeaders.body as { memory: Memory }).memory).toMatchObject({ tenantId: tenantA, scope: 'customer' });

    const ownUser = await sendAs('user', {
      method: 'POST',
      path: '/v1/memories',
      headers: { 'strata-user': 'alice', 'strata-tenant': tenantA },
      json: { content: 'own user note' },
    });
    expect(ownUser.status, ownUser.text).toBe(201);
    expect((ownUser.body as { memory: Memory }).memory).toMatchObject({ tenantId: tenantA, scope: 'user', userId: 'alice' });

    const ownKeys = await sendAs('admin', { path: `/v1/keys?tenantId=${tenantA}&limit=200` });
    expect(ownKeys.status, ownKeys.text).toBe(200);
    expect((ownKeys.body as Page<ApiKey>).items.every((key) => key.tenantId === tenantA)).toBe(true);

    const ownKey = await sendAs('admin', { method: 'POST', path: '/v1/keys', json: { tenantId: tenantA, role: 'reader' } });
    expect(ownKey.status, ownKey.text).toBe(201);
    expect((ownKey.body as { key: ApiKey }).key).toMatchObject({ tenantId: tenantA, role: 'reader' });

    const ownSearch = await sendAs('user', {
      method: 'POST',
      path: '/v1/search',
      headers: { 'strata-user': 'alice' },
      json: { query: 'diary' },
    });
    expect(ownSearch.status, ownSearch.text).toBe(200);
    const hitIds = (ownSearch.body as { hits: SearchHit[] }).hits.map((hit) => hit.memoryId);
    expect(hitIds).not.toContain(bAliceMemory.id);
  });

  it('honours a lower role named in strata-role', async () => {
    const asReader = await sendAs('member', {
      method: 'POST',
      path: '/v1/memories',
      headers: { 'strata-role': 'reader' },
      json: { content: 'a reader cannot write this' },
    });
    expectProblem(asReader, 403, 'forbidden');
    const readerList = await sendAs('member', { path: '/v1/memories', headers: { 'strata-role': 'reader' } });
    expect(readerList.status, readerList.text).toBe(200);
  });

  it('treats an own tenantId or userId in a memory body as an unknown field (400), not as spoofing (403)', async () => {
    // The memory schemas have no owner fields: the owner comes from the key. Naming the key's own
    // tenant passes the spoofing check and then fails validation like any unknown field.
    for (const [key, json] of [
      ['member', { content: 'own tenant in body', tenantId: tenantA }],
      ['user', { content: 'own user in body', userId: 'alice' }],
    ] as const) {
      const response = await sendAs(key, { method: 'POST', path: '/v1/memories', json });
      const problem = expectProblem(response, 400, 'invalid_input');
      expect(problem.detail).toContain(Object.keys(json)[1]);
    }
    const ownQuery = await sendAs('member', { path: `/v1/memories?tenantId=${tenantA}` });
    expect(expectProblem(ownQuery, 400, 'invalid_input').detail).toContain('tenantId');
  });

  it("answers A's keys on B's memory ids (and on another user's) with a 404 identical to a random id's, changing nothing", async () => {
    const before = await snapshot();
    const operatorView = async () => [
      await server.client.as({ tenantId: tenantB }).memories.get(bCustomerMemory.id),
      await server.client.as({ tenantId: tenantB, userId: 'alice' }).memories.get(bAliceMemory.id),
      await server.client.as({ tenantId: tenantA, userId: 'bob' }).memories.get(aBobMemory.id),
    ];
    const viewBefore = await operatorView();
    const attempts = (id: string): HttpRequest[] => [
      { path: `/v1/memories/${id}` },
      { path: `/v1/memories/${id}/history` },
      { method: 'PATCH', path: `/v1/memories/${id}`, json: { content: 'hijacked', metadata: { owner: 'A' } } },
      { method: 'DELETE', path: `/v1/memories/${id}` },
    ];
    for (const key of ['admin', 'member', 'user'] as const) {
      // A's bob memory is user-scoped: customer-level keys and another user's key see no such memory.
      for (const memoryId of [bCustomerMemory.id, bAliceMemory.id, aBobMemory.id]) {
        const randomId = randomMemoryId();
        const randomAttempts = attempts(randomId);
        for (const [index, request] of attempts(memoryId).entries()) {
          const response = await sendAs(key, request);
          const label = `${key} key, ${request.method ?? 'GET'} ${request.path}`;
          expect(response.status, label).toBe(404);
          expectProblem(response, 404, 'not_found');
          const randomResponse = await sendAs(key, randomAttempts[index] as HttpRequest);
          expect(comparableProblem(response, memoryId), label).toEqual(comparableProblem(randomResponse, randomId));
        }
      }
    }
    expect(await operatorView()).toEqual(viewBefore);
    expect(await snapshot()).toEqual(before);
  });

  it("answers A's admin key on B's and the operator's key ids with a 404 identical to a random id's; those keys keep working", async () => {
    const before = await snapshot();
    const attempts = (id: string): HttpRequest[] => [
      { path: `/v1/keys/${id}` },
      { method: 'POST', path: `/v1/keys/${id}/rotate`, json: { overlapSeconds: 0 } },
      { method: 'DELETE', path: `/v1/keys/${id}` },
    ];
    for (const foreign of foreignKeys) {
      const randomId = randomMemoryId();
      const randomAttempts = attempts(randomId);
      for (const [index, request] of attempts(foreign.id).entries()) {
        const response = await sendAs('admin', request);
        const label = `${foreign.name}: ${request.method ?? 'GET'} ${request.path}`;
        expect(response.status, `${label}: ${response.text}`).toBe(404);
        expectProblem(response, 404, 'not_found');
        const randomResponse = await sendAs('admin', randomAttempts[index] as HttpRequest);
        expect(comparableProblem(response, foreign.id), label).toEqual(comparableProblem(randomResponse, randomId));
      }
      const stillWorks = await send(server.url, { path: `/v1/keys/${foreign.id}`, key: server.adminKey });
      expect((stillWorks.body as ApiKey).revokedAt, foreign.name).toBeNull();
      expect((stillWorks.body as ApiKey).expiresAt, foreign.name).toBeNull();
      const probe = foreign.name.startsWith('B') ? '/v1/memories' : '/v1/tenants';
      expect((await send(server.url, { path: probe, key: foreign.secret })).status, foreign.name).toBe(200);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("lets a user erase its own memories only: B's user of the same id keeps hers", async () => {
    const erased = await sendAs('user', { method: 'DELETE', path: '/v1/memories?userId=alice' });
    expect(erased.status, erased.text).toBe(200);
    expect(erased.body).toMatchObject({ userId: 'alice' });
    expect((erased.body as { memories: number }).memories).toBeGreaterThan(0);
    const inA = await server.client.as({ tenantId: tenantA, userId: 'alice' }).memories.list({ scope: 'user' });
    expect(inA.items).toEqual([]);
    expect(await server.client.as({ tenantId: tenantB, userId: 'alice' }).memories.get(bAliceMemory.id)).toEqual(bAliceMemory);
    const bob = await server.client.as({ tenantId: tenantA, userId: 'bob' }).memories.list({ scope: 'user' });
    expect(bob.items.map((memory) => memory.content)).toEqual(['A bob diary']);
  });
});
