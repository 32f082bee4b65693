import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Memory, Page } from '../../src/index.ts';
import { createServer } from '../../src/server/index.ts';
import { expectProblem, type HttpRequest, type HttpResponse, send } from '../http/http-helpers.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { describeEachStore } from '../support/stores.ts';
import { expectNoServerError, listQuery, memorySnapshot } from './support/attack-helpers.ts';

// Hostile input over HTTP. Every request either round-trips exactly or is refused with a 4xx
// problem naming the field; none gets a 5xx, and a refused one writes nothing. The limits and the
// body-size 413 on POST /v1/memories are proved in test/http/requests.test.ts; the filter language
// against a model in test/filter-fuzz.test.ts. This file aims at the edges between them.

const tenantId = 'bad-input';

const json = { 'content-type': 'application/json' };

/** `{"a":{"a":…1…}}` nested `depth` levels, as text (JSON.stringify itself would recurse that deep). */
const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** A JSON body whose content holds bytes that are not UTF-8 (a lone continuation byte and an overlong form). */
const invalidUtf8Body = () => Buffer.concat([Buffer.from('{"content":"bad '), Buffer.from([0x80, 0xc0, 0xaf]), Buffer.from(' bytes"}')]);

const nested = (depth: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level += 1) value = { [`level${level}`]: value };
  return value;
};
const manyKeys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`key${index}`, index]));

/** Text that storage, JSON or a tokenizer could alter: it must come back byte for byte. */
const exactTexts = [
  'שלום עולם — مرحبا بالعالم — mixed עברית with English',
  '\u202eevil override\u202c and \u2066isolate\u2069',
  'e\u0301 (decomposed) vs \u00e9 (composed)',
  'Z\u0364\u0351\u0313\u0324\u0354alg\u0300\u0301o text',
  '👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 🇫🇷',
  '\'; DROP TABLE memories; -- and " and `',
  '100% of a_b matched \\ and \\\\ and \\%',
  "$.a[0] @@ to_tsquery('x') ->> 'key' #>> '{a,b}' ?| array['x'] :: jsonb",
  '  leading and trailing whitespace \t\n\r  ',
  '\u00a0\u2028\u2029\ufeff zero-width\u200b joiner\u200d',
];

/** Metadata keys and values a query builder could mistake for syntax. */
const metacharacters = ["'", '--', '%', '_', '\\', 'a.b', 'a[0]', '@@', '->>', '#>>', '?|', '{a,b}', 'a"b', 'a b'];

