import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Collection, CollectionDocument, Page } from '../../src/index.ts';
import { comparableProblem, expectProblem, type HttpRequest, send } from '../http/http-helpers.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { injectedFetch } from '../support/inject.ts';
import { describeEachStore } from '../support/stores.ts';
import { expectNoServerError } from './support/attack-helpers.ts';

// Document collections attacked over real HTTP with real keys. Two tenants of one client whose
// ids differ by a LIKE wildcard hold a collection of the SAME name with the SAME document ids and
// the same indexed values, so only the key can separate them; the first also holds a collection
// the second must find exactly as absent as a name that never existed, on every path and role.

const acme = 'coliso-acme';
const neighbour = 'coliso-acme_';
const tenants = [acme, neighbour] as const;
const markers = { [acme]: `ACME-MARKER-${crypto.randomUUID()}`, [neighbour]: `NEIGHBOUR-MARKER-${crypto.randomUUID()}` };

/** Document ids at the edges of what an id may be (letters, digits and `. _ : | -`): each is one document, read literally. */
const trickyIds = ['_', '...', 'a.b', 'a_b', 'aXb', 'A', 'a', 'x:y|z', '-', '0', 'a..b', 'orders.2024'] as const;
/** Ids with path, SQL, JSON, LIKE and URL metacharacters: refused at validation, never stored. */
const refusedIds = [
  '.',
  '..',
  '../../etc/passwd',
  "x';DROP/**/TABLE/**/collection_documents;--",
  '{"$ne":null}',
  '%',
  'a%b',
  'a\\b',
  '?q=1&r=2#frag',
  '*',
  '',
  'x'.repeat(256),
] as const;

type Caller = `${string}/${'admin' | 'member' | 'reader'}`;

