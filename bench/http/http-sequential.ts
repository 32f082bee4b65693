import { createStrataClient } from '../../src/client/index.ts';
import {
  type CallerSlices,
  collectHits,
  countIdentical,
  createSlices,
  measureSlice,
  type SearchCall,
  summarizeSlices,
} from './http-callers.ts';
import { startServerChild } from './http-child.ts';
import { createNodeClientSearch } from './http-node-client.ts';
import type { HttpBenchOptions } from './http-options.ts';
import type { SequentialComparison } from './http-report.ts';
import type { PreparedStore } from './http-setup.ts';
import { openStore } from './http-store.ts';

/**
 * Single-caller latency through the client SDK, bare node:http and in-process, in interleaved
 * rounds: each round starts a fresh server child, times a slice of each HTTP client, stops the
 * child, then opens the store in-process and times a slice there. Other work on the machine
 * then weighs on all three paths alike, which matters for a difference of about a millisecond.
 */
export async function measureSingleCaller(
  prepared: PreparedStore,
  options: HttpBenchOptions,
  progress: (line: string) => void,
): Promise<SequentialComparison> {
  const { location, secret, queries } = prepared;
  const rounds = options.sequentialRounds;
  const slice = {
    callers: 1,
    seconds: options.durationSeconds / rounds,
    warmupSeconds: Math.max(0.5, options.warmupSeconds / rounds),
    limit: options.limit,
  };
  const sdk = createSlices(1);
  const nodeClient = createSlices(1);
  const inProcess = createSlices(1);
  let sdkHits: string[][] = [];
  let inProcessHits: string[][] = [];
  const search = (run: SearchCall, slices: CallerSlices) => measureSlice(slices, run, queries, slice);
  for (let round = 0; round < rounds; round += 1) {
    progress(`single caller, round ${round + 1} of ${rounds}: client SDK, node:http (fresh server child), in-process...`);
    const server = await startServerChild(location, options.poolSize);
    try {
      const client = createStrataClient({ baseUrl: server.url, apiKey: secret });
      const sdkSearch: SearchCall = async (query) =>
        (await client.search({ query, mode: 'vector', limit: options.limit })).hits.map((hit) => hit.memoryId);
      if (round === 0) sdkHits = await collectHits(sdkSearch, queries);
      await search(sdkSearch, sdk);
      const nodeSearch = createNodeClientSearch(server.url, secret, options);
      try {
        await search(nodeSearch.search, nodeClient);
      } finally {
        nodeSearch.close();
      }
    } finally {
      await server.stop();
    }
    const strata = await openStore(location, options.poolSize);
    try {
      // The identity the member key stands for, so both paths read through the same row-level security.
      const tenant = strata.as({ tenantId: options.tenantId, role: 'member' });
      const inProcessSearch: SearchCall = async (query) =>
        (await tenant.search({ query, mode: 'vector', limit: options.limit })).hits.map((hit) => hit.memoryId);
      if (round === 0) inProcessHits = await collectHits(inProcessSearch, queries);
      await search(inProcessSearch, inProcess);
    } finally {
      await strata.close();
    }
  }
  const http = summarizeSlices(sdk);
  const local = summarizeSlices(inProcess);
  return {
    http,
    nodeClient: summarizeSlices(nodeClient),
    inProcess: local,
    overheadMs: http.latency.p50 - local.latency.p50,
    ratio: http.latency.p50 / local.latency.p50,
    identicalResults: countIdentical(sdkHits, inProcessHits),
    compared: queries.length,
  };
}
