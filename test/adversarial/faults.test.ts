// Faults outside Strata: an embedding provider stalling mid-ingest, PostgreSQL restarted or dropping a connection
// under load (on a cluster of our own, never the shared test server), and a second process on a PGlite directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrataClient, type StrataClient } from '../../src/client/index.ts';
import { createOpenAIEmbedder, createStrata, type Strata, StrataError } from '../../src/index.ts';
import { createServer } from '../../src/server/index.ts';
import { startEmbeddingsServer } from '../../src/testing/index.ts';
import { listAllMemories } from '../support/list-all.ts';
import { startServe } from '../support/serve-process.ts';
import { describeEachStore, serverUrl } from '../support/stores.ts';
import { readCounters } from './support/crash-counters.ts';
import { clusterUnavailableReason, startTemporaryCluster, type TemporaryCluster } from './support/fault-postgres-cluster.ts';
import { recordingUncaught } from './support/fault-uncaught.ts';

const binPath = resolve(import.meta.dirname, '..', '..', 'bin', 'strata.js');

/** The code a failed call carries: the StrataError's, or the error's name for anything untyped. */
function codeOf(error: unknown): string {
  return error instanceof StrataError ? error.code : `untyped ${error instanceof Error ? error.name : typeof error}`;
}

describeEachStore('an embedding provider timing out mid-ingest', (target) => {
  it('fails with a typed retryable error, stores nothing, and a retry with the same idempotency key stores the batch once', async () => {
    const embeddings = await startEmbeddingsServer({ dimensions: 64 });
    // Stall every request after the first of an ingest: the provider dies mid-batch, past the embedder's timeout.
    let stalling = false;
    let requestsInIngest = 0;
    const stallingFetch: typeof fetch = (input, init) => {
      requestsInIngest += 1;
      embeddings.setDelay(stalling && requestsInIngest > 1 ? 10_000 : 0);
      return fetch(input, init);
    };
    const embedder = createOpenAIEmbedder({
      baseUrl: embeddings.url,
      model: 'stub',
      dimensions: 64,
      batchSize: 8,
      timeoutMs: 300,
      maxRetries: 1,
      retryBaseDelayMs: 10,
      fetch: stallingFetch,
    });
    const location = await target.location();
    const store = location.dataDir !== undefined ? { dataDir: location.dataDir } : { databaseUrl: location.databaseUrl ?? '' };
    const strata = await createStrata({ ...location, embedder });
    const server = createServer({ strata });
    try {
      const url = await server.listen({ host: '127.0.0.1', port: 0 });
      await strata.tenants.create({ id: 'ingest' });
      const { secret } = await strata.keys.create({ tenantId: 'ingest', role: 'member' });
      const client = createStrataClient({ baseUrl: url, apiKey: secret });
      // One long document among short memories, so chunks (rows with a parent) are part of the batch.
      const longDocument = Array.from(
        { length: 60 },
        (_, index) => `Section ${index} of the lighthouse manual covers lens number ${index}.`,
      ).join(' ');
      const items = [
        { content: longDocument, documentType: 'document' },
        ...Array.from({ length: 19 }, (_, index) => ({ content: `ingest note ${index} about tide table ${index * 7}` })),
      ];

      stalling = true;
      requestsInIngest = 0;
      const started = Date.now();
      const failure = await client.memories.createMany(items, { idempotencyKey: 'ingest-1' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StrataError);
      expect(['timeout', 'unavailable']).toContain((failure as StrataError).code);
      expect((failure as StrataError).status).toBe((failure as StrataError).code === 'timeout' ? 504 : 503);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(requestsInIngest).toBeGreaterThan(1);
      expect(await listAllMemories(client)).toEqual([]);

      // The provider recovers; the same key now stores the batch, and a further retry adds nothing.
      stalling = false;
      const stored = await client.memories.createMany(items, { idempotencyKey: 'ingest-1' });
      expect(stored).toHaveLength(items.length);
      const again = await client.memories.createMany(items, { idempotencyKey: 'ingest-1' });
      expect(again.map((result) => result.memory.id)).toEqual(stored.map((result) => result.memory.id));
      const listed = await listAllMemories(client);
      expect(listed.map((memory) => memory.id).sort()).toEqual(stored.map((result) => result.memory.id).sort());
      const document = stored[0]?.memory;
      expect(document?.chunkCount).toBeGreaterThan(1);
      const { hits } = await client.search({ query: 'lens number 57', mode: 'keyword', limit: 5 });
      expect(hits[0]).toMatchObject({ memoryId: document?.id, chunk: { documentId: document?.id } });
    } finally {
      await server.close();
      await strata.close();
      await embeddings.close();
    }
    // Nothing orphaned: the usage counter equals the stored rows, and every chunk has its parent.
    expect(await readCounters(store, 'ingest')).toEqual({ usage: 20, rows: 20, orphanChunks: 0 });
    if (store.dataDir !== undefined) rmSync(store.dataDir, { recursive: true, force: true });
  });
});

interface Outcome {
  operation: 'search' | 'create' | 'list';
  startedAt: number;
  endedAt: number;
  /** `ok`, or the error code the client saw. */
  code: string;
  batch?: { key: string; items: Array<{ content: string }> };
}

/** Opens a tenant with a member key on `strata` and returns a client for it. */
async function memberClient(strata: Strata, url: string): Promise<StrataClient> {
  await strata.tenants.create({ id: 'load' });
  const { secret } = await strata.keys.create({ tenantId: 'load', role: 'member' });
  return createStrataClient({ baseUrl: url, apiKey: secret, timeoutMs: 10_000 });
}

/** Holds an exclusive lock on `memories` from a side connection until `release`, and finds the Strata backend waiting on it. */
async function blockMemories(databaseUrl: string) {
  const side = new pg.Client({ connectionString: databaseUrl });
  side.on('error', () => undefined);
  await side.connect();
  await side.query('BEGIN');
  await side.query('LOCK TABLE memories IN ACCESS EXCLUSIVE MODE');
  return {
    async waitingBackend(): Promise<number> {
      for (let attempt = 0; attempt < 200; attempt++) {
        const { rows } = await side.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        );
        if (rows[0] !== undefined) return rows[0].pid;
        await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      }
      throw new Error('no backend waited on the lock');
    },
    terminate: (pid: number) => side.query('SELECT pg_terminate_backend($1)', [pid]),
    release: () => side.end().catch(() => undefined),
  };
}

