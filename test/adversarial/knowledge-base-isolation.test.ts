import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AddedDocuments, Agent, ContextResult, KnowledgeBase, KnowledgeBaseDocument, Page, SearchHit } from '../../src/index.ts';
import { expectProblem, type HttpRequest, type HttpResponse, type ProblemBody, send } from '../http/http-helpers.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { describeEachStore } from '../support/stores.ts';
import { listQuery } from './support/attack-helpers.ts';

// Knowledge-base isolation attacked over real HTTP with real keys. Two clients whose ids differ by
// a LIKE wildcard; two tenants of the first client whose ids differ by one; a tenant of the second.
// Shared knowledge bases (the operator's `world` one and the first client's) must be readable and
// never writable by tenants, and a refusal must say no more than a read does; a client's knowledge
// base and a tenant's own must be, on every path, exactly as absent as an id that never existed.
// Both tenants' own knowledge bases hold the SAME document ids, so only the key can separate them.

const clientId = 'kbiso-app';
const otherClientId = 'kbiso-app_';
const acme = 'kbiso-acme';
const neighbour = 'kbiso-acme_';
const globex = 'kbiso-globex';

const markers = {
  world: `WORLD-MARKER-${crypto.randomUUID()}`,
  client: `CLIENT-MARKER-${crypto.randomUUID()}`,
  [acme]: `ACME-MARKER-${crypto.randomUUID()}`,
  [neighbour]: `NEIGHBOUR-MARKER-${crypto.randomUUID()}`,
};
const sharedText = 'Quarterly roadmap: migrate billing to the new ledger before the audit';

/** Document ids with path, SQL, JSON, LIKE and URL metacharacters: each must be stored and found literally. */
const trickyIds = [
  'guides/setup.md',
  '../../etc/passwd',
  '/leading/slash',
  'trailing/',
  "x';DROP/**/TABLE/**/memories;--",
  'a"b',
  '{"$ne":null}',
  '%',
  '_',
  'a%b',
  'a_b',
  'aXb',
  'a\\b',
  '?q=1&r=2#frag',
  '..%2F..%2Fkb',
  '%2e%2e',
  '...',
  '.hidden',
  '*',
  '$1',
  '<b>x</b>',
  '\\u0000',
] as const;
/** The document id the comparisons use: SQL metacharacters, and nothing JSON escapes. */
const sqlId = "x';DROP/**/TABLE/**/memories;--";
/** Knowledge-base names with the same metacharacters, and look-alikes of `Handbook`. */
const trickyNames = [
  "'; DROP TABLE knowledge_bases; --",
  '{"$gt":""}',
  '../..',
  '%',
  '_',
  'Handbook%',
  'Hand_ook',
  'HANDBOOK',
  'Handbook ',
];

type Caller = 'operator' | 'vendor' | 'otherVendor' | `${string}/${'admin' | 'member' | 'reader'}`;

