import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiKey, Memory, Page, ProviderKeyStatus, SearchHit, StrataErrorCode, Tenant, User } from '../../src/index.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { describeEachStore } from '../support/stores.ts';
import { comparableProblem, expectProblem, type HttpRequest, type HttpResponse, randomMemoryId, send } from './http-helpers.ts';

// Who may do what over HTTP: every kind of API key (and the acting headers that narrow it)
// against the operations that matter for isolation. The expectations follow the library's
// rules (src/features/*/*-api.ts, src/core/scope.ts, narrow() in src/server/auth.ts):
// - tenants and maintenance belong to the operator (and tenants also to client admins); any
//   caller inside a tenant is refused, even the operator acting in one (it acts as that
//   tenant's admin) — but a tenant's admin sets and deletes its own provider key;
// - users and keys are managed by admins; members, readers and user keys are refused;
// - readers never write; a user-scoped write needs a user; a tenant-scoped call without a
//   tenant (operator or client admin key with no `strata-tenant`) is `invalid_input`;
// - another client's tenant, and another tenant's memory, are `not_found`.

/** The client application of tenant `acme`; tenant `globex` belongs to `c2`. */
const ownClient = 'c1';
const ownTenant = 'acme';
const otherTenant = 'globex';
const otherClient = 'c2';

type KeyName = 'platform' | 'client' | 'customerAdmin' | 'member' | 'reader' | 'user';

/** A kind of caller: which key it presents and which acting headers it adds. */
interface CallerKind {
  name: string;
  key: KeyName;
  headers: Record<string, string>;
  /** The tenant the caller acts in, if any. */
  tenant?: string;
  /** The user the caller acts as, if any. */
  user?: string;
}

/** The columns of the matrix, in this order. */
const kinds: CallerKind[] = [
  { name: 'platform key', key: 'platform', headers: {} },
  { name: 'client admin key', key: 'client', headers: {} },
  { name: 'customer admin key', key: 'customerAdmin', headers: {}, tenant: ownTenant },
  { name: 'customer member key', key: 'member', headers: {}, tenant: ownTenant },
  { name: 'customer reader key', key: 'reader', headers: {}, tenant: ownTenant },
  { name: 'user-bound member key', key: 'user', headers: {}, tenant: ownTenant, user: 'alice' },
  {
    // Acting as a user is acting as that user (role member); the last column keeps the admin role.
    name: 'customer admin key acting as a user',
    key: 'customerAdmin',
    headers: { 'strata-user': 'alice' },
    tenant: ownTenant,
    user: 'alice',
  },
  { name: 'platform key acting in a tenant', key: 'platform', headers: { 'strata-tenant': ownTenant }, tenant: ownTenant },
  { name: 'client admin key acting in its own tenant', key: 'client', headers: { 'strata-tenant': ownTenant }, tenant: ownTenant },
  {
    name: "client admin key acting in another client's tenant",
    key: 'client',
    headers: { 'strata-tenant': otherTenant },
    tenant: otherTenant,
  },
  {
    name: 'customer admin key acting for a user as admin',
    key: 'customerAdmin',
    headers: { 'strata-user': 'alice', 'strata-role': 'admin' },
    tenant: ownTenant,
    user: 'alice',
  },
];

type Expected = 200 | 201 | { status: 400 | 403 | 404; code: StrataErrorCode };
const F: Expected = { status: 403, code: 'forbidden' };
const N: Expected = { status: 404, code: 'not_found' };
const I: Expected = { status: 400, code: 'invalid_input' };

/** What a row's request and checks can use. */
interface RowContext {
  kind: CallerKind;
  /** Unique per row: names the tenant, user or content the row creates. */
  slug: string;
  fixtures: Fixtures;
}

interface Fixtures {
  /** One customer memory of `acme` per column, for the delete row. */
  deletable: Map<string, string>;
  /** One member key of `acme` and one of `globex` per column, for the revoke rows. */
  ownTenantKeys: Map<string, { id: string; secret: string }>;
  otherTenantKeys: Map<string, { id: string; secret: string }>;
  worldMemoryId: string;
  /** Memories no column may ever see: another tenant's, another client's, another user's. */
  foreignIds: Set<string>;
  globexMemoryId: string;
}

interface OperationUnderTest {
  name: string;
  request: (context: RowContext) => HttpRequest;
  /** Checks a successful response's body (and may send more requests as the same caller). */
  check?: (body: never, context: RowContext & { sendRaw: (request: HttpRequest) => Promise<HttpResponse> }) => void | Promise<void>;
  /** For a 404: the same request for a random id must give the same body (apart from ids). */
  sameAsRandomId?: (context: RowContext) => { request: HttpRequest; namedId: string; randomId: string };
}