describeEachStore('document collections under attack', (target) => {
  let server: TestServer;
  const keys = new Map<Caller, string>();
  const call = <T = unknown>(caller: Caller, request: HttpRequest) => send<T>(server.url, { ...request, key: keys.get(caller) as string });
  const ok = async <T>(caller: Caller, request: HttpRequest, status = 200): Promise<T> => {
    const response = await call<T>(caller, request);
    expect(response.status, `${caller} ${request.method ?? 'GET'} ${request.path}: ${response.text}`).toBe(status);
    return response.body;
  };
  const documentPath = (name: string, id: string) => `/v1/collections/${name}/documents/${encodeURIComponent(id)}`;
  const find = (caller: Caller, name: string, json: unknown) =>
    call<Page<CollectionDocument>>(caller, { method: 'POST', path: `/v1/collections/${name}/find`, json });

  beforeAll(async () => {
    server = await startTestServer(target);
    for (const tenantId of tenants) {
      await server.client.tenants.create({ id: tenantId, clientId: 'coliso-app' });
      for (const role of ['admin', 'member', 'reader'] as const)
        keys.set(`${tenantId}/${role}`, (await server.client.keys.create({ tenantId, role })).secret);
      await ok(
        `${tenantId}/admin`,
        { method: 'POST', path: '/v1/collections', json: { name: 'orders', indexes: ['status', 'owner.email'] } },
        201,
      );
      await ok(
        `${tenantId}/member`,
        {
          method: 'POST',
          path: '/v1/collections/orders/documents/batch',
          json: {
            documents: trickyIds.map((id, index) => ({
              id,
              document: {
                status: index % 2 === 0 ? 'open' : 'shipped',
                owner: { email: 'same@example.com' },
                note: `${markers[tenantId]} ${id}`,
              },
            })),
          },
        },
        201,
      );
    }
    await ok(`${acme}/admin`, { method: 'POST', path: '/v1/collections', json: { name: 'acme-only', description: 'untouched' } }, 201);
    await ok(
      `${acme}/member`,
      { method: 'POST', path: '/v1/collections/acme-only/documents', json: { id: 'd-1', document: { secret: markers[acme] } } },
      201,
    );
  });
  afterAll(() => server.close());

  it("answers another tenant's collection, on every path and for every role, exactly as a name that never existed", async () => {
    const routes = (name: string): HttpRequest[] => [
      { path: `/v1/collections/${name}` },
      { method: 'PATCH', path: `/v1/collections/${name}`, json: { description: 'taken over' } },
      { method: 'DELETE', path: `/v1/collections/${name}` },
      { method: 'POST', path: `/v1/collections/${name}/documents`, json: { id: 'd-1', document: { x: 1 } } },
      { method: 'POST', path: `/v1/collections/${name}/documents/batch`, json: { documents: [{ id: 'd-1', document: { x: 1 } }] } },
      { path: documentPath(name, 'd-1') },
      { method: 'PUT', path: documentPath(name, 'd-1'), json: { document: { x: 1 } } },
      { method: 'PATCH', path: documentPath(name, 'd-1'), json: { patch: { x: 1 }, ifVersion: 1 } },
      { method: 'DELETE', path: documentPath(name, 'd-1') },
      { method: 'POST', path: `/v1/collections/${name}/find`, json: { filter: { secret: { $exists: true } } } },
    ];
    const missing = `never-was-${crypto.randomUUID().slice(0, 8)}`;
    for (const role of ['admin', 'member', 'reader'] as const) {
      const caller: Caller = `${neighbour}/${role}`;
      const foreign = routes('acme-only');
      const absent = routes(missing);
      for (const [index, request] of foreign.entries()) {
        const theirs = await call(caller, request);
        const nothing = await call(caller, absent[index] as HttpRequest);
        const label = `${role} ${request.method ?? 'GET'} ${request.path}`;
        expectNoServerError(theirs, label);
        expect(theirs.status, label).toBe(nothing.status);
        expect(comparableProblem(theirs, 'acme-only'), label).toEqual(comparableProblem(nothing, missing));
        expect(theirs.text, label).not.toContain(markers[acme]);
      }
    }
    const untouched = await ok<Collection>(`${acme}/reader`, { path: '/v1/collections/acme-only' });
    expect(untouched).toMatchObject({ description: 'untouched', documentCount: 1 });
    const document = await ok<CollectionDocument>(`${acme}/reader`, { path: documentPath('acme-only', 'd-1') });
    expect(document).toMatchObject({ version: 1, document: { secret: markers[acme] } });
    const names = await ok<Page<Collection>>(`${neighbour}/admin`, { path: '/v1/collections' });
    expect(names.items.map((collection) => collection.name)).toEqual(['orders']);
  });

  it('keeps the same names, document ids and indexed values of two tenants apart, and reads metacharacter ids literally', async () => {
    for (const tenantId of tenants) {
      for (const id of trickyIds) {
        const read = await ok<CollectionDocument>(`${tenantId}/reader`, { path: documentPath('orders', id) });
        expect(read, id).toMatchObject({ id, collection: 'orders', document: { note: `${markers[tenantId]} ${id}` } });
      }
      // The indexed value is the same in both tenants: an index lookup must still stop at the tenant.
      const sameOwner = await find(`${tenantId}/reader`, 'orders', { filter: { 'owner.email': 'same@example.com' }, limit: 100 });
      expect(sameOwner.status).toBe(200);
      expect(sameOwner.body.items.map((item) => item.id).sort()).toEqual([...trickyIds].sort());
      expect(sameOwner.text).not.toContain(markers[tenantId === acme ? neighbour : acme]);
      const open = await find(`${tenantId}/reader`, 'orders', { filter: { status: 'open' }, sort: { field: 'status' }, limit: 100 });
      expect(open.body.items.every((item) => String(item.document.note).startsWith(markers[tenantId]))).toBe(true);
      expect(open.body.items).toHaveLength(Math.ceil(trickyIds.length / 2));
    }
    // A LIKE wildcard id is one document, not a pattern; ids differing only by case are two.
    const underscore = await ok<CollectionDocument>(`${neighbour}/reader`, { path: documentPath('orders', '_') });
    expect(underscore.id).toBe('_');
    const upper = await ok<CollectionDocument>(`${neighbour}/reader`, { path: documentPath('orders', 'A') });
    expect(upper.document.note).toBe(`${markers[neighbour]} A`);
    for (const id of refusedIds) {
      const refused = await call(`${acme}/member`, {
        method: 'POST',
        path: '/v1/collections/orders/documents',
        json: { id, document: {} },
      });
      expect(expectProblem(refused, 400, 'invalid_input').details).toMatchObject({ field: 'id' });
    }
  });

  it('treats filters, sorts and cursors as data: injection is inert, unknown operators are named, a cursor only moves within the caller', async () => {
    const caller: Caller = `${acme}/reader`;
    for (const filter of [
      { "note') OR ('1'='1": 'x' },
      { 'note::text': 'x' },
      { note: { $in: ['%', '_', "' OR 1=1 --"] } },
      { status: "open' OR tenant_id <> '" },
      { 'owner.email': { $gt: '' }, status: { $lt: '' } },
    ]) {
      const response = await find(caller, 'orders', { filter });
      expectNoServerError(response, JSON.stringify(filter));
      expect(response.status, JSON.stringify(filter)).toBe(200);
      expect(response.body.items, JSON.stringify(filter)).toEqual([]);
    }
    for (const [filter, field] of [
      [{ note: { $where: 'sleep(1)' } }, 'filter.note.$where'],
      [{ note: { $regex: '.*' } }, 'filter.note.$regex'],
      [{ $or: [{ status: 'open' }] }, 'filter'],
    ] as const) {
      const refused = await find(caller, 'orders', { filter });
      expect(String((expectProblem(refused, 400, 'invalid_input').details as { field?: unknown }).field), JSON.stringify(filter)).toContain(
        field,
      );
    }
    expect(expectProblem(await find(caller, 'orders', { sort: { field: 'note' } }), 400, 'invalid_input').details).toMatchObject({
      field: 'sort.field',
    });
    // A cursor from one tenant, replayed by the other on the same collection name, reads only the other's documents.
    const first = await find(caller, 'orders', { sort: { field: 'owner.email' }, limit: 3 });
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const replayed = await find(`${neighbour}/reader`, 'orders', { sort: { field: 'owner.email' }, limit: 100, cursor });
    expect(replayed.status).toBe(200);
    expect(replayed.body.items.length).toBeGreaterThan(0);
    expect(replayed.text).not.toContain(markers[acme]);
    for (const forged of [`${cursor.slice(0, -2)}!!`, 'x'.repeat(9_000), Buffer.from('{"field":"note"}').toString('base64url')]) {
      const refused = await find(caller, 'orders', { sort: { field: 'owner.email' }, cursor: forged });
      expect(expectProblem(refused, 400, 'invalid_input').details).toMatchObject({ field: 'cursor' });
    }
  });

  it('refuses hostile documents naming the field and stores nothing of them', async () => {
    const caller: Caller = `${acme}/member`;
    let deep: Record<string, unknown> = { leaf: true };
    for (let level = 0; level < 40; level += 1) deep = { deep };
    const attempts: Array<[unknown, string]> = [
      // Refused by the JSON parser before the body reaches validation.
      [{ id: 'p-1', document: JSON.parse('{"__proto__":{"admin":true}}') }, 'body'],
      [{ id: 'p-2', document: deep }, 'document'],
      [{ id: 'p-3', document: { status: 'x'.repeat(2_000) } }, 'document'],
      [{ id: 'p-4', document: ['not', 'an', 'object'] }, 'document'],
    ];
    for (const [json, field] of attempts) {
      const refused = await call(caller, { method: 'POST', path: '/v1/collections/orders/documents', json });
      expect(
        String((expectProblem(refused, 400, 'invalid_input').details as { field?: unknown }).field),
        JSON.stringify(json).slice(0, 80),
      ).toContain(field);
    }
    // A body naming another tenant is refused as such (the key decides the tenant).
    const foreign = await call(caller, {
      method: 'POST',
      path: '/v1/collections/orders/documents',
      json: { id: 'p-5', document: { status: 'open' }, tenantId: neighbour },
    });
    expect(expectProblem(foreign, 403, 'forbidden').details).toMatchObject({ field: 'tenantId' });
    const orders = await ok<Collection>(`${acme}/reader`, { path: '/v1/collections/orders' });
    expect(orders.documentCount).toBe(trickyIds.length);
    const refusedRead = await call(caller, { path: documentPath('orders', 'p-1') });
    expectProblem(refusedRead, 404, 'not_found');
  });

  it("exports one tenant's collections without a byte of the other's", async () => {
    const response = await (injectedFetch(server.url) ?? fetch)(`${server.url}/v1/tenants/${neighbour}/export`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('"type":"collection_document"');
    expect(text).toContain(markers[neighbour]);
    // (Its audit records name 'acme-only': the names its own callers tried, not the other's data.)
    expect(text).not.toContain(markers[acme]);
  });
});
