// `strata serve` is SIGKILLed while its extraction worker waits on the model; after a restart every
// job ends done (or failed), none is lost, and no fact is stored twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStrataClient, type StrataClient } from '../../src/client/index.ts';
import type { ExtractionJob } from '../../src/index.ts';
import { type ChatCompletionsServer, startChatCompletionsServer } from '../../src/testing/index.ts';
import { type ServeStore, startServe } from '../support/serve-process.ts';
import { createServerDatabase, dropServerDatabases, serverUrl } from '../support/stores.ts';

const kinds: Array<{ name: string; store: () => Promise<ServeStore> }> = [
  { name: 'pglite', store: async () => ({ dataDir: mkdtempSync(join(tmpdir(), 'strata-extract-crash-')) }) },
  ...(serverUrl === undefined ? [] : [{ name: 'postgres', store: async () => ({ databaseUrl: await createServerDatabase() }) }]),
];
if (serverUrl === undefined)
  console.warn('extraction crash test: STRATA_TEST_DATABASE_URL is not set, the PostgreSQL server kind is skipped');

const jobCount = 6;

async function allJobs(client: StrataClient): Promise<ExtractionJob[]> {
  return (await client.conversations.listJobs({ limit: 100 })).items;
}

describe('kill -9 of strata serve during extraction', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await dropServerDatabases();
  });

  for (const kind of kinds) {
    it(`[${kind.name}] retries the interrupted jobs: every job done, none lost, no fact twice`, async () => {
      // Each answer takes 400 ms and adds one fact named after the message's marker.
      const llm: ChatCompletionsServer = await startChatCompletionsServer({
        latencyMs: 400,
        respond: (call) => {
          const marker = /marker(\d+)/.exec(String(call.body.messages.at(-1)?.content))?.[1] ?? 'none';
          return { json: { decisions: [{ action: 'ADD', text: `Owns bicycle number ${marker}` }] } };
        },
      });
      cleanups.push(() => llm.close());
      const env = {
        STRATA_LLM_URL: llm.url,
        STRATA_LLM_MODEL: 'stub-chat',
        STRATA_EXTRACTION_LEASE_MS: '1500',
        STRATA_EXTRACTION_CONCURRENCY: '2',
      };
      const store = await kind.store();
      if ('dataDir' in store) cleanups.push(() => rmSync(store.dataDir, { recursive: true, force: true }));
      let served = await startServe(store, { env });
      cleanups.push(() => served.kill());
      const operatorKey = served.printedKey;
      if (operatorKey === undefined) throw new Error(`no operator key printed:\n${served.output()}`);
      const operator = createStrataClient({ baseUrl: served.url, apiKey: operatorKey });
      await operator.tenants.create({ id: 'crashx', settings: { extraction: { policy: 'full' } } });
      const { secret } = await operator.keys.create({ tenantId: 'crashx', role: 'member', userId: 'uma' });
      const uma = createStrataClient({ baseUrl: served.url, apiKey: secret });
      const thread = await uma.conversations.create();
      for (let index = 0; index < jobCount; index += 1) {
        const added = await uma.conversations.addMessages(thread.id, [{ role: 'user', content: `I bought a bike, marker${index}` }]);
        expect(added.extraction.status).toBe('queued');
      }
      // Kill once the worker is waiting on the model.
      while (llm.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await served.kill();
      const before = await (async () => {
        served = await startServe(store, { env });
        return createStrataClient({ baseUrl: served.url, apiKey: secret });
      })();

      let jobs = await allJobs(before);
      for (let waited = 0; jobs.some((job) => job.status !== 'done' && job.status !== 'failed'); waited += 1) {
        if (waited > 600) throw new Error(`jobs did not settle: ${JSON.stringify(jobs.map((job) => job.status))}\n${served.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        jobs = await allJobs(before);
      }
      expect(jobs).toHaveLength(jobCount);
      expect(jobs.map((job) => job.status)).toEqual(Array.from({ length: jobCount }, () => 'done'));
      // The job the kill interrupted ran again.
      expect(jobs.some((job) => job.attempts >= 2)).toBe(true);
      const facts = (await before.memories.list({ documentType: 'fact', limit: 100 })).items;
      expect(facts.map((fact) => fact.content).sort()).toEqual(
        Array.from({ length: jobCount }, (_, index) => `Owns bicycle number ${index}`).sort(),
      );
      // Each fact belongs to exactly one job, and each job's result names the fact it stored.
      const claimed = jobs.flatMap((job) => job.result?.added ?? []);
      expect(claimed.sort()).toEqual(facts.map((fact) => fact.id).sort());
      for (const fact of facts) expect(jobs.map((job) => job.id)).toContain(fact.source?.kind === 'extraction' ? fact.source.jobId : null);
      await served.kill();
    }, 120_000);
  }
});