const operationsUnderTest: OperationUnderTest[] = [
  {
    name: 'tenants.create',
    request: ({ slug }) => ({ method: 'POST', path: '/v1/tenants', json: { id: `matrix-${slug}` } }),
    check: (tenant: Tenant, { kind, slug }) => {
      expect(tenant).toMatchObject({ id: `matrix-${slug}`, status: 'active' });
      // A tenant made by a client admin belongs to its client, never to another one.
      if (kind.key === 'client') expect(tenant.clientId).toBe(ownClient);
    },
  },
  {
    name: 'tenants.list',
    request: () => ({ path: '/v1/tenants?limit=200' }),
    check: (page: Page<Tenant>, { kind }) => {
      const ids = page.items.map((tenant) => tenant.id);
      expect(ids).toContain(ownTenant);
      if (kind.key === 'client') {
        expect(ids).not.toContain(otherTenant);
        expect(page.items.every((tenant) => tenant.clientId === ownClient)).toBe(true);
      } else {
        expect(ids).toContain(otherTenant);
      }
    },
  },
  {
    name: 'tenants.get (own client tenant)',
    request: () => ({ path: `/v1/tenants/${ownTenant}` }),
    check: (tenant: Tenant) => expect(tenant).toMatchObject({ id: ownTenant, clientId: ownClient }),
  },
  {
    name: "tenants.get (another client's tenant)",
    request: () => ({ path: `/v1/tenants/${otherTenant}` }),
    check: (tenant: Tenant) => expect(tenant).toMatchObject({ id: otherTenant, clientId: otherClient }),
    sameAsRandomId: () => {
      const randomId = `no-such-tenant-${randomMemoryId()}`;
      return { request: { path: `/v1/tenants/${randomId}` }, namedId: otherTenant, randomId };
    },
  },
  {
    name: 'tenants.setProviderKey (own client tenant)',
    request: ({ slug }) => ({
      method: 'PUT',
      path: `/v1/tenants/${ownTenant}/provider-key`,
      json: { apiKey: `sk-matrix-provider-${slug}-0123456789` },
    }),
    check: (status: ProviderKeyStatus, { slug }) =>
      expect(status).toMatchObject({ tenantId: ownTenant, configured: true, keyHint: `${slug}-0123456789`.slice(-4) }),
  },
  {
    name: "tenants.deleteProviderKey (another client's tenant)",
    request: () => ({ method: 'DELETE', path: `/v1/tenants/${otherTenant}/provider-key` }),
    check: (status: ProviderKeyStatus) =>
      expect(status).toEqual({ tenantId: otherTenant, configured: false, keyHint: null, updatedAt: null }),
    sameAsRandomId: () => {
      const randomId = `no-such-tenant-${randomMemoryId()}`;
      return { request: { method: 'DELETE', path: `/v1/tenants/${randomId}/provider-key` }, namedId: otherTenant, randomId };
    },
  },
  {
    name: 'users.create',
    request: ({ slug }) => ({ method: 'POST', path: '/v1/users', json: { id: `user-${slug}` } }),
    check: (user: User, { slug }) => expect(user).toMatchObject({ id: `user-${slug}`, tenantId: ownTenant, role: 'member' }),
  },
  {
    name: 'users.list',
    request: () => ({ path: '/v1/users?limit=200' }),
    check: (page: Page<User>) => {
      expect(page.items.map((user) => user.id)).toContain('alice');
      expect(page.items.every((user) => user.tenantId === ownTenant)).toBe(true);
    },
  },
  {
    name: 'keys.create (tenant key)',
    request: () => ({ method: 'POST', path: '/v1/keys', json: { tenantId: ownTenant, role: 'reader' } }),
    check: (created: { key: ApiKey; secret: string }) => {
      expect(created.key).toMatchObject({ kind: 'tenant', tenantId: ownTenant, clientId: ownClient, role: 'reader', userId: null });
      expect(created.secret).toMatch(/^sk_tenant_/);
    },
  },
  {
    name: "keys.create (another client's tenant)",
    request: () => ({ method: 'POST', path: '/v1/keys', json: { tenantId: otherTenant, role: 'reader' } }),
    check: (created: { key: ApiKey }) => expect(created.key).toMatchObject({ tenantId: otherTenant, clientId: otherClient }),
  },
  {
    name: 'keys.create (platform key)',
    request: () => ({ method: 'POST', path: '/v1/keys', json: { role: 'platform' } }),
    check: (created: { key: ApiKey; secret: string }) => {
      expect(created.key).toMatchObject({ kind: 'platform', tenantId: null, role: 'platform' });
      expect(created.secret).toMatch(/^sk_platform_/);
    },
  },
  {
    name: "keys.create (another client's admin key)",
    request: () => ({ method: 'POST', path: '/v1/keys', json: { role: 'client_admin', clientId: otherClient } }),
    check: (created: { key: ApiKey }) => expect(created.key).toMatchObject({ kind: 'client', clientId: otherClient, tenantId: null }),
  },
  {
    name: 'keys.revoke (a key of acme)',
    request: ({ kind, fixtures }) => ({ method: 'DELETE', path: `/v1/keys/${fixtures.ownTenantKeys.get(kind.name)?.id}` }),
    check: async (revoked: ApiKey, { kind, fixtures, sendRaw }) => {
      const key = fixtures.ownTenantKeys.get(kind.name);
      expect(revoked).toMatchObject({ id: key?.id, tenantId: ownTenant });
      expect(revoked.revokedAt).not.toBeNull();
      const next = await sendRaw({ path: '/v1/memories', headers: { authorization: `Bearer ${key?.secret}` } });
      expectProblem(next, 401, 'unauthenticated');
    },
  },
  {
    name: "keys.revoke (a key of another client's tenant)",
    request: ({ kind, fixtures }) => ({ method: 'DELETE', path: `/v1/keys/${fixtures.otherTenantKeys.get(kind.name)?.id}` }),
    check: (revoked: ApiKey) => expect(revoked).toMatchObject({ tenantId: otherTenant, revokedAt: expect.any(String) }),
    sameAsRandomId: ({ kind, fixtures }) => {
      const randomId = randomMemoryId();
      return {
        request: { method: 'DELETE', path: `/v1/keys/${randomId}` },
        namedId: fixtures.otherTenantKeys.get(kind.name)?.id ?? '',
        randomId,
      };
    },
  },
  {
    name: 'memories.create (customer scope)',
    request: ({ slug }) => ({ method: 'POST', path: '/v1/memories', json: { content: `customer note ${slug}`, scope: 'customer' } }),
    check: (result: { memory: Memory; deduplicated: boolean }) => {
      expect(result.deduplicated).toBe(false);
      expect(result.memory).toMatchObject({ scope: 'customer', tenantId: ownTenant, clientId: ownClient, userId: null });
    },
  },
  {
    name: 'memories.create (user scope)',
    request: ({ slug }) => ({ method: 'POST', path: '/v1/memories', json: { content: `user note ${slug}`, scope: 'user' } }),
    check: (result: { memory: Memory }, { kind }) =>
      expect(result.memory).toMatchObject({ scope: 'user', tenantId: ownTenant, userId: kind.user }),
  },
  {
    name: 'memories.list',
    request: () => ({ path: '/v1/memories?limit=200' }),
    check: (page: Page<Memory>, context) => {
      expect(page.items.map((memory) => memory.id)).toContain(context.fixtures.worldMemoryId);
      for (const memory of page.items) expectVisible(memory.id, memory.scope, memory.userId, context, memory.tenantId);
    },
  },
  {
    name: "memories.get (another tenant's memory id)",
    request: ({ fixtures }) => ({ path: `/v1/memories/${fixtures.globexMemoryId}` }),
    sameAsRandomId: ({ fixtures }) => {
      const randomId = randomMemoryId();
      return { request: { path: `/v1/memories/${randomId}` }, namedId: fixtures.globexMemoryId, randomId };
    },
  },
  {
    name: 'search',
    request: () => ({ method: 'POST', path: '/v1/search', json: { query: 'note', limit: 100 } }),
    check: (result: { hits: SearchHit[] }, context) => {
      expect(result.hits.map((hit) => hit.memoryId)).toContain(context.fixtures.worldMemoryId);
      for (const hit of result.hits) expectVisible(hit.memoryId, hit.scope, hit.userId, context);
    },
  },
  {
    name: 'context',
    request: () => ({ method: 'POST', path: '/v1/context', json: { query: 'note', limit: 100, tokenBudget: 100_000 } }),
    check: (result: { memories: SearchHit[] }, context) => {
      expect(result.memories.map((hit) => hit.memoryId)).toContain(context.fixtures.worldMemoryId);
      for (const hit of result.memories) expectVisible(hit.memoryId, hit.scope, hit.userId, context);
    },
  },
  {
    name: 'memories.delete (a customer memory of acme)',
    request: ({ kind, fixtures }) => ({ method: 'DELETE', path: `/v1/memories/${fixtures.deletable.get(kind.name)}` }),
    check: (result: { id: string; deleted: boolean }, { kind, fixtures }) =>
      expect(result).toEqual({ id: fixtures.deletable.get(kind.name), deleted: true }),
  },
  {
    name: 'maintenance.indexLargeTenants',
    request: () => ({ method: 'POST', path: '/v1/maintenance/index-large-tenants', json: {} }),
    check: (built: string[]) => expect(Array.isArray(built)).toBe(true),
  },
];

