import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createStrataClient } from '../../src/client/index.ts';
import { storeMemories } from '../governance/governance-sides.ts';
import { type CallerRun, createSlices, measureSlice, type SearchCall, summarizeSlices } from '../http/http-callers.ts';
import { startServerChild } from '../http/http-child.ts';
import type { LoadPoint } from '../http/http-load.ts';
import { createStore, openStore, type StoreLocation } from '../http/http-store.ts';
import type { Corpus } from '../lib/corpus.ts';
import { summarize } from '../lib/stats.ts';
import type { FloodMessage, FloodReply } from './noisy-neighbour-flood.ts';

/** What the noisy-neighbour run is told. */
export interface NoisyOptions {
  adminUrl: string;
  database: string;
  /** The server child's connection pool. */
  poolSize: number;
  largeMemories: number;
  smallMemories: number;
  /** Plans the large tenant is measured on, one after another (the small one is on `custom`: no limits). */
  largePlans: string[];
  connections: number;
  /** Seconds of small-tenant searches per phase; alone and flooded alternate `passes` times. */
  seconds: number;
  passes: number;
  limit: number;
}

/** One plan of the large tenant: the small tenant alone and flooded, and the flood's figures. */
export interface NoisyRow {
  largePlan: string;
  alone: CallerRun;
  flooded: CallerRun;
  /** p99 of each pass, alone and flooded in turn. */
  passP99s: { alone: number[]; flooded: number[] };
  /** Flooded p99 over alone p99 (target ≤ 2). */
  p99Ratio: number;
  floods: LoadPoint[];
  /** Share of the flood's responses that were not 2xx (429 `rate_limited`). */
  refusedShare: number;
}

const large = { id: 'noisy-large', rank: 0 };
const small = { id: 'noisy-small', rank: 1 };
const floodScript = fileURLToPath(new URL('./noisy-neighbour-flood.ts', import.meta.url));

/**
 * A small tenant's sequential search latency over HTTP, alone and while a large tenant floods
 * the same server from another process with `connections` autocannon connections, for each
 * plan of the large tenant. The server runs in a child (bench/http/http-server.ts), fresh per plan.
 */
export async function measureNoisyNeighbour(options: NoisyOptions, corpus: Corpus, progress: (line: string) => void): Promise<NoisyRow[]> {
  const prepared = await prepare(options, corpus, progress);
  const rows: NoisyRow[] = [];
  for (const plan of options.largePlans) {
    const strata = await openStore(prepared.location, 2);
    await strata.tenants.update(large.id, { plan }).finally(() => strata.close());
    const server = await startServerChild(prepared.location, options.poolSize);
    try {
      rows.push(await measurePlan(plan, server.url, prepared, options, corpus, progress));
    } finally {
      await server.stop();
    }
  }
  return rows;
}

interface Prepared {
  location: StoreLocation;
  smallSecret: string;
  largeSecret: string;
}

async function prepare(options: NoisyOptions, corpus: Corpus, progress: (line: string) => void): Promise<Prepared> {
  const created = await createStore('postgres', { adminUrl: options.adminUrl, database: options.database, poolSize: 4 });
  try {
    const { strata } = created.backend;
    progress(`loading ${large.id} (${options.largeMemories} memories) and ${small.id} (${options.smallMemories})...`);
    await strata.tenants.create({ id: large.id, plan: 'professional' });
    await strata.tenants.create({ id: small.id, plan: 'custom' });
    await storeMemories(strata, large.id, corpus, large.rank, options.largeMemories);
    await storeMemories(strata, small.id, corpus, small.rank, options.smallMemories);
    await strata.maintenance.buildIndex(large.id);
    await created.backend.owner(['ANALYZE']);
    const key = async (tenantId: string) => (await strata.keys.create({ tenantId, role: 'member', name: 'noisy neighbour bench' })).secret;
    return { location: created.location, smallSecret: await key(small.id), largeSecret: await key(large.id) };
  } finally {
    await created.backend.close();
  }
}

async function measurePlan(
  plan: string,
  url: string,
  prepared: Prepared,
  options: NoisyOptions,
  corpus: Corpus,
  progress: (line: string) => void,
): Promise<NoisyRow> {
  const client = createStrataClient({ baseUrl: url, apiKey: prepared.smallSecret });
  const search: SearchCall = async (query) =>
    (await client.search({ query, mode: 'vector', limit: options.limit })).hits.map((hit) => hit.memoryId);
  const queries = Array.from({ length: 200 }, (_, index) => corpus.queryText(small.rank, index, 'measured'));
  const floodQueries = Array.from({ length: 200 }, (_, index) => corpus.queryText(large.rank, index, 'measured'));
  const alone = createSlices(1);
  const flooded = createSlices(1);
  const passP99s = { alone: [] as number[], flooded: [] as number[] };
  const floods: LoadPoint[] = [];
  const slice = { callers: 1, seconds: options.seconds, warmupSeconds: 1, limit: Math.min(options.limit, options.smallMemories) };
  const timed = async (slices: typeof alone, into: number[]) => {
    const before = slices.samples.length;
    await measureSlice(slices, search, queries, slice);
    into.push(summarize(slices.samples.slice(before)).p99);
  };
  for (let pass = 0; pass < options.passes; pass += 1) {
    progress(`${large.id} on ${plan}, pass ${pass + 1} of ${options.passes}: alone...`);
    await timed(alone, passP99s.alone);
    progress(`${large.id} on ${plan}, pass ${pass + 1} of ${options.passes}: flooded (${options.connections} connections)...`);
    const flood = startFlood({
      type: 'flood',
      target: { url, secret: prepared.largeSecret, queries: floodQueries, limit: options.limit },
      connections: options.connections,
      // The flood outlasts the small tenant's warm-up and measured slice.
      seconds: options.seconds + 3,
    });
    await flood.started;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await timed(flooded, passP99s.flooded);
    const point = await flood.done;
    progress(
      `  flood: ${Math.round(point.requestsPerSecond)} req/s, 2xx ${point.responses}, non-2xx ${point.non2xx}, errors ${point.errors}`,
    );
    floods.push(point);
  }
  const aloneRun = summarizeSlices(alone);
  const floodedRun = summarizeSlices(flooded);
  const refused = floods.reduce((total, point) => total + point.non2xx, 0);
  const answered = floods.reduce((total, point) => total + point.responses, 0);
  return {
    largePlan: plan,
    alone: aloneRun,
    flooded: floodedRun,
    passP99s,
    p99Ratio: floodedRun.latency.p99 / aloneRun.latency.p99,
    floods,
    refusedShare: refused / (refused + answered),
  };
}

/** Forks the flood process; `started` resolves as its load begins, `done` with its load point. */
function startFlood(message: FloodMessage): { started: Promise<void>; done: Promise<LoadPoint> } {
  const child: ChildProcess = fork(floodScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const done = new Promise<LoadPoint>((resolve, reject) => {
    child.on('message', (reply: FloodReply) => {
      if (reply.type === 'started') markStarted();
      else if (reply.type === 'done') resolve(reply.point);
      else reject(new Error(`flood failed:\n${reply.message}`));
    });
    child.once('exit', (code) => {
      markStarted();
      reject(new Error(`flood process exited with code ${code}`));
    });
  });
  child.send(message);
  return { started, done };
}
