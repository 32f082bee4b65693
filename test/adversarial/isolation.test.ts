import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRandom } from '../../bench/lib/random.ts';
import type { ContextResult, Memory, MemoryVersion, Page, SearchHit } from '../../src/index.ts';
import { comparableProblem, expectProblem, type HttpRequest, randomMemoryId, send } from '../http/http-helpers.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { describeEachStore } from '../support/stores.ts';
import { listQuery } from './support/attack-helpers.ts';
import { pooledRequest } from './support/attack-http.ts';

// Tenant isolation attacked over real HTTP. Every tenant holds the SAME text and metadata, so the
// same embedding and the same keyword terms: ranking can never separate them, only the key can.
// Tenant and user ids differ by one character or by the characters a LIKE pattern, a prefix match
// or a path separator would treat specially, so any match that is not exact equality leaks.
// test/http/spoofing.test.ts proves the 403 for owner fields in bodies and headers and the 404 for
// foreign ids between two unrelated tenants; this file adds look-alike ids, every read path and
// interleaved, aborted requests.

const clientId = 'iso-client';
/** Tenant ids one character (or one separator) apart; `_` is a LIKE wildcard, `.`, `:`, `|`, `-` separators. */
const tenants = ['acme', 'acme_', 'acm', 'acme.', 'acme:x', 'acme|x', 'acme-x', 'a.b', 'a:b', 'a|b', 'a-b', 'aXb'] as const;
/** Users of tenant `acme`; the same ids also exist in `acme_`, where they are other people. */
const users = ['john', 'john_', 'joh', 'John'] as const;

const sharedText = 'Quarterly roadmap: migrate billing to the new ledger before the audit';
const sharedMetadata = { topic: 'roadmap', owner: 'finance', 'weird%_key': 'literal%_value' };
const userText = 'Private diary: prefers aisle seats and vegetarian meals';