/**
 * The matrix itself: one line per operation, one column per kind of caller, in the order of
 * `kinds`: platform, client admin, customer admin, member, reader, user key, admin as user,
 * platform in tenant, client admin in own tenant, client admin in another client's tenant,
 * admin acting for a user with `strata-role: admin`.
 */
const expectations: Record<string, Expected[]> = {
  'tenants.create': [201, 201, F, F, F, F, F, F, F, F, F],
  'tenants.list': [200, 200, F, F, F, F, F, F, F, F, F],
  'tenants.get (own client tenant)': [200, 200, F, F, F, F, F, F, F, F, F],
  "tenants.get (another client's tenant)": [200, N, F, F, F, F, F, F, F, F, F],
  // A tenant's own admin may set its provider key (tenants.configure); inside another tenant, it is not found.
  'tenants.setProviderKey (own client tenant)': [200, 200, 200, F, F, F, F, 200, 200, N, 200],
  "tenants.deleteProviderKey (another client's tenant)": [200, N, N, F, F, F, F, N, N, N, N],
  'users.create': [I, I, 201, F, F, F, F, 201, 201, N, 201],
  'users.list': [I, I, 200, F, F, F, F, 200, 200, N, 200],
  'keys.create (tenant key)': [201, 201, 201, F, F, F, F, 201, 201, F, 201],
  "keys.create (another client's tenant)": [201, N, F, F, F, F, F, F, F, N, F],
  'keys.create (platform key)': [201, F, F, F, F, F, F, F, F, F, F],
  "keys.create (another client's admin key)": [201, F, F, F, F, F, F, F, F, F, F],
  'keys.revoke (a key of acme)': [200, 200, 200, F, F, F, F, 200, 200, N, 200],
  "keys.revoke (a key of another client's tenant)": [200, N, N, F, F, F, F, N, N, N, N],
  'memories.create (customer scope)': [I, I, 201, 201, F, 201, 201, 201, 201, N, 201],
  'memories.create (user scope)': [I, I, I, I, F, 201, 201, I, I, I, 201],
  'memories.list': [200, 200, 200, 200, 200, 200, 200, 200, 200, N, 200],
  "memories.get (another tenant's memory id)": [N, N, N, N, N, N, N, N, N, N, N],
  search: [200, 200, 200, 200, 200, 200, 200, 200, 200, N, 200],
  context: [200, 200, 200, 200, 200, 200, 200, 200, 200, N, 200],
  'memories.delete (a customer memory of acme)': [N, N, 200, 200, F, 200, 200, 200, 200, N, 200],
  'maintenance.indexLargeTenants': [200, F, F, F, F, F, F, F, F, F, F],
};