describe('PostgreSQL failing under load (a temporary cluster of our own)', () => {
  const skipReason = serverUrl === undefined ? 'STRATA_TEST_DATABASE_URL is not set (server tier only)' : clusterUnavailableReason();
  if (skipReason !== undefined) console.warn(`skipping 'PostgreSQL failing under load': ${skipReason}`);
  let cluster: TemporaryCluster | undefined;
  beforeAll(async () => {
    if (skipReason === undefined) cluster = await startTemporaryCluster();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it.skipIf(skipReason !== undefined)(
    'answers 503 unavailable during a restart, never hangs, and recovers without restarting Strata',
    async () => {
      if (cluster === undefined) throw new Error('no cluster');
      const running = cluster;
      const strata = await createStrata({ databaseUrl: await running.database('restart_load'), poolSize: 4 });
      const server = createServer({ strata, requestTimeoutMs: 5_000 });
      const url = await server.listen({ host: '127.0.0.1', port: 0 });
      const client = await memberClient(strata, url);
      await client.memories.createMany([{ content: 'seed memory about harbour cranes' }, { content: 'seed memory about night ferries' }]);

      const outcomes: Outcome[] = [];
      let stopping = false;
      let batchCounter = 0;
      const call = async (operation: Outcome['operation'], work: () => Promise<unknown>, batch?: Outcome['batch']) => {
        const startedAt = Date.now();
        let code = 'ok';
        await work().catch((error: unknown) => {
          code = codeOf(error);
        });
        outcomes.push({ operation, startedAt, endedAt: Date.now(), code, ...(batch === undefined ? {} : { batch }) });
        // A failing call returns at once; pause so a worker does not spin on a dead database.
        await new Promise((resolveWait) => setTimeout(resolveWait, code === 'ok' ? 5 : 50));
      };
      const loop = async (step: () => Promise<void>) => {
        while (!stopping) await step();
      };
      // Uncaught exceptions are recorded rather than left to crash the run: there must be none.
      const { result: timeline, uncaught } = await recordingUncaught(async () => {
        const workers = [
          loop(() => call('search', () => client.search({ query: 'harbour ferries', mode: 'hybrid', limit: 5 }))),
          loop(() => call('list', () => client.memories.list({ limit: 20 }))),
          loop(() => {
            batchCounter += 1;
            const batch = {
              key: `load-${batchCounter}`,
              items: [0, 1, 2].map((index) => ({ content: `load batch ${batchCounter} item ${index} about cargo` })),
            };
            return call('create', () => client.memories.createMany(batch.items, { idempotencyKey: batch.key }), batch);
          }),
        ];
        await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
        const crashAt = Date.now();
        await running.crash();
        const downAt = Date.now();
        await new Promise((resolveWait) => setTimeout(resolveWait, 1_500));
        const readyDuringOutage = (await fetch(`${url}/readyz`)).status;
        const restartingAt = Date.now();
        await running.start();
        const upAt = Date.now();
        await new Promise((resolveWait) => setTimeout(resolveWait, 3_000));
        stopping = true;
        await Promise.all(workers);
        return { crashAt, downAt, restartingAt, upAt, readyDuringOutage, readyAfter: (await fetch(`${url}/readyz`)).status };
      });

      try {
        const { crashAt, downAt, restartingAt, upAt } = timeline;
        const summarize = (selected: Outcome[]) => {
          const counts: Record<string, number> = {};
          for (const outcome of selected) {
            const name = `${outcome.operation}:${outcome.code}`;
            counts[name] = (counts[name] ?? 0) + 1;
          }
          return counts;
        };
        const before = outcomes.filter((outcome) => outcome.endedAt < crashAt);
        const inFlightAtCrash = outcomes.filter((outcome) => outcome.startedAt < downAt && outcome.endedAt >= crashAt);
        const outage = outcomes.filter((outcome) => outcome.startedAt >= downAt && outcome.endedAt <= restartingAt);
        const after = outcomes.filter((outcome) => outcome.startedAt >= upAt);
        console.log('PostgreSQL restart under load, outcomes by phase:', {
          before: summarize(before),
          inFlightAtCrash: summarize(inFlightAtCrash),
          outage: summarize(outage),
          restarting: summarize(outcomes.filter((outcome) => outcome.startedAt > restartingAt && outcome.startedAt < upAt)),
          after: summarize(after),
          readyzDuringOutage: timeline.readyDuringOutage,
          readyzAfter: timeline.readyAfter,
          slowestMs: Math.max(...outcomes.map((outcome) => outcome.endedAt - outcome.startedAt)),
          uncaughtExceptions: uncaught.map((error) => error.message),
        });

        // A lost connection is a retryable `unavailable`, never a 500, and never an uncaught exception.
        expect(uncaught.map((error) => error.message)).toEqual([]);
        expect(outcomes.filter((outcome) => outcome.code === 'internal')).toEqual([]);
        expect(before.length).toBeGreaterThan(0);
        expect(before.every((outcome) => outcome.code === 'ok')).toBe(true);
        expect(outage.length).toBeGreaterThan(0);
        expect(new Set(outage.map((outcome) => outcome.code))).toEqual(new Set(['unavailable']));
        expect(timeline.readyDuringOutage).toBe(503);
        // No call waits for the database to come back: each ends well inside the 5 s request timeout.
        expect(Math.max(...outcomes.map((outcome) => outcome.endedAt - outcome.startedAt))).toBeLessThan(5_000);
        // Back without restarting Strata: every operation succeeds again.
        const settled = after.filter((outcome) => outcome.startedAt >= upAt + 500);
        expect(new Set(settled.map((outcome) => outcome.operation))).toEqual(new Set(['search', 'list', 'create']));
        expect(settled.filter((outcome) => outcome.code !== 'ok')).toEqual([]);
        expect(timeline.readyAfter).toBe(200);

        // Failed writes are settled by retrying with their key; nothing is duplicated or half-applied.
        const creates = outcomes.filter((outcome) => outcome.batch !== undefined);
        for (const outcome of creates) {
          if (outcome.code !== 'ok' && outcome.batch !== undefined) {
            await client.memories.createMany(outcome.batch.items, { idempotencyKey: outcome.batch.key });
          }
        }
        const memories = await listAllMemories(client);
        expect(memories).toHaveLength(2 + 3 * creates.length);
        expect(new Set(memories.map((memory) => memory.content)).size).toBe(memories.length);
      } finally {
        await server.close();
        await strata.close();
      }
    },
    60_000,
  );

  // A borrowed pg client that loses its connection emits 'error'; src/db/postgres-database.ts records it
  // instead of letting it crash the process (it once did: PostgreSQL restart, failover, pg_terminate_backend).
  it.skipIf(skipReason !== undefined)(
    'keeps `strata serve` running when PostgreSQL terminates its connection mid-request',
    async () => {
      if (cluster === undefined) throw new Error('no cluster');
      const databaseUrl = await cluster.database('terminated');
      const served = await startServe({ databaseUrl });
      try {
        const operator = createStrataClient({ baseUrl: served.url, apiKey: served.printedKey ?? '' });
        await operator.tenants.create({ id: 'load' });
        const { secret } = await operator.keys.create({ tenantId: 'load', role: 'member' });
        const client = createStrataClient({ baseUrl: served.url, apiKey: secret, timeoutMs: 10_000 });
        await client.memories.create({ content: 'written before the connection drops' });
        const blocker = await blockMemories(databaseUrl);
        // The code from the service itself: a client that cannot reach the service says `unavailable` too, without a request id.
        const blocked = client.memories.create({ content: 'blocked write' }).then(
          () => 'ok',
          (error: unknown) => (error instanceof StrataError && error.requestId !== undefined ? error.code : `no answer (${codeOf(error)})`),
        );
        await blocker.terminate(await blocker.waitingBackend());
        const code = await blocked;
        await blocker.release();
        await new Promise((resolveWait) => setTimeout(resolveWait, 500));
        const alive = served.child.exitCode === null && served.child.signalCode === null;
        console.log(`connection terminated mid-request: the request got ${code}; strata serve alive: ${alive}`);
        expect({ code, alive }).toEqual({
          code: 'unavailable',
          alive: true,
        });
        expect((await client.memories.list({ limit: 10 })).items).toHaveLength(1);
      } finally {
        await served.kill();
      }
    },
    60_000,
  );

  // A connection that closes mid-query without an error message (backend killed, network cut) fails with
  // pg's code-less "Connection terminated unexpectedly"; the adapter knows from the client's 'error' event
  // that the connection was lost and says `unavailable` (it once said 500 `internal`).
  it.skipIf(skipReason !== undefined)(
    'answers 503 unavailable, not 500 internal, when the connection is lost mid-query',
    async () => {
      if (cluster === undefined) throw new Error('no cluster');
      const databaseUrl = await cluster.database('lost_mid_query');
      const strata = await createStrata({ databaseUrl, poolSize: 4 });
      const server = createServer({ strata, requestTimeoutMs: 5_000 });
      try {
        const client = await memberClient(strata, await server.listen({ host: '127.0.0.1', port: 0 }));
        const blocker = await blockMemories(databaseUrl);
        const { result: code } = await recordingUncaught(async () => {
          const blocked = client.memories.create({ content: 'blocked write' }).then(
            () => 'ok',
            (error: unknown) => codeOf(error),
          );
          // SIGKILL sends no error message: the socket just closes, as on a network cut.
          process.kill(await blocker.waitingBackend(), 'SIGKILL');
          return blocked;
        });
        await blocker.release();
        console.log(`connection lost mid-query: the request got ${code}`);
        expect(code).toBe('unavailable');
      } finally {
        await server.close();
        await strata.close();
      }
    },
    60_000,
  );
});

describe('a second process opening the same PGlite directory', () => {
  it('gets store_locked naming the holder, and takes the directory over once the holder is killed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strata-locked-'));
    const served = await startServe({ dataDir });
    try {
      const holder = served.child.pid;
      // The CLI goes to the server holding the directory; a second serve is refused naming it.
      const cli = (...args: string[]) => {
        const child = spawn(process.execPath, [binPath, ...args, '--data-dir', dataDir], { env: { PATH: process.env.PATH ?? '' } });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        return new Promise<{ code: number | null; stderr: string }>((resolveExit) =>
          child.on('exit', (code) => resolveExit({ code, stderr: stderr.trim() })),
        );
      };
      expect(await cli('status')).toEqual({ code: 0, stderr: '' });
      const second = await cli('serve', '--port', '0');
      expect(second.code).toBe(1);
      expect(second.stderr).toBe(
        `strata: store_locked: data directory ${dataDir} is in use by strata serve (process ${holder}) at ${served.url}: stop it first, 'serve' runs on the store itself`,
      );
      const locked = createStrata({ dataDir });
      await expect(locked).rejects.toMatchObject({
        code: 'store_locked',
        status: 423,
        details: { directory: dataDir, pid: holder, url: served.url },
      });
      await expect(locked).rejects.toThrow(/in use by strata serve .* createStrataClient/);

      // A holder killed with -9 leaves its lock file behind; the next opener sees the process is gone.
      await served.kill();
      const reopened = await createStrata({ dataDir });
      expect(reopened.info.backend).toBe('pglite');
      await reopened.close();
    } finally {
      await served.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