describeEachStore('knowledge-base isolation under attack', (target) => {
  let server: TestServer;
  const keys = new Map<Caller, string>();
  const bases: Record<'world' | 'worldEmpty' | 'client' | 'clientEmpty' | 'acme' | 'neighbour', KnowledgeBase> = {} as never;
  /** The memory ids holding each tenant's documents, by document id. */
  const documentMemories = new Map<string, Map<string, string>>();

  const call = <T = unknown>(caller: Caller, request: HttpRequest) => send<T>(server.url, { ...request, key: keys.get(caller) as string });
  const ok = async <T>(caller: Caller, request: HttpRequest, status = 200): Promise<T> => {
    const response = await call<T>(caller, request);
    expect(response.status, `${caller} ${request.method ?? 'GET'} ${request.path}: ${response.text}`).toBe(status);
    return response.body;
  };
  const documentPath = (base: string, documentId: string) => `/v1/knowledge-bases/${base}/documents/${encodeURIComponent(documentId)}`;

  beforeAll(async () => {
    server = await startTestServer(target);
    const operator = server.client;
    keys.set('operator', server.adminKey);
    keys.set('vendor', (await operator.keys.create({ role: 'client_admin', clientId })).secret);
    keys.set('otherVendor', (await operator.keys.create({ role: 'client_admin', clientId: otherClientId })).secret);
    for (const [tenantId, owner] of [
      [acme, clientId],
      [neighbour, clientId],
      [globex, otherClientId],
    ] as const) {
      await operator.tenants.create({ id: tenantId, clientId: owner });
      for (const role of ['admin', 'member', 'reader'] as const)
        keys.set(`${tenantId}/${role}`, (await operator.keys.create({ tenantId, role })).secret);
    }
    const create = (caller: Caller, json: unknown) => ok<KnowledgeBase>(caller, { method: 'POST', path: '/v1/knowledge-bases', json }, 201);
    const add = (caller: Caller, base: KnowledgeBase, documents: unknown[]) =>
      ok<AddedDocuments>(caller, { method: 'POST', path: `/v1/knowledge-bases/${base.id}/documents`, json: { documents } }, 201);
    bases.world = await create('operator', { name: 'Glossary', scope: 'world' });
    bases.worldEmpty = await create('operator', { name: 'Empty glossary', scope: 'world' });
    bases.client = await create('vendor', { name: 'App manual', scope: 'client' });
    bases.clientEmpty = await create('vendor', { name: 'Empty manual', scope: 'client' });
    await add('operator', bases.world, [{ id: sqlId, title: 'Glossary', content: `${markers.world} ${sharedText}` }]);
    await add('vendor', bases.client, [{ id: sqlId, title: 'Manual', content: `${markers.client} ${sharedText}` }]);
    for (const [key, tenantId] of [
      ['acme', acme],
      ['neighbour', neighbour],
    ] as const) {
      bases[key] = await create(`${tenantId}/admin`, { name: 'Handbook', metadata: { 'weird%_key': 'literal%_value' } });
      const added = await add(
        `${tenantId}/member`,
        bases[key],
        trickyIds.map((id, index) => ({ id, title: id, content: `${markers[tenantId]} document ${index} ${id} ${sharedText}` })),
      );
      documentMemories.set(tenantId, new Map(added.documents.map((document) => [document.id, document.memoryId])));
    }
    // A document id that only acme has.
    const alone = await add(`${acme}/member`, bases.acme, [{ id: 'only-in-acme', content: `${markers[acme]} alone ${sharedText}` }]);
    documentMemories.get(acme)?.set('only-in-acme', alone.documents[0]?.memoryId ?? '');
    // acme's agent reads its own knowledge base and the client's.
    await ok(
      `${acme}/admin`,
      { method: 'POST', path: '/v1/agents', json: { id: 'support', name: 'Support', knowledgeBaseIds: [bases.acme.id, bases.client.id] } },
      201,
    );
  });

  afterAll(() => server?.close());

  /** What the owner sees of a knowledge base: itself, its documents and their text. */
  async function ownerView(owner: Caller, base: KnowledgeBase) {
    const listed = await ok<Page<KnowledgeBaseDocument>>(owner, {
      path: `/v1/knowledge-bases/${base.id}/documents?${listQuery({ limit: 200 })}`,
    });
    const documents = [];
    for (const document of listed.items)
      documents.push(await ok<KnowledgeBaseDocument>(owner, { path: documentPath(base.id, document.id) }));
    return { base: await ok<KnowledgeBase>(owner, { path: `/v1/knowledge-bases/${base.id}` }), documents };
  }

  /** A problem with what may differ removed: the request id, and the ids the request named (as placeholders). */
  function comparable(response: HttpResponse, ids: readonly string[]) {
    const { requestId: _requestId, ...problem } = response.body as ProblemBody;
    let text = JSON.stringify(problem);
    for (const [index, id] of ids.entries()) text = text.replaceAll(id, `<id${index}>`);
    return { status: response.status, problem: JSON.parse(text) as unknown };
  }

  const readableBy: Record<string, Caller[]> = {
    world: [
      `${acme}/admin`,
      `${acme}/member`,
      `${acme}/reader`,
      `${neighbour}/admin`,
      `${globex}/admin`,
      `${globex}/member`,
      'vendor',
      'otherVendor',
    ],
    client: [`${acme}/admin`, `${acme}/member`, `${acme}/reader`, `${neighbour}/admin`, `${neighbour}/member`],
  };

  it('lets every tenant read a shared knowledge base and none write it; the refusal says nothing a read does not', async () => {
    const owners = { world: 'operator', client: 'vendor' } as const;
    for (const shared of ['world', 'client'] as const) {
      const base = bases[shared];
      const empty = bases[`${shared}Empty`];
      const before = await ownerView(owners[shared], base);
      const writes = (id: string, documentId: string): HttpRequest[] => [
        {
          method: 'POST',
          path: `/v1/knowledge-bases/${id}/documents`,
          json: { documents: [{ id: documentId, content: 'defaced by a tenant' }] },
        },
        {
          method: 'POST',
          path: `/v1/knowledge-bases/${id}/documents`,
          json: { documents: [{ id: 'brand-new', content: 'defaced by a tenant' }] },
        },
        { method: 'POST', path: `/v1/knowledge-bases/${id}/documents`, json: { documents: [{ content: 'defaced by a tenant' }] } },
        { method: 'DELETE', path: documentPath(id, documentId) },
        { method: 'DELETE', path: documentPath(id, 'never-there') },
        { method: 'PATCH', path: `/v1/knowledge-bases/${id}`, json: { name: 'Defaced', description: 'by a tenant' } },
        { method: 'DELETE', path: `/v1/knowledge-bases/${id}` },
      ];
      for (const caller of readableBy[shared] as Caller[]) {
        const read = await ok<KnowledgeBase>(caller, { path: `/v1/knowledge-bases/${base.id}` });
        expect(read, caller).toMatchObject({ id: base.id, scope: shared, writable: false, documentCount: 1 });
        const found = await ok<{ hits: SearchHit[] }>(caller, {
          method: 'POST',
          path: `/v1/knowledge-bases/${base.id}/search`,
          json: { query: 'quarterly roadmap ledger', mode: 'keyword' },
        });
        expect(found.hits.map((hit) => hit.content)).toEqual([`${markers[shared]} ${sharedText}`]);
        const emptyWrites = writes(empty.id, sqlId);
        for (const [index, request] of writes(base.id, sqlId).entries()) {
          const label = `${caller} ${request.method} ${request.path}`;
          const response = await call(caller, request);
          const problem = expectProblem(response, 403, 'forbidden');
          // What a read shows (the id, the scope, the caller's own role) and nothing else: no document id, name or content.
          for (const hidden of [sqlId, base.name, markers[shared], 'never-there', 'brand-new'])
            expect(response.text, label).not.toContain(hidden);
          for (const [field, value] of Object.entries(problem.details ?? {})) {
            expect(['role', 'scope'], label).toContain(field);
            if (field === 'scope') expect(value, label).toBe(read.scope);
          }
          // The same refusal as for an empty knowledge base of the same scope: it reveals neither documents nor counts.
          const emptyResponse = await call(caller, emptyWrites[index] as HttpRequest);
          expect(comparable(response, [base.id]), label).toEqual(comparable(emptyResponse, [empty.id]));
        }
      }
      expect(await ownerView(owners[shared], base)).toEqual(before);
      expect(await ownerView(owners[shared], empty)).toMatchObject({ base: { documentCount: 0 }, documents: [] });
    }
  });

  it("answers a client's and a tenant's own knowledge base, on every path, exactly as an id that never existed", async () => {
    const strangers: Array<{ base: 'client' | 'acme'; documentId: string; callers: Caller[] }> = [
      { base: 'client', documentId: sqlId, callers: [`${globex}/admin`, `${globex}/member`, `${globex}/reader`, 'otherVendor'] },
      {
        base: 'acme',
        documentId: sqlId,
        callers: [`${neighbour}/admin`, `${neighbour}/member`, `${neighbour}/reader`, `${globex}/admin`, 'vendor', 'otherVendor'],
      },
    ];
    const owned = await ownerView(`${acme}/admin`, bases.acme);
    const manual = await ownerView('vendor', bases.client);
    const attempts = (id: string, documentId: string, conversationId: string | undefined): Array<[string, HttpRequest]> => [
      ['get', { path: `/v1/knowledge-bases/${id}` }],
      ['list documents', { path: `/v1/knowledge-bases/${id}/documents` }],
      ['get document', { path: documentPath(id, documentId) }],
      ['search', { method: 'POST', path: `/v1/knowledge-bases/${id}/search`, json: { query: 'quarterly roadmap', mode: 'keyword' } }],
      ['search many', { method: 'POST', path: '/v1/knowledge-bases/search', json: { query: 'quarterly roadmap', knowledgeBaseIds: [id] } }],
      [
        'memory search',
        { method: 'POST', path: '/v1/search', json: { query: 'quarterly roadmap', knowledgeBaseIds: [id], mode: 'vector' } },
      ],
      ['context', { method: 'POST', path: '/v1/context', json: { query: 'quarterly roadmap', knowledgeBaseIds: [id] } }],
      ['agent create', { method: 'POST', path: '/v1/agents', json: { name: 'Spy', knowledgeBaseIds: [id] } }],
      ['agent attach', { method: 'PATCH', path: '/v1/agents/spy-target', json: { knowledgeBaseIds: [id] } }],
      [
        'add documents',
        { method: 'POST', path: `/v1/knowledge-bases/${id}/documents`, json: { documents: [{ id: documentId, content: 'x' }] } },
      ],
      ['delete document', { method: 'DELETE', path: documentPath(id, documentId) }],
      ['update', { method: 'PATCH', path: `/v1/knowledge-bases/${id}`, json: { name: 'Taken over' } }],
      ['delete', { method: 'DELETE', path: `/v1/knowledge-bases/${id}` }],
      ...(conversationId === undefined
        ? []
        : ([
            [
              'turn',
              {
                method: 'POST',
                path: `/v1/conversations/${conversationId}/turn`,
                json: { message: { content: 'what is on the roadmap?' }, knowledgeBaseIds: [id] },
              },
            ],
          ] as Array<[string, HttpRequest]>)),
    ];
    for (const { base: name, documentId, callers } of strangers) {
      const base = bases[name];
      for (const caller of callers) {
        const tenantAdmin = caller.endsWith('/admin');
        // The target of 'agent attach': the stranger's own agent (when it may have one).
        if (tenantAdmin) await ok(caller, { method: 'POST', path: '/v1/agents', json: { id: 'spy-target', name: 'Spy target' } }, 201);
        const conversation = tenantAdmin
          ? await ok<{ id: string }>(caller, { method: 'POST', path: '/v1/conversations', json: {} }, 201)
          : undefined;
        const randomId = crypto.randomUUID();
        const randomDocument = `never-${crypto.randomUUID()}`;
        const real = attempts(base.id, documentId, conversation?.id);
        const fake = attempts(randomId, randomDocument, conversation?.id);
        for (const [index, [label, request]] of real.entries()) {
          const response = await call(caller, request);
          const missing = await call(caller, (fake[index] as [string, HttpRequest])[1]);
          const where = `${caller} → ${name}: ${label} (${response.text})`;
          expect(response.status, where).toBeGreaterThanOrEqual(400);
          expect(response.status, where).toBeLessThan(500);
          expect(comparable(response, [base.id, documentId]), where).toEqual(comparable(missing, [randomId, randomDocument]));
          if (['get', 'list documents', 'get document', 'search', 'search many'].includes(label)) expectProblem(response, 404, 'not_found');
          if (tenantAdmin && ['memory search', 'context', 'turn'].includes(label)) expectProblem(response, 404, 'not_found');
          if (tenantAdmin && label.startsWith('agent'))
            expect(expectProblem(response, 400, 'invalid_input').details, where).toMatchObject({ field: 'knowledgeBaseIds.0' });
          for (const marker of Object.values(markers)) expect(response.text, where).not.toContain(marker);
        }
        if (conversation !== undefined) {
          // A refused turn stored nothing.
          const messages = await ok<Page<unknown>>(caller, { path: `/v1/conversations/${conversation.id}/messages` });
          expect(messages.items, caller).toEqual([]);
          await ok(caller, { method: 'DELETE', path: `/v1/conversations/${conversation.id}` });
        }
        if (tenantAdmin) {
          expect((await ok<Agent>(caller, { path: '/v1/agents/spy-target' })).knowledgeBaseIds).toEqual([]);
          await ok(caller, { method: 'DELETE', path: '/v1/agents/spy-target' });
        }
      }
    }
    // Each key lists exactly what it reads, in every scope filter.
    const expected: Array<[Caller, KnowledgeBase[]]> = [
      [`${acme}/reader`, [bases.acme, bases.client, bases.clientEmpty, bases.world, bases.worldEmpty]],
      [`${neighbour}/member`, [bases.neighbour, bases.client, bases.clientEmpty, bases.world, bases.worldEmpty]],
      [`${globex}/admin`, [bases.world, bases.worldEmpty]],
      ['vendor', [bases.client, bases.clientEmpty, bases.world, bases.worldEmpty]],
      ['otherVendor', [bases.world, bases.worldEmpty]],
    ];
    for (const [caller, readable] of expected) {
      for (const scope of [undefined, 'customer', 'client', 'world'] as const) {
        const page = await ok<Page<KnowledgeBase>>(caller, {
          path: `/v1/knowledge-bases?${listQuery({ limit: 200, ...(scope ? { scope } : {}) })}`,
        });
        const wanted = readable.filter((base) => scope === undefined || base.scope === scope).map((base) => base.id);
        expect(page.items.map((base) => base.id).sort(), `${caller} ${scope}`).toEqual(wanted.sort());
      }
    }
    // Nothing changed for the owners.
    expect(await ownerView(`${acme}/admin`, bases.acme)).toEqual(owned);
    expect(await ownerView('vendor', bases.client)).toEqual(manual);
  });

  it("resolves a tenant's document ids, document memories and agent to nothing for another tenant holding the same ids", async () => {
    const acmeMemories = documentMemories.get(acme) as Map<string, string>;
    for (const documentId of [...trickyIds, 'only-in-acme']) {
      // The neighbour's own knowledge base: its own document of that id, or none.
      const own = await call<KnowledgeBaseDocument>(`${neighbour}/member`, { path: documentPath(bases.neighbour.id, documentId) });
      if (documentId === 'only-in-acme') {
        const random = `never-${crypto.randomUUID()}`;
        const missing = await call(`${neighbour}/member`, { path: documentPath(bases.neighbour.id, random) });
        expectProblem(own, 404, 'not_found');
        expect(comparable(own, [documentId])).toEqual(comparable(missing, [random]));
      } else {
        expect(own.status, `${documentId}: ${own.text}`).toBe(200);
        expect(own.body).toMatchObject({ id: documentId, knowledgeBaseId: bases.neighbour.id, title: documentId });
        expect(own.body.content).toContain(markers[neighbour]);
        expect(own.text).not.toContain(markers[acme]);
      }
      // acme's knowledge base, through the neighbour's key: not found, as a random one.
      const foreign = await call(`${neighbour}/member`, { path: documentPath(bases.acme.id, documentId) });
      const randomBase = crypto.randomUUID();
      const random = await call(`${neighbour}/member`, { path: documentPath(randomBase, documentId) });
      expectProblem(foreign, 404, 'not_found');
      expect(comparable(foreign, [bases.acme.id])).toEqual(comparable(random, [randomBase]));
      // The memory that holds acme's document, on every memory route.
      const memoryId = acmeMemories.get(documentId) as string;
      const randomMemory = crypto.randomUUID();
      for (const [method, suffix, json] of [
        ['GET', '', undefined],
        ['GET', '/history', undefined],
        ['PATCH', '', { content: 'rewritten by a neighbour' }],
        ['DELETE', '', undefined],
      ] as const) {
        const request = (id: string): HttpRequest => ({ method, path: `/v1/memories/${id}${suffix}`, ...(json ? { json } : {}) });
        const response = await call(`${neighbour}/admin`, request(memoryId));
        expectProblem(response, 404, 'not_found');
        expect(comparable(response, [memoryId])).toEqual(
          comparable(await call(`${neighbour}/admin`, request(randomMemory)), [randomMemory]),
        );
      }
    }
    // Searching its own knowledge base, the neighbour finds its own documents only, on every search path.
    const ownHits = (hits: SearchHit[]) => {
      expect(hits.length).toBe(trickyIds.length);
      for (const hit of hits) {
        expect(hit.source).toMatchObject({ kind: 'document', knowledgeBaseId: bases.neighbour.id });
        expect(hit.content).toContain(markers[neighbour]);
      }
      expect(hits.map((hit) => (hit.source?.kind === 'document' ? hit.source.documentId : '')).sort()).toEqual([...trickyIds].sort());
    };
    for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
      const query = { query: 'quarterly roadmap billing ledger', mode, limit: 100 };
      ownHits(
        (
          await ok<{ hits: SearchHit[] }>(`${neighbour}/member`, {
            method: 'POST',
            path: `/v1/knowledge-bases/${bases.neighbour.id}/search`,
            json: query,
          })
        ).hits,
      );
      ownHits(
        (
          await ok<{ hits: SearchHit[] }>(`${neighbour}/member`, {
            method: 'POST',
            path: '/v1/knowledge-bases/search',
            json: { ...query, knowledgeBaseIds: [bases.neighbour.id] },
          })
        ).hits,
      );
      ownHits(
        (
          await ok<{ hits: SearchHit[] }>(`${neighbour}/member`, {
            method: 'POST',
            path: '/v1/search',
            json: { ...query, knowledgeBaseIds: [bases.neighbour.id] },
          })
        ).hits,
      );
      // Without knowledgeBaseIds a search reads memories only: no document of anyone.
      expect((await ok<{ hits: SearchHit[] }>(`${neighbour}/member`, { method: 'POST', path: '/v1/search', json: query })).hits).toEqual(
        [],
      );
    }
    // acme's agent id means nothing to the neighbour; the neighbour's agent of the same id reads the neighbour's knowledge base only.
    const randomAgent = `agent-${crypto.randomUUID()}`;
    const foreignAgent = await call(`${neighbour}/admin`, { path: '/v1/agents/support' });
    expectProblem(foreignAgent, 404, 'not_found');
    expect(comparable(foreignAgent, ['support'])).toEqual(
      comparable(await call(`${neighbour}/admin`, { path: `/v1/agents/${randomAgent}` }), [randomAgent]),
    );
    const contextOf = async (caller: Caller) => {
      const context = await ok<ContextResult>(caller, {
        method: 'POST',
        path: '/v1/context',
        json: { query: 'quarterly roadmap billing ledger', agentId: 'support', mode: 'keyword', limit: 100, tokenBudget: 50_000 },
      });
      return new Set(context.memories.map((hit) => (hit.source?.kind === 'document' ? hit.source.knowledgeBaseId : hit.scope)));
    };
    expect(await contextOf(`${neighbour}/member`)).toEqual(new Set());
    await ok(
      `${neighbour}/admin`,
      { method: 'POST', path: '/v1/agents', json: { id: 'support', name: 'Support', knowledgeBaseIds: [bases.neighbour.id] } },
      201,
    );
    expect(await contextOf(`${neighbour}/member`)).toEqual(new Set([bases.neighbour.id]));
    expect(await contextOf(`${acme}/member`)).toEqual(new Set([bases.acme.id, bases.client.id]));
    await ok(`${neighbour}/admin`, { method: 'DELETE', path: '/v1/agents/support' });

    // The neighbour's export holds its own knowledge base and none of acme's (nor the shared ones).
    // JSON lines: read as text (the helper would parse it as one JSON value).
    const exported = await fetch(`${server.url}/v1/tenants/${neighbour}/export`, {
      headers: { authorization: `Bearer ${keys.get(`${neighbour}/admin`)}` },
    }).then(async (response) => ({ status: response.status, text: await response.text() }));
    expect(exported.status, exported.text.slice(0, 500)).toBe(200);
    expect(exported.text).toContain(bases.neighbour.id);
    expect(exported.text).toContain(markers[neighbour]);
    // The neighbour's own audit trail records the ids its own key sent (its refused attempts above); no other line names them.
    const lines = exported.text.split('\n').filter((line) => line.length > 0);
    const records = lines.filter((line) => !line.startsWith('{"type":"audit"'));
    expect(records.length).toBeGreaterThan(trickyIds.length);
    for (const leaked of [bases.acme.id, bases.client.id, bases.world.id, ...acmeMemories.values()])
      expect(
        records.filter((line) => line.includes(leaked)),
        leaked,
      ).toEqual([]);
    for (const leaked of [markers[acme], markers.client, markers.world])
      expect(
        lines.filter((line) => line.includes(leaked)),
        leaked,
      ).toEqual([]);
    // And acme's export is the neighbour's to read exactly as much as a tenant that does not exist.
    const foreignExport = await call(`${neighbour}/admin`, { path: `/v1/tenants/${acme}/export` });
    const nobody = await call(`${neighbour}/admin`, { path: '/v1/tenants/kbiso-nobody/export' });
    expectProblem(foreignExport, 404, 'not_found');
    expect(comparable(foreignExport, [acme])).toEqual(comparable(nobody, ['kbiso-nobody']));
  });

  it('stores document ids and knowledge-base names with path, SQL, JSON and LIKE metacharacters literally', async () => {
    const caller: Caller = `${acme}/member`;
    // Every document comes back under its exact id, with its own text; listing pages through all of them.
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page: Page<KnowledgeBaseDocument> = await ok(caller, {
        path: `/v1/knowledge-bases/${bases.acme.id}/documents?${listQuery({ limit: 5, ...(cursor ? { cursor } : {}) })}`,
      });
      listed.push(...page.items.map((document) => document.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(listed.sort()).toEqual([...trickyIds, 'only-in-acme'].sort());
    for (const [index, id] of trickyIds.entries()) {
      const document = await ok<KnowledgeBaseDocument>(caller, { path: documentPath(bases.acme.id, id) });
      expect(document).toMatchObject({ id, title: id, content: `${markers[acme]} document ${index} ${id} ${sharedText}` });
    }
    // Deleting a LIKE pattern deletes that document only, never the ones it would match.
    for (const id of ['%', '_', 'a_b']) {
      expect(await ok(caller, { method: 'DELETE', path: documentPath(bases.acme.id, id) })).toMatchObject({ id, deleted: true, chunks: 1 });
    }
    const remaining = await ok<Page<KnowledgeBaseDocument>>(caller, {
      path: `/v1/knowledge-bases/${bases.acme.id}/documents?${listQuery({ limit: 200 })}`,
    });
    expect(remaining.items.map((document) => document.id).sort()).toEqual(
      [...trickyIds, 'only-in-acme'].filter((id) => !['%', '_', 'a_b'].includes(id)).sort(),
    );
    // Replacing one puts it back under the same literal id.
    const readded = await ok<AddedDocuments>(
      caller,
      {
        method: 'POST',
        path: `/v1/knowledge-bases/${bases.acme.id}/documents`,
        json: {
          documents: [
            { id: '%', content: 'percent again' },
            { id: 'a%b', content: 'replaced a%b' },
          ],
        },
      },
      201,
    );
    expect(readded.documents.map((document) => [document.id, document.replaced])).toEqual([
      ['%', false],
      ['a%b', true],
    ]);
    expect((await ok<KnowledgeBaseDocument>(caller, { path: documentPath(bases.acme.id, 'aXb') })).content).toContain(markers[acme]);
    // '.' and '..' cannot be a path segment (a URL resolves them), so they are refused, naming the field.
    for (const id of ['.', '..']) {
      const response = await call(caller, {
        method: 'POST',
        path: `/v1/knowledge-bases/${bases.acme.id}/documents`,
        json: { documents: [{ id, content: 'dots' }] },
      });
      expect(expectProblem(response, 400, 'invalid_input').details, id).toMatchObject({ field: 'documents.0.id' });
      // The same for agent ids (`/v1/agents/..` is `/v1/`).
      const agent = await call(`${acme}/admin`, { method: 'POST', path: '/v1/agents', json: { id, name: `Dots ${id}` } });
      expect(expectProblem(agent, 400, 'invalid_input').details, id).toMatchObject({ field: 'id' });
    }

    // Names: each created as given, none conflicting with its look-alikes, a literal repeat conflicting.
    const admin: Caller = `${acme}/admin`;
    const created: KnowledgeBase[] = [];
    for (const name of trickyNames) {
      const base = await ok<KnowledgeBase>(admin, { method: 'POST', path: '/v1/knowledge-bases', json: { name } }, 201);
      expect(base.name).toBe(name);
      expect((await ok<KnowledgeBase>(admin, { path: `/v1/knowledge-bases/${base.id}` })).name).toBe(name);
      created.push(base);
    }
    for (const name of ['%', "'; DROP TABLE knowledge_bases; --"]) {
      const response = await call(admin, { method: 'POST', path: '/v1/knowledge-bases', json: { name } });
      expect(expectProblem(response, 409, 'conflict').details).toMatchObject({ field: 'name' });
    }
    const names = (
      await ok<Page<KnowledgeBase>>(admin, { path: `/v1/knowledge-bases?${listQuery({ scope: 'customer', limit: 200 })}` })
    ).items.map((base) => base.name);
    expect(names.sort()).toEqual(['Handbook', ...trickyNames].sort());
    // Another tenant's same names are its own.
    const theirs = await ok<KnowledgeBase>(`${neighbour}/admin`, { method: 'POST', path: '/v1/knowledge-bases', json: { name: '%' } }, 201);
    await ok(`${neighbour}/admin`, { method: 'DELETE', path: `/v1/knowledge-bases/${theirs.id}` });
    for (const base of created) await ok(admin, { method: 'DELETE', path: `/v1/knowledge-bases/${base.id}` });
    expect((await ok<KnowledgeBase>(admin, { path: `/v1/knowledge-bases/${bases.acme.id}` })).metadata).toEqual({
      'weird%_key': 'literal%_value',
    });
  });
});