interface Row {
  kind: CallerKind;
  column: number;
  operation: OperationUnderTest;
  expected: Expected;
}

const rows: Row[] = operationsUnderTest.flatMap((operation) => {
  const line = expectations[operation.name];
  if (line === undefined || line.length !== kinds.length) throw new Error(`the matrix line of ${operation.name} is incomplete`);
  return kinds.map((kind, column) => ({ kind, column, operation, expected: line[column] as Expected }));
});

const describeExpected = (expected: Expected) => (typeof expected === 'number' ? String(expected) : `${expected.status} ${expected.code}`);

/** A memory or hit seen by a caller must be of its tenant (or shared), and user-scoped only if it is that user's. */
function expectVisible(id: string, scope: string, userId: string | null, { kind, fixtures }: RowContext, tenantId?: string | null) {
  expect(fixtures.foreignIds.has(id), `memory ${id} leaked to ${kind.name}`).toBe(false);
  if (tenantId !== undefined) expect([null, kind.tenant ?? null]).toContain(tenantId);
  if (scope === 'user') expect(userId, `user-scoped memory ${id} seen by ${kind.name}`).toBe(kind.user ?? 'no user-scoped memory');
  if (kind.tenant === undefined) expect(['world', 'client']).toContain(scope);
}

describeEachStore('API key matrix over HTTP', (target) => {
  let server: TestServer;
  const secrets = new Map<KeyName, string>();
  const fixtures: Fixtures = {
    deletable: new Map(),
    ownTenantKeys: new Map(),
    otherTenantKeys: new Map(),
    worldMemoryId: '',
    foreignIds: new Set(),
    globexMemoryId: '',
  };

  beforeAll(async () => {
    server = await startTestServer(target, {
      inject: true,
      // Provider keys need a master key and an LLM base URL; nothing here calls the LLM.
      store: { llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'matrix-model' }, masterKey: randomBytes(32).toString('hex') },
    });
    const operator = server.client;
    await operator.tenants.create({ id: ownTenant, clientId: ownClient });
    await operator.tenants.create({ id: otherTenant, clientId: otherClient });
    secrets.set('platform', server.adminKey);
    const keys = await Promise.all([
      operator.keys.create({ role: 'client_admin', clientId: ownClient }),
      operator.keys.create({ tenantId: ownTenant, role: 'admin' }),
      operator.keys.create({ tenantId: ownTenant, role: 'member' }),
      operator.keys.create({ tenantId: ownTenant, role: 'reader' }),
      operator.keys.create({ tenantId: ownTenant, userId: 'alice' }),
    ]);
    (['client', 'customerAdmin', 'member', 'reader', 'user'] as const).forEach((name, index) => {
      secrets.set(name, keys[index]?.secret ?? '');
    });

    const world = await operator.memories.create({ content: 'world note: shared reference for everyone', scope: 'world' });
    fixtures.worldMemoryId = world.memory.id;
    const inAcme = operator.as({ tenantId: ownTenant });
    await inAcme.memories.create({ content: 'acme customer note', scope: 'customer' });
    await operator.as({ tenantId: ownTenant, userId: 'alice' }).memories.create({ content: 'alice private note' });
    const bob = await operator.as({ tenantId: ownTenant, userId: 'bob' }).memories.create({ content: 'bob private note' });
    const globex = await operator.as({ tenantId: otherTenant }).memories.create({ content: 'globex secret note', scope: 'customer' });
    const otherClientMemory = await operator.as({ clientId: otherClient }).memories.create({ content: 'c2 client note', scope: 'client' });
    fixtures.globexMemoryId = globex.memory.id;
    fixtures.foreignIds = new Set([globex.memory.id, otherClientMemory.memory.id, bob.memory.id]);
    for (const kind of kinds) {
      const own = await operator.keys.create({ tenantId: ownTenant, name: `revocable by ${kind.name}` });
      const other = await operator.keys.create({ tenantId: otherTenant, name: `revocable by ${kind.name}` });
      fixtures.ownTenantKeys.set(kind.name, { id: own.key.id, secret: own.secret });
      fixtures.otherTenantKeys.set(kind.name, { id: other.key.id, secret: other.secret });
    }
    const deletable = await inAcme.memories.createMany(kinds.map((kind) => ({ content: `deletable note for ${kind.name}` })));
    kinds.forEach((kind, index) => {
      fixtures.deletable.set(kind.name, deletable[index]?.memory.id ?? '');
    });
  });

  afterAll(() => server?.close());

  /** Sends a row's request as its kind of caller. */
  const sendAs = (kind: CallerKind, request: HttpRequest): Promise<HttpResponse> =>
    send(server.url, { ...request, key: secrets.get(kind.key), headers: { ...kind.headers, ...request.headers } });

  it.each(rows.map((row) => [row.operation.name, row.kind.name, describeExpected(row.expected), row] as const))(
    '%s by %s → %s',
    async (_operation, _kind, _expected, { kind, column, operation, expected }) => {
      const context: RowContext = { kind, slug: String(column), fixtures };
      const response = await sendAs(kind, operation.request(context));
      if (typeof expected === 'number') {
        expect(response.status, response.text).toBe(expected);
        await operation.check?.(response.body as never, { ...context, sendRaw: (request) => send(server.url, request) });
        return;
      }
      expectProblem(response, expected.status, expected.code);
      const random = operation.sameAsRandomId?.(context);
      if (random !== undefined) {
        const randomResponse = await sendAs(kind, random.request);
        expect(randomResponse.status).toBe(response.status);
        expect(comparableProblem(response, random.namedId)).toEqual(comparableProblem(randomResponse, random.randomId));
      }
    },
  );
});