describeEachStore('bad input over HTTP', (target) => {
  let server: TestServer;
  let memberKey: string;
  let adminKey: string;
  let existing: Memory;

  beforeAll(async () => {
    server = await startTestServer(target);
    await server.client.tenants.create({ id: tenantId });
    memberKey = (await server.client.keys.create({ tenantId, role: 'member' })).secret;
    adminKey = (await server.client.keys.create({ tenantId, role: 'admin' })).secret;
    existing = (await server.client.as({ tenantId }).memories.create({ content: 'an existing memory', metadata: { kept: true } })).memory;
  });

  afterAll(() => server?.close());

  const call = (request: HttpRequest, key = memberKey) => send(server.url, { ...request, key });
  /** Everything a request could write: memories, users and keys of the tenant. */
  const snapshot = async () => ({
    memories: await memorySnapshot(server, [{ tenantId }]),
    users: (await server.client.as({ tenantId }).users.list({ limit: 200 })).items.map((user) => user.id).sort(),
    keys: (await server.client.keys.list({ tenantId, limit: 200 })).items.map((key) => key.id).sort(),
  });

  /** Asserts a 400 invalid_input whose details name `field` (exactly, or as a prefix of a longer path). */
  const expectRefused = (response: HttpResponse, field: string, label: string) => {
    expect(response.status, `${label}: ${response.text.slice(0, 400)}`).toBe(400);
    const problem = expectProblem(response, 400, 'invalid_input');
    const named = String((problem.details as { field?: string } | undefined)?.field ?? '');
    expect(named === field || named.startsWith(`${field}.`) || named.startsWith(`${field}[`), `${label}: field ${named}`).toBe(true);
  };

  describe('each hostile value is refused naming the field, and writes nothing', () => {
    const refusals: [string, HttpRequest, string][] = [
      ['content over 1,000,000 characters', { method: 'POST', path: '/v1/memories', json: { content: 'x'.repeat(1_000_001) } }, 'content'],
      ['metadata nested 6 levels', { method: 'POST', path: '/v1/memories', json: { content: 'deep', metadata: nested(6) } }, 'metadata'],
      [
        'metadata nested 5,000 levels (refused while parsing, before any recursion)',
        { method: 'POST', path: '/v1/memories', headers: json, rawBody: `{"content":"deep","metadata":${deepJson(5_000)}}` },
        'body',
      ],
      [
        'tenant settings nested 5,000 levels',
        { method: 'PATCH', path: `/v1/tenants/${tenantId}`, headers: json, rawBody: `{"settings":${deepJson(5_000)}}` },
        'body',
      ],
      [
        'invalid UTF-8 in a JSON body (not stored as U+FFFD)',
        { method: 'POST', path: '/v1/memories', headers: json, rawBody: invalidUtf8Body() },
        'body',
      ],
      [
        'a JSON body declared as latin1',
        {
          method: 'POST',
          path: '/v1/memories',
          headers: { 'content-type': 'application/json; charset=iso-8859-1' },
          rawBody: '{"content":"caf\u00e9"}',
        },
        'content-type',
      ],
      ['audit from=0000-01-01', { path: '/v1/audit?from=0000-01-01' }, 'from'],
      ['audit to=0000-12-31T00:00:00Z', { path: '/v1/audit?to=0000-12-31T00:00:00Z' }, 'to'],
      ['65 metadata keys', { method: 'POST', path: '/v1/memories', json: { content: 'wide', metadata: manyKeys(65) } }, 'metadata'],
      [
        'a batch of 501',
        {
          method: 'POST',
          path: '/v1/memories/batch',
          json: { items: Array.from({ length: 501 }, (_, index) => ({ content: `batch item ${index}` })) },
        },
        'items',
      ],
      [
        'a batch whose last item is bad',
        {
          method: 'POST',
          path: '/v1/memories/batch',
          json: { items: [{ content: 'fine 1' }, { content: 'fine 2' }, { content: 'bad', metadata: nested(7) }] },
        },
        'items.2',
      ],
      ['list limit=1e9', { path: '/v1/memories?limit=1e9' }, 'limit'],
      ['list limit=-1', { path: '/v1/memories?limit=-1' }, 'limit'],
      ['list limit=NaN', { path: '/v1/memories?limit=NaN' }, 'limit'],
      ['list limit=1.5', { path: '/v1/memories?limit=1.5' }, 'limit'],
      ['list limit=0', { path: '/v1/memories?limit=0' }, 'limit'],
      ['search limit 1e9', { method: 'POST', path: '/v1/search', json: { query: 'x', limit: 1e9 } }, 'limit'],
      ['search limit -1', { method: 'POST', path: '/v1/search', json: { query: 'x', limit: -1 } }, 'limit'],
      ['list with a garbage cursor', { path: '/v1/memories?cursor=garbage' }, 'cursor'],
      ['list with an over-long cursor', { path: `/v1/memories?cursor=${'A'.repeat(600)}` }, 'cursor'],
      ['content as a number', { method: 'POST', path: '/v1/memories', json: { content: 42 } }, 'content'],
      ['metadata as an array', { method: 'POST', path: '/v1/memories', json: { content: 'x', metadata: [1, 2] } }, 'metadata'],
      ['metadata as a string', { method: 'POST', path: '/v1/memories', json: { content: 'x', metadata: 'a=1' } }, 'metadata'],
      ['an unknown scope', { method: 'POST', path: '/v1/memories', json: { content: 'x', scope: 'galaxy' } }, 'scope'],
      ['ttlSeconds as a string', { method: 'POST', path: '/v1/memories', json: { content: 'x', ttlSeconds: '10' } }, 'ttlSeconds'],
      ['search query as an object', { method: 'POST', path: '/v1/search', json: { query: { $ne: null } } }, 'query'],
      ['search with an unknown mode', { method: 'POST', path: '/v1/search', json: { query: 'x', mode: 'semantic' } }, 'mode'],
      ['filter as a string', { method: 'POST', path: '/v1/search', json: { query: 'x', filter: "topic = 'a'" } }, 'filter'],
      ['NUL in content', { method: 'POST', path: '/v1/memories', json: { content: 'before\u0000after' } }, 'content'],
      ['NUL in a metadata value', { method: 'POST', path: '/v1/memories', json: { content: 'x', metadata: { k: 'a\u0000' } } }, 'metadata'],
      ['NUL in a metadata key', { method: 'POST', path: '/v1/memories', json: { content: 'x', metadata: { 'k\u0000': 1 } } }, 'metadata'],
      ['NUL in a search query', { method: 'POST', path: '/v1/search', json: { query: 'a\u0000b' } }, 'query'],
      ['NUL in a context query', { method: 'POST', path: '/v1/context', json: { query: 'a\u0000b' } }, 'query'],
      ['NUL in an update', { method: 'PATCH', path: '/v1/memories/{existing}', json: { content: 'x\u0000y' } }, 'content'],
      ['a top-level $ key in a filter', { method: 'POST', path: '/v1/search', json: { query: 'x', filter: { '$.a[0]': 1 } } }, 'filter'],
      ['a $where operator', { method: 'POST', path: '/v1/search', json: { query: 'x', filter: { a: { $where: '1=1' } } } }, 'filter'],
    ];

    it.each(refusals.map(([label, request, field]) => [label, request, field] as const))('%s', async (label, request, field) => {
      const before = await snapshot();
      const path = request.path.replace('{existing}', existing.id);
      expectRefused(await call({ ...request, path }), field, label);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses lone surrogates sent as raw JSON escapes in content, metadata and queries', async () => {
      const before = await snapshot();
      const headers = { 'content-type': 'application/json' };
      const raw: [string, string, string][] = [
        ['/v1/memories', '{"content":"half \\ud800 a pair"}', 'content'],
        ['/v1/memories', '{"content":"low \\udc00 alone"}', 'content'],
        ['/v1/memories', '{"content":"x","metadata":{"k":"\\udfff"}}', 'metadata'],
        ['/v1/memories', '{"content":"x","metadata":{"\\ud800":"v"}}', 'metadata'],
        ['/v1/search', '{"query":"\\ud83d"}', 'query'],
        ['/v1/context', '{"query":"x\\ud800"}', 'query'],
        ['/v1/memories/batch', '{"items":[{"content":"ok"},{"content":"\\ud800"}]}', 'items.1'],
      ];
      for (const [path, rawBody, field] of raw) expectRefused(await call({ method: 'POST', path, headers, rawBody }), field, rawBody);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a batch body over the 2 MiB body limit with 413, storing nothing', async () => {
      const before = await snapshot();
      const items = Array.from({ length: 3 }, (_, index) => ({ content: `${index} ${'z'.repeat(800_000)}` }));
      const response = await call({ method: 'POST', path: '/v1/memories/batch', json: { items } });
      expectProblem(response, 413, 'payload_too_large');
      expect(await snapshot()).toEqual(before);
    });
  });

  it('accepts metadata at the limits exactly: 5 levels and 64 keys round-trip', async () => {
    for (const metadata of [nested(5), manyKeys(64)]) {
      const created = await call({
        method: 'POST',
        path: '/v1/memories',
        json: { content: `at the limit ${JSON.stringify(metadata).length}`, metadata },
      });
      expect(created.status, created.text).toBe(201);
      const id = (created.body as { memory: Memory }).memory.id;
      expect(((await call({ path: `/v1/memories/${id}` })).body as Memory).metadata).toEqual(metadata);
    }
  });

  it('round-trips RTL, combining, emoji, SQL and JSON-path text exactly in content and metadata, and finds it', async () => {
    for (const [index, text] of exactTexts.entries()) {
      const metadata = { text, [text.slice(0, 40) || 'empty']: text, index };
      const created = await call({ method: 'POST', path: '/v1/memories', json: { content: text, metadata } });
      expect(created.status, `${JSON.stringify(text)}: ${created.text}`).toBe(201);
      const memory = (created.body as { memory: Memory; deduplicated: boolean }).memory;
      expect((created.body as { deduplicated: boolean }).deduplicated, JSON.stringify(text)).toBe(false);
      const fetched = (await call({ path: `/v1/memories/${memory.id}` })).body as Memory;
      expect(fetched.content).toBe(text);
      expect(fetched.metadata).toEqual(metadata);
      // The filter language takes the same text literally: exactly this memory matches.
      const filtered = await call({ path: `/v1/memories?${listQuery({ filter: { text } })}` });
      expect(filtered.status, filtered.text).toBe(200);
      expect(
        (filtered.body as Page<Memory>).items.map((item) => item.id),
        JSON.stringify(text),
      ).toEqual([memory.id]);
      for (const mode of ['keyword', 'vector', 'hybrid']) {
        const search = await call({ method: 'POST', path: '/v1/search', json: { query: text, mode, filter: { index } } });
        expectNoServerError(search, `${mode} ${JSON.stringify(text)}`);
        expect(search.status).toBe(200);
      }
    }
  });

  it('matches metadata keys and values full of SQL, LIKE and JSON-path characters literally, never as patterns', async () => {
    const ids = new Map<string, string>();
    for (const character of metacharacters) {
      const created = await call({
        method: 'POST',
        path: '/v1/memories',
        json: { content: `metacharacter ${JSON.stringify(character)}`, metadata: { [character]: character, probe: `x${character}y` } },
      });
      expect(created.status, `${character}: ${created.text}`).toBe(201);
      ids.set(character, (created.body as { memory: Memory }).memory.id);
    }
    for (const character of metacharacters) {
      const byKey = await call({ path: `/v1/memories?${listQuery({ limit: 200, filter: { [character]: character } })}` });
      expect(byKey.status, `${character}: ${byKey.text}`).toBe(200);
      expect(
        (byKey.body as Page<Memory>).items.map((memory) => memory.id),
        character,
      ).toEqual([ids.get(character)]);
      const byValue = await call({
        method: 'POST',
        path: '/v1/search',
        json: { query: 'metacharacter', mode: 'keyword', limit: 100, filter: { probe: { $in: [`x${character}y`] } } },
      });
      expect(byValue.status, `${character}: ${byValue.text}`).toBe(200);
      expect(
        (byValue.body as { hits: { memoryId: string }[] }).hits.map((hit) => hit.memoryId),
        character,
      ).toEqual([ids.get(character)]);
      const exists = await call({ path: `/v1/memories?${listQuery({ limit: 200, filter: { [character]: { $exists: true } } })}` });
      expect(
        (exists.body as Page<Memory>).items.map((memory) => memory.id),
        character,
      ).toEqual([ids.get(character)]);
    }
    // A LIKE pattern as a value matches nothing: `x%y` is no memory's probe.
    const pattern = await call({ path: `/v1/memories?${listQuery({ filter: { probe: 'x%' } })}` });
    expect((pattern.body as Page<Memory>).items).toEqual([]);
  });

  /** A cursor in the API's own format, but positioned at something that is not a memory id. */
  const forgedCursor = Buffer.from(JSON.stringify({ after: "'; DROP TABLE memories; --" })).toString('base64url');

  // A well-encoded cursor whose position is not a memory id once reached PostgreSQL (SQLSTATE 22P02, a 500).
  // Nothing was injected (it is a bind parameter), but a caller-made value must never yield a 5xx.
  it('refuses a forged cursor whose position is not a memory id with 400 naming cursor', async () => {
    expectRefused(await call({ path: `/v1/memories?${listQuery({ cursor: forgedCursor })}` }), 'cursor', 'forged memories cursor');
  });

  it('answers a forged cursor on the key and tenant listings without a 5xx', async () => {
    expectNoServerError(await call({ path: `/v1/keys?${listQuery({ cursor: forgedCursor })}` }, adminKey), 'keys');
    expectNoServerError(
      await send(server.url, { path: `/v1/tenants?${listQuery({ cursor: forgedCursor })}`, key: server.adminKey }),
      'tenants',
    );
  });

  // Filter strings with NUL or lone surrogates (which stored metadata refuses) once reached PostgreSQL as jsonb
  // and failed with SQLSTATE 22P05 (a 500); the filter parser now refuses them like metadata does.
  const badFilters: [string, string][] = [
    ['NUL in a filter value', '{"k":"a\\u0000b"}'],
    ['NUL in a filter key', '{"k\\u0000":1}'],
    ['NUL in an $in list', '{"k":{"$in":["\\u0000"]}}'],
    ['a lone surrogate in a filter value', '{"k":"\\ud800"}'],
  ];
  it.each(badFilters)('refuses %s on search and list without a 5xx', async (label, rawFilter) => {
    const headers = { 'content-type': 'application/json' };
    const search = await call({ method: 'POST', path: '/v1/search', headers, rawBody: `{"query":"x","filter":${rawFilter}}` });
    const list = await call({ path: `/v1/memories?filter=${encodeURIComponent(rawFilter)}` });
    expectNoServerError(search, `search: ${label}`);
    expectNoServerError(list, `list: ${label}`);
  });

  it('answers a lone surrogate in a filter key without a 5xx, and refuses a filter on context (not a context field)', async () => {
    const headers = { 'content-type': 'application/json' };
    const before = await snapshot();
    expectNoServerError(
      await call({ method: 'POST', path: '/v1/search', headers, rawBody: '{"query":"x","filter":{"\\udc00":true}}' }),
      'search',
    );
    expectNoServerError(await call({ path: `/v1/memories?filter=${encodeURIComponent('{"\\udc00":true}')}` }), 'list');
    const context = await call({ method: 'POST', path: '/v1/context', headers, rawBody: '{"query":"x","filter":{"k":"a\\u0000b"}}' });
    expectRefused(context, 'filter', 'context filter');
    expect(await snapshot()).toEqual(before);
  });

  // A client that sends part of a request and stalls once held `close()` (and so SIGTERM of `strata serve`)
  // for Node's own timeouts: 72.8 s for partial headers, over 150 s for a partial body (slowloris). close()
  // now cuts such connections once the request timeout has passed.
  it('closes within the request timeout while a client holds a half-sent request', async () => {
    const strata = await target.open();
    const stalled = createServer({ strata, requestTimeoutMs: 1_000, log: () => {} });
    const port = Number(new URL(await stalled.listen({ host: '127.0.0.1', port: 0 })).port);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolveConnect) => socket.on('connect', resolveConnect));
    socket.write('POST /v1/search HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query"');
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    const closing = stalled.close();
    try {
      const outcome = await Promise.race([
        closing.then(() => 'closed'),
        new Promise((resolveWait) => setTimeout(() => resolveWait('still open after 4 s'), 4_000)),
      ]);
      expect(outcome).toBe('closed');
    } finally {
      // Letting the client go ends the wait either way, so nothing outlives the test.
      socket.destroy();
      await closing;
      await strata.close();
    }
  });

  describe('fuzzed bodies', () => {
    const scalarEdge = fc.oneof(
      fc.constantFrom(null, true, false, 0, -1, 1.5, 1e9, -1e308, '', ' ', '\u0000', 'NaN', '$gt', "'", '%', '1e9', '{}', '[]'),
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.double(),
    );
    const edgeValue = fc.oneof(
      scalarEdge,
      fc.array(scalarEdge, { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 6 }), scalarEdge, { maxKeys: 3 }),
    );
    /** An object of the route's real field names, each holding a wrong-typed or edge value (or a plausible one). */
    const fieldsOf = (names: readonly string[], plausible: fc.Arbitrary<Record<string, unknown>>) =>
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        plausible,
        fc.record(Object.fromEntries(names.map((name) => [name, edgeValue])), { requiredKeys: [] }),
        fc.tuple(plausible, fc.constantFrom(...names), edgeValue).map(([base, name, value]) => ({ ...base, [name]: value })),
      );
    const memoryFields = ['content', 'scope', 'documentType', 'metadata', 'agentId', 'conversationId', 'expiresAt', 'ttlSeconds'];
    const plausibleMemory = fc.record(
      {
        content: fc.string({ minLength: 1, maxLength: 30 }).map((text) => `fuzz ${text}`),
        scope: fc.constantFrom('customer', 'user', 'world', 'client'),
        metadata: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
        agentId: fc.constantFrom('agent-1', 'a:b', 'a b'),
        ttlSeconds: fc.integer({ min: -5, max: 100_000 }),
      },
      { requiredKeys: ['content'] },
    );
    const searchFields = ['query', 'mode', 'limit', 'scopes', 'documentType', 'agentId', 'conversationId', 'filter'];
    const plausibleSearch = fc.record(
      {
        query: fc.string({ minLength: 1, maxLength: 30 }),
        mode: fc.constantFrom('vector', 'keyword', 'hybrid', 'other'),
        limit: fc.integer({ min: -2, max: 120 }),
        scopes: fc.array(fc.constantFrom('user', 'customer', 'client', 'world', 'x'), { maxLength: 5 }),
        filter: fc.dictionary(fc.string({ maxLength: 5 }), edgeValue, { maxKeys: 3 }),
      },
      { requiredKeys: ['query'] },
    );
    const routes: { name: string; method: 'POST' | 'PATCH'; path: () => string; body: fc.Arbitrary<unknown>; key: () => string }[] = [
      {
        name: 'POST /v1/memories',
        method: 'POST',
        path: () => '/v1/memories',
        body: fieldsOf(memoryFields, plausibleMemory),
        key: () => memberKey,
      },
      {
        name: 'POST /v1/memories/batch',
        method: 'POST',
        path: () => '/v1/memories/batch',
        body: fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({ items: fc.array(fieldsOf(memoryFields, plausibleMemory), { maxLength: 4 }) }),
          fc.record({ items: edgeValue }),
        ),
        key: () => memberKey,
      },
      {
        name: 'PATCH /v1/memories/{id}',
        method: 'PATCH',
        path: () => `/v1/memories/${existing.id}`,
        body: fieldsOf(
          ['content', 'documentType', 'metadata', 'expiresAt'],
          plausibleMemory.map(({ content, metadata }) => ({ content, metadata })),
        ),
        key: () => memberKey,
      },
      {
        name: 'POST /v1/search',
        method: 'POST',
        path: () => '/v1/search',
        body: fieldsOf(searchFields, plausibleSearch),
        key: () => memberKey,
      },
      {
        name: 'POST /v1/context',
        method: 'POST',
        path: () => '/v1/context',
        body: fieldsOf([...searchFields, 'tokenBudget', 'recentTurns'], plausibleSearch),
        key: () => memberKey,
      },
      {
        name: 'POST /v1/users',
        method: 'POST',
        path: () => '/v1/users',
        body: fieldsOf(
          ['id', 'role', 'metadata'],
          fc.record({ id: fc.string({ minLength: 1, maxLength: 12 }), role: fc.constantFrom('admin', 'member', 'reader', 'platform') }),
        ),
        key: () => adminKey,
      },
      {
        name: 'POST /v1/keys',
        method: 'POST',
        path: () => '/v1/keys',
        body: fieldsOf(
          ['role', 'tenantId', 'userId', 'clientId', 'name', 'expiresAt', 'ttlSeconds'],
          fc.record({
            role: fc.constantFrom('admin', 'member', 'reader', 'platform'),
            name: fc.string({ maxLength: 10 }),
            ttlSeconds: fc.integer(),
          }),
        ),
        key: () => adminKey,
      },
    ];

    // Hostile encodings and values the JSON generators above never produce: nesting thousands of
    // levels deep, bytes that are not UTF-8, other charsets, dates PostgreSQL cannot hold.
    const invalidUtf8 = fc.constantFrom(
      [0x80],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xff],
      [0xc3],
    );
    const rawRequests: fc.Arbitrary<{ label: string; request: HttpRequest }> = fc.oneof(
      fc.tuple(fc.integer({ min: 6, max: 8_000 }), fc.constantFrom('{"a":', '[', '{"$and":[')).map(([depth, opener]) => {
        const closer = opener === '[' ? ']' : opener === '{"a":' ? '}' : ']}';
        const deep = `${opener.repeat(depth)}1${closer.repeat(depth)}`;
        return {
          label: `nested ${depth} ${opener}`,
          request: { method: 'POST' as const, path: '/v1/memories', headers: json, rawBody: `{"content":"d","metadata":{"k":${deep}}}` },
        };
      }),
      fc.tuple(invalidUtf8, fc.constantFrom('content', 'metadata-key', 'query')).map(([bytes, place]) => {
        const [before, after] =
          place === 'content'
            ? ['{"content":"x', '"}']
            : place === 'metadata-key'
              ? ['{"content":"x","metadata":{"', '":1}}']
              : ['{"query":"', '"}'];
        return {
          label: `bytes ${bytes.join(',')} in ${place}`,
          request: {
            method: 'POST' as const,
            path: place === 'query' ? '/v1/search' : '/v1/memories',
            headers: json,
            rawBody: Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]),
          },
        };
      }),
      fc.constantFrom('latin1', 'iso-8859-1', 'utf-16', 'windows-1252', '"shift_jis"', 'ascii').map((charset) => ({
        label: `charset ${charset}`,
        request: {
          method: 'POST' as const,
          path: '/v1/memories',
          headers: { 'content-type': `application/json; charset=${charset}` },
          rawBody: '{"content":"x"}',
        },
      })),
      fc
        .tuple(
          fc.constantFrom('from', 'to'),
          fc.constantFrom('0000-01-01', '0000-12-31', '0000-06-15T12:00:00Z', '9999-12-31', '9999-12-31T23:59:59Z', '0001-01-01'),
        )
        .map(([field, value]) => ({ label: `audit ${field}=${value}`, request: { path: `/v1/audit?${field}=${value}` } })),
      fc.constantFrom('0000-01-01T00:00:00Z', '0000-12-31T23:59:59+01:00', '9999-12-31T23:59:59Z').map((expiresAt) => ({
        label: `expiresAt ${expiresAt}`,
        request: { method: 'POST' as const, path: '/v1/memories', json: { content: 'dated', expiresAt } },
      })),
    );

    it('hostile encodings, nesting and dates: never 5xx; a 4xx is a typed problem and writes nothing', async () => {
      await fc.assert(
        fc.asyncProperty(rawRequests, async ({ label, request }) => {
          const before = await snapshot();
          const response = await call(request, request.path.startsWith('/v1/audit') ? adminKey : memberKey);
          expectNoServerError(response, label);
          if (response.status >= 400) expect(await snapshot(), label).toEqual(before);
        }),
        { numRuns: 60, seed: 20_261_203 },
      );
    });

    it.each(routes.map((route) => [route.name, route] as const))(
      '%s: never 5xx; a 4xx is a typed problem and writes nothing',
      async (name, route) => {
        await fc.assert(
          fc.asyncProperty(route.body, async (body) => {
            const before = await snapshot();
            const response = await call({ method: route.method, path: route.path(), json: body }, route.key());
            expectNoServerError(response, `${name} ${JSON.stringify(body)}`);
            if (response.status >= 400) {
              const after = await snapshot();
              expect(after.memories, `${name} ${JSON.stringify(body)}`).toEqual(before.memories);
              expect(after.users).toEqual(before.users);
              expect(after.keys).toEqual(before.keys);
            }
          }),
          { numRuns: 60, seed: 20_251_123 },
        );
      },
    );
  });
});
