// `strata serve` is SIGKILLed at seeded random points while concurrent writers send batches; after each restart every
// acknowledged batch must be whole, no batch half-applied, and search must agree with what the table holds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../bench/lib/random.ts';
import { createStrataClient, type StrataClient } from '../../src/client/index.ts';
import { type CreateMemoryInput, type Memory, StrataError } from '../../src/index.ts';
import { listAllMemories } from '../support/list-all.ts';
import { type ServeProcess, type ServeStore, startServe } from '../support/serve-process.ts';
import { createServerDatabase, dropServerDatabases, serverUrl } from '../support/stores.ts';
import { readCounters } from './support/crash-counters.ts';

// Reproduce a failing run with STRATA_CRASH_SEED=<the printed seed>.
const baseSeed = Number(process.env.STRATA_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const killRounds = 3;
const writerCount = 4;
const tenantId = 'crash';

interface Batch {
  id: string;
  items: CreateMemoryInput[];
  /** Memory ids from the 2xx answer; `undefined` when the write was never acknowledged. */
  acknowledgedIds: string[] | undefined;
}

const vocabulary = ['harbour', 'invoice', 'lantern', 'orbit', 'pepper', 'quartz', 'ribbon', 'saddle', 'timber', 'velvet', 'walnut'];

function makeBatch(id: string, random: () => number): Batch {
  const size = 20 + Math.floor(random() * 31);
  const items = Array.from({ length: size }, (_, index) => {
    const words = Array.from({ length: 6 }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
    // The marker token is unique per item, so a keyword search for the content finds exactly this memory.
    return { content: `mark${id}x${index} ${words}`, metadata: { batch: id, index } };
  });
  return { id, items, acknowledgedIds: undefined };
}

/**
 * Runs concurrent batch writers against `served` and SIGKILLs it after `killDelayMs`. Errors seen
 * before the kill are returned: a healthy service must not fail a valid batch.
 */
async function writeUntilKilled(
  served: ServeProcess,
  client: StrataClient,
  batches: Batch[],
  round: number,
  random: () => number,
  killDelayMs: number,
) {
  let killing = false;
  const errorsBeforeKill: string[] = [];
  const writer = async (writerIndex: number) => {
    for (let sequence = 0; !killing; sequence++) {
      const batch = makeBatch(`r${round}w${writerIndex}b${sequence}`, random);
      batches.push(batch);
      try {
        const results = await client.memories.createMany(batch.items, { idempotencyKey: `batch-${batch.id}` });
        batch.acknowledgedIds = results.map((result) => result.memory.id);
      } catch (error) {
        if (!killing) errorsBeforeKill.push(`${batch.id}: ${error instanceof StrataError ? error.code : String(error)}`);
        return;
      }
    }
  };
  const writers = Array.from({ length: writerCount }, (_, index) => writer(index));
  await new Promise((resolveWait) => setTimeout(resolveWait, killDelayMs));
  killing = true;
  await served.kill();
  await Promise.all(writers);
  return errorsBeforeKill;
}

/** The checks every restart must pass: acknowledged batches whole, no batch partial, search agrees with the table. */
async function verifyAfterRestart(client: StrataClient, batches: Batch[], random: () => number): Promise<void> {
  const memories = await listAllMemories(client);
  const byBatch = new Map<string, Memory[]>();
  for (const memory of memories) {
    const batchId = String(memory.metadata.batch);
    byBatch.set(batchId, [...(byBatch.get(batchId) ?? []), memory]);
  }
  let accounted = 0;
  let committedUnacknowledged = 0;
  for (const batch of batches) {
    const stored = byBatch.get(batch.id) ?? [];
    if (batch.acknowledgedIds !== undefined) {
      expect(stored.map((memory) => memory.id).sort(), `acknowledged batch ${batch.id}`).toEqual([...batch.acknowledgedIds].sort());
    } else {
      expect([0, batch.items.length], `unacknowledged batch ${batch.id} is all or nothing`).toContain(stored.length);
      if (stored.length > 0) committedUnacknowledged += 1;
    }
    accounted += stored.length;
  }
  expect(memories.length, 'every listed memory belongs to a known batch').toBe(accounted);
  const unacknowledged = batches.filter((batch) => batch.acknowledgedIds === undefined).length;
  console.log(
    `  after restart: ${memories.length} memories; ${committedUnacknowledged}/${unacknowledged} unacknowledged batches had committed`,
  );
  expect(new Set(memories.map((memory) => memory.id)).size).toBe(memories.length);

  const sample = Array.from({ length: Math.min(12, memories.length) }, () => memories[Math.floor(random() * memories.length)]);
  for (const [index, memory] of sample.entries()) {
    if (memory === undefined) continue;
    const mode = index % 2 === 0 ? 'keyword' : 'vector';
    const { hits } = await client.search({ query: memory.content, mode, limit: 10 });
    expect(
      hits.map((hit) => hit.memoryId),
      `${mode} search for ${memory.content}`,
    ).toContain(memory.id);
  }

  // A retry with the same idempotency key settles every unacknowledged batch and repeats a sample of acknowledged ones.
  for (const batch of batches) {
    if (batch.acknowledgedIds !== undefined && random() > 0.2) continue;
    const storedIds = (byBatch.get(batch.id) ?? []).map((memory) => memory.id).sort();
    const retried = await client.memories.createMany(batch.items, { idempotencyKey: `batch-${batch.id}` });
    const retriedIds = retried.map((result) => result.memory.id).sort();
    if (storedIds.length > 0) expect(retriedIds, `retry of stored batch ${batch.id}`).toEqual(storedIds);
    batch.acknowledgedIds = retried.map((result) => result.memory.id);
  }
  const settled = await listAllMemories(client);
  expect(settled.length).toBe(batches.reduce((total, batch) => total + batch.items.length, 0));
}

interface StoreKind {
  name: 'pglite' | 'postgres';
  store(): Promise<ServeStore>;
}

const pgliteKind: StoreKind = { name: 'pglite', store: async () => ({ dataDir: mkdtempSync(join(tmpdir(), 'strata-crash-')) }) };
const postgresKind: StoreKind = { name: 'postgres', store: async () => ({ databaseUrl: await createServerDatabase() }) };

const kinds = serverUrl === undefined ? [pgliteKind] : [pgliteKind, postgresKind];
if (serverUrl === undefined) console.warn('crash test: STRATA_TEST_DATABASE_URL is not set, the PostgreSQL server kind is skipped');

describe('kill -9 during concurrent batch writes', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await dropServerDatabases();
  });

  for (const [kindIndex, kind] of kinds.entries()) {
    it(`[${kind.name}] keeps acknowledged batches whole and never half-applies one`, async () => {
      const seed = baseSeed + kindIndex;
      console.log(`crash test [${kind.name}]: seed ${seed} (rerun with STRATA_CRASH_SEED=${baseSeed})`);
      // Kill points get their own generator: how many batches the writers make depends on timing, the kill points must not.
      const killRandom = createRandom(seed);
      const random = createRandom(seed ^ 0x5bd1e995);
      const store = await kind.store();
      if ('dataDir' in store) cleanups.push(() => rmSync(store.dataDir, { recursive: true, force: true }));
      let served = await startServe(store);
      cleanups.push(() => served.kill());
      const operatorKey = served.printedKey;
      if (operatorKey === undefined) throw new Error(`no operator key printed:\n${served.output()}`);
      const operator = createStrataClient({ baseUrl: served.url, apiKey: operatorKey });
      await operator.tenants.create({ id: tenantId });
      const { secret } = await operator.keys.create({ tenantId, role: 'member' });

      const batches: Batch[] = [];
      for (let round = 0; round < killRounds; round++) {
        const killDelayMs = 300 + Math.floor(killRandom() * 1200);
        const writer = createStrataClient({ baseUrl: served.url, apiKey: secret, timeoutMs: 20_000 });
        const errorsBeforeKill = await writeUntilKilled(served, writer, batches, round, random, killDelayMs);
        const acknowledged = batches.filter((batch) => batch.acknowledgedIds !== undefined).length;
        console.log(
          `crash test [${kind.name}] round ${round}: killed after ${killDelayMs} ms, ${acknowledged}/${batches.length} batches acknowledged`,
        );
        expect(errorsBeforeKill).toEqual([]);
        served = await startServe(store);
        const reader = createStrataClient({ baseUrl: served.url, apiKey: secret });
        await verifyAfterRestart(reader, batches, random);
      }

      // One more kill while idle, then the counters the writes kept must match the rows they counted.
      await served.kill();
      const counters = await readCounters(store, tenantId);
      expect(counters).toEqual({
        usage: counters.rows,
        rows: batches.reduce((total, batch) => total + batch.items.length, 0),
        orphanChunks: 0,
      });
    }, 90_000);
  }
});