describeEachStore('tenant isolation under attack', (target) => {
  let server: TestServer;
  /** A member key of each tenant. */
  const tenantKeys = new Map<string, string>();
  /** The customer memory of each tenant (identical content). */
  const tenantMemories = new Map<string, Memory>();
  /** `${tenant}/${user}` → a user key, and that user's memory. */
  const userKeys = new Map<string, string>();
  const userMemories = new Map<string, Memory>();

  beforeAll(async () => {
    server = await startTestServer(target);
    const operator = server.client;
    for (const tenantId of tenants) {
      await operator.tenants.create({ id: tenantId, clientId });
      tenantKeys.set(tenantId, (await operator.keys.create({ tenantId, role: 'member' })).secret);
      const created = await operator.as({ tenantId }).memories.create({ content: sharedText, scope: 'customer', metadata: sharedMetadata });
      tenantMemories.set(tenantId, created.memory);
    }
    for (const tenantId of ['acme', 'acme_']) {
      for (const userId of users) {
        await operator.as({ tenantId }).users.create({ id: userId });
        userKeys.set(`${tenantId}/${userId}`, (await operator.keys.create({ tenantId, userId })).secret);
        const created = await operator.as({ tenantId, userId }).memories.create({ content: userText, metadata: sharedMetadata });
        userMemories.set(`${tenantId}/${userId}`, created.memory);
      }
    }
    // One update per tenant memory, so every tenant has a history to leak.
    for (const tenantId of tenants) {
      const memory = tenantMemories.get(tenantId) as Memory;
      const updated = await operator.as({ tenantId }).memories.update(memory.id, { metadata: { ...sharedMetadata, revised: true } });
      tenantMemories.set(tenantId, updated);
    }
  });

  afterAll(() => server?.close());

  const call = <T = unknown>(key: string, request: HttpRequest) => send<T>(server.url, { ...request, key });

  /** Every read path a key has, with the memory ids each returned. */
  async function idsSeenBy(key: string, ownMemoryId: string): Promise<Record<string, string[]>> {
    const seen: Record<string, string[]> = {};
    const get = await call<Memory>(key, { path: `/v1/memories/${ownMemoryId}` });
    expect(get.status, get.text).toBe(200);
    seen.get = [get.body.id];
    const listings = {
      list: {},
      'list filter': { filter: { topic: 'roadmap' } },
      'list filter with wildcards': { filter: { 'weird%_key': 'literal%_value' } },
      'list filter $in': { filter: { owner: { $in: ['finance', 'x'] } } },
    };
    for (const [label, query] of Object.entries(listings)) {
      const response = await call<Page<Memory>>(key, { path: `/v1/memories?${listQuery({ limit: 200, ...query })}` });
      expect(response.status, `${label}: ${response.text}`).toBe(200);
      seen[label] = response.body.items.map((memory) => memory.id);
    }
    for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
      for (const filter of [undefined, { topic: 'roadmap' }]) {
        const response = await call<{ hits: SearchHit[] }>(key, {
          method: 'POST',
          path: '/v1/search',
          json: { query: 'quarterly roadmap billing ledger diary aisle seats', mode, limit: 100, ...(filter ? { filter } : {}) },
        });
        expect(response.status, response.text).toBe(200);
        seen[`search ${mode}${filter ? ' filtered' : ''}`] = response.body.hits.map((hit) => hit.memoryId);
      }
    }
    const context = await call<ContextResult>(key, {
      method: 'POST',
      path: '/v1/context',
      json: { query: 'quarterly roadmap diary aisle seats', tokenBudget: 20_000, limit: 100 },
    });
    expect(context.status, context.text).toBe(200);
    seen.context = context.body.memories.map((hit) => hit.memoryId);
    const history = await call<MemoryVersion[]>(key, { path: `/v1/memories/${ownMemoryId}/history` });
    expect(history.status, history.text).toBe(200);
    seen.history = [...new Set(history.body.map((version) => version.memoryId))];
    return seen;
  }

  it('shows each tenant key only its own row of identical text and metadata, on every read path', async () => {
    for (const tenantId of tenants) {
      const own = (tenantMemories.get(tenantId) as Memory).id;
      const seen = await idsSeenBy(tenantKeys.get(tenantId) as string, own);
      // A customer-level key sees its customer memory and no user memory (not even its own tenant's).
      for (const [path, ids] of Object.entries(seen)) expect(ids, `${tenantId}: ${path}`).toEqual([own]);
    }
  });

  it('shows each user key only its own user row and its own tenant row, never a look-alike user or tenant', async () => {
    for (const [owner, key] of userKeys) {
      const tenantId = owner.split('/')[0] as string;
      const expected = [(userMemories.get(owner) as Memory).id, (tenantMemories.get(tenantId) as Memory).id].sort();
      const seen = await idsSeenBy(key, (userMemories.get(owner) as Memory).id);
      for (const [path, ids] of Object.entries(seen)) {
        if (path === 'get' || path === 'history') continue;
        expect([...ids].sort(), `${owner}: ${path}`).toEqual(expected);
      }
      expect(seen.history, owner).toEqual([]);
    }
  });

  it("answers a look-alike tenant's memory id with a 404 equal to a random id's; the row, version and history stay", async () => {
    const attempts = (id: string): HttpRequest[] => [
      { path: `/v1/memories/${id}` },
      { path: `/v1/memories/${id}/history` },
      { method: 'PATCH', path: `/v1/memories/${id}`, json: { content: 'hijacked by a neighbour', metadata: { owner: 'attacker' } } },
      { method: 'DELETE', path: `/v1/memories/${id}` },
    ];
    const pairs: [string, string][] = [
      ['acme', 'acme_'],
      ['acme_', 'acme'],
      ['acm', 'acme'],
      ['acme', 'acme.'],
      ['acme:x', 'acme|x'],
      ['a.b', 'aXb'],
      ['a-b', 'a|b'],
    ];
    const ownerView = async (tenantId: string) => {
      const memory = tenantMemories.get(tenantId) as Memory;
      const key = tenantKeys.get(tenantId) as string;
      return {
        memory: (await call<Memory>(key, { path: `/v1/memories/${memory.id}` })).body,
        history: (await call<MemoryVersion[]>(key, { path: `/v1/memories/${memory.id}/history` })).body,
      };
    };
    for (const [attacker, victim] of pairs) {
      const before = await ownerView(victim);
      expect(before.memory.version).toBe(2);
      expect(before.history).toHaveLength(1);
      const victimId = before.memory.id;
      const randomId = randomMemoryId();
      const randomAttempts = attempts(randomId);
      for (const [index, request] of attempts(victimId).entries()) {
        const label = `${attacker} → ${victim}: ${request.method ?? 'GET'} ${request.path}`;
        const response = await call(tenantKeys.get(attacker) as string, request);
        expectProblem(response, 404, 'not_found');
        const randomResponse = await call(tenantKeys.get(attacker) as string, randomAttempts[index] as HttpRequest);
        expect(comparableProblem(response, victimId), label).toEqual(comparableProblem(randomResponse, randomId));
      }
      const after = await ownerView(victim);
      expect(after).toEqual(before);
      expect(after.memory.content).toBe(sharedText);
    }
  });

  it('matches tenant and user ids exactly in the operator routes: a look-alike or pattern id is not found or refused', async () => {
    const operator = (request: HttpRequest) => send(server.url, { ...request, key: server.adminKey });
    // Valid ids that would match an existing tenant under LIKE, prefix or case-insensitive matching.
    for (const id of ['acm_', 'acme__', 'ac', 'ACME', 'acme:', 'acme|', 'a_b', 'a.', 'acme.x']) {
      const response = await operator({ path: `/v1/tenants/${encodeURIComponent(id)}` });
      expectProblem(response, 404, 'not_found');
      const keys = await operator({ path: `/v1/keys?${listQuery({ tenantId: id })}` });
      expect(keys.status, `${id}: ${keys.text}`).toBeLessThan(500);
      if (keys.status === 200) expect((keys.body as Page<unknown>).items, id).toEqual([]);
    }
    // Exact ids answer exactly their own tenant.
    for (const id of tenants) {
      const response = await operator({ path: `/v1/tenants/${encodeURIComponent(id)}` });
      expect(response.status, `${id}: ${response.text}`).toBe(200);
      expect((response.body as { id: string }).id).toBe(id);
    }
    // A user id that exists in acme only as `john`: `joh_`, `JOHN`, `jo%` are nobody.
    for (const id of ['joh_', 'JOHN', 'jo', 'john__']) {
      const response = await operator({ path: `/v1/users/${encodeURIComponent(id)}`, headers: { 'strata-tenant': 'acme' } });
      expectProblem(response, 404, 'not_found');
    }
  });

  it('refuses ids outside [A-Za-z0-9._:|-] (Cyrillic look-alikes, %, *, spaces, slashes) as invalid_input naming the field', async () => {
    const operator = (request: HttpRequest) => send(server.url, { ...request, key: server.adminKey });
    // '\u0430cme' starts with Cyrillic a (U+0430), 'j\u043ehn' has Cyrillic o (U+043E): both render exactly like the Latin ids.
    // '.' and '..' are refused too: a URL resolves them away, so `/v1/tenants/..` could never name the tenant.
    const lookAlikes = ['\u0430cme', 'acm\u0435', 'acme%', 'acm%', 'acme*', 'acme ', 'acme/x', "acme'", 'acme\\', '', '.', '..'];
    for (const id of lookAlikes) {
      const tenant = await operator({ method: 'POST', path: '/v1/tenants', json: { id, clientId } });
      expect(expectProblem(tenant, 400, 'invalid_input').details, JSON.stringify(id)).toMatchObject({ field: 'id' });
      const key = await operator({ method: 'POST', path: '/v1/keys', json: { tenantId: id, role: 'member' } });
      expect(expectProblem(key, 400, 'invalid_input').details, JSON.stringify(id)).toMatchObject({ field: 'tenantId' });
    }
    for (const id of ['j\u043ehn', 'john%', 'jo_%', 'john*', '.', '..']) {
      const user = await operator({ method: 'POST', path: '/v1/users', headers: { 'strata-tenant': 'acme' }, json: { id } });
      expect(expectProblem(user, 400, 'invalid_input').details, JSON.stringify(id)).toMatchObject({ field: 'id' });
      const key = await operator({ method: 'POST', path: '/v1/keys', json: { tenantId: 'acme', userId: id } });
      expect(expectProblem(key, 400, 'invalid_input').details, JSON.stringify(id)).toMatchObject({ field: 'userId' });
    }
    // Path ids are checked too: a pattern in the URL is never a lookup.
    for (const id of ['acm%25', 'ac%2A', '%D0%B0cme']) {
      const response = await operator({ path: `/v1/tenants/${id}` });
      expect([400, 404], `${id}: ${response.text}`).toContain(response.status);
      if (response.status === 200) throw new Error(`${id} matched a tenant`);
    }
    const listed = (await server.client.tenants.list({ limit: 200 })).items.map((tenant) => tenant.id).sort();
    expect(listed).toEqual([...tenants].sort());
  });

  it('never gives one tenant a response meant for another when interleaved requests are aborted at random points', async () => {
    // Two tenants whose rows differ only by a marker: any response carrying the other marker is a
    // cross-wired response (the failure mode of the March 2023 ChatGPT cache incident).
    const markers = { acme: `storm-marker-ALPHA-${crypto.randomUUID()}`, acme_: `storm-marker-BRAVO-${crypto.randomUUID()}` };
    const stormIds: Record<string, string> = {};
    for (const [tenantId, marker] of Object.entries(markers)) {
      const created = await server.client.as({ tenantId }).memories.create({ content: `storm ${marker}`, metadata: { storm: marker } });
      stormIds[tenantId] = created.memory.id;
    }
    const random = createRandom(20_230_320);
    const requestsOf = (tenantId: string): HttpRequest[] => [
      { method: 'POST', path: '/v1/search', json: { query: 'storm marker', mode: 'hybrid', limit: 20 } },
      { method: 'POST', path: '/v1/search', json: { query: 'storm marker', mode: 'vector', limit: 20 } },
      { path: `/v1/memories?${listQuery({ limit: 50 })}` },
      { path: `/v1/memories/${stormIds[tenantId]}` },
      { method: 'POST', path: '/v1/context', json: { query: 'storm marker', tokenBudget: 2_000 } },
    ];
    let completed = 0;
    let aborted = 0;
    const runOne = async (index: number) => {
      const tenantId = index % 2 === 0 ? 'acme' : 'acme_';
      const other = tenantId === 'acme' ? 'acme_' : 'acme';
      const choices = requestsOf(tenantId);
      const request = choices[Math.floor(random() * choices.length)] as HttpRequest;
      const controller = new AbortController();
      const abortIt = random() < 0.3;
      const delay = Math.floor(random() * 21);
      const timer = abortIt ? setTimeout(() => controller.abort(), delay) : undefined;
      try {
        const body = request.json === undefined ? undefined : JSON.stringify(request.json);
        const { status, text } = await pooledRequest(agent, `${server.url}${request.path}`, {
          method: request.method ?? 'GET',
          signal: controller.signal,
          headers: {
            authorization: `Bearer ${tenantKeys.get(tenantId)}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body }),
        });
        completed += 1;
        const label = `#${index} ${tenantId} ${request.method ?? 'GET'} ${request.path}`;
        expect(status, `${label}: ${text}`).toBe(200);
        expect(text, label).toContain(markers[tenantId as keyof typeof markers]);
        expect(text, label).not.toContain(markers[other as keyof typeof markers]);
        expect(text, label).not.toContain(stormIds[other]);
      } catch (error) {
        if (!(error instanceof Error && (error.name === 'AbortError' || controller.signal.aborted))) throw error;
        aborted += 1;
      } finally {
        clearTimeout(timer);
      }
    };
    // A keep-alive pool of 8 sockets: requests of both tenants take turns on the same connections.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      for (let wave = 0; wave < 4; wave += 1) {
        await Promise.all(Array.from({ length: 60 }, (_, index) => runOne(wave * 60 + index)));
      }
    } finally {
      agent.destroy();
    }
    expect(completed + aborted).toBe(240);
    expect(aborted).toBeGreaterThan(10);
    expect(completed).toBeGreaterThan(100);

    // After the storm, pooled connections and caches hold nothing of it: each key still reads exactly its own rows.
    for (let round = 0; round < 3; round += 1) {
      for (const tenantId of ['acme', 'acme_', 'acm']) {
        const key = tenantKeys.get(tenantId) as string;
        const listed = await call<Page<Memory>>(key, { path: `/v1/memories?${listQuery({ limit: 200 })}` });
        const expected = [(tenantMemories.get(tenantId) as Memory).id, ...(stormIds[tenantId] ? [stormIds[tenantId]] : [])].sort();
        expect(listed.body.items.map((memory) => memory.id).sort(), tenantId).toEqual(expected);
        const search = await call<{ hits: SearchHit[] }>(key, {
          method: 'POST',
          path: '/v1/search',
          json: { query: 'storm marker roadmap' },
        });
        expect(search.body.hits.map((hit) => hit.memoryId).sort(), tenantId).toEqual(expected);
      }
    }
    expect((await send(server.url, { path: '/readyz' })).status).toBe(200);
  });
});
