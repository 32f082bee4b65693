import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStrataClient } from '../../src/client/index.ts';
import { createHashEmbedder, type EmbeddingProvider } from '../../src/index.ts';
import { createServer, type StrataServer } from '../../src/server/index.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { listAllMemories } from '../support/list-all.ts';
import { describeEachStore } from '../support/stores.ts';
import { expectProblem, send } from './http-helpers.ts';

describeEachStore('request timeouts', (target) => {
  let hasty: TestServer;
  let patient: StrataServer;
  let patientUrl: string;
  let userKey: string;
  beforeAll(async () => {
    // An embedder that takes 50 ms per call (a slow remote model), and two servers on one store:
    // one gives requests 5 ms, the other the default. PGlite runs in the event loop's thread, so
    // the time has to pass somewhere that yields: here, in the embedding call.
    const hash = createHashEmbedder();
    const slowEmbedder: EmbeddingProvider = {
      model: hash.model,
      dimensions: hash.dimensions,
      embed: async (texts, options) => {
        await new Promise((resolveWait) => setTimeout(resolveWait, 50));
        return hash.embed(texts, options);
      },
    };
    hasty = await startTestServer(target, { store: { embedder: slowEmbedder }, server: { requestTimeoutMs: 5 } });
    patient = createServer({ strata: hasty.strata });
    patientUrl = await patient.listen({ port: 0 });
    await hasty.strata.tenants.create({ id: 'acme' });
    userKey = (await hasty.strata.keys.create({ tenantId: 'acme', userId: 'john' })).secret;
  });
  afterAll(async () => {
    await patient.close();
    await hasty.close();
  });

  it('answers 504 timeout past the limit; the work goes on, and a retry with the same idempotency key stores the batch once', async () => {
    const items = Array.from({ length: 500 }, (_, index) => ({ content: `slow batch item ${index} ${'padding '.repeat(30)}` }));
    const slow = await send(hasty.url, {
      method: 'POST',
      path: '/v1/memories/batch',
      key: userKey,
      headers: { 'idempotency-key': 'batch-1' },
      json: { items },
    });
    expectProblem(slow, 504, 'timeout');
    // The outcome of a timed-out write is unknown to the caller; the retry settles it.
    const john = createStrataClient({ baseUrl: patientUrl, apiKey: userKey });
    const retried = await john.memories.createMany(items, { idempotencyKey: 'batch-1' });
    expect(retried).toHaveLength(500);
    expect(new Set(retried.map((result) => result.memory.id)).size).toBe(500);
    const stored = await listAllMemories(john);
    expect(stored.filter((memory) => memory.content.startsWith('slow batch item'))).toHaveLength(500);
  });
});
