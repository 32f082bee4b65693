import { loadavg } from 'node:os';
import { elapsedMs, type LatencySummary, summarize } from '../lib/stats.ts';

/** One search by query text, in-process or over HTTP; resolves with the hit ids in rank order. */
export type SearchCall = (query: string) => Promise<string[]>;

/** Calls made by a fixed number of callers for a fixed time, possibly in several slices. */
export interface CallerRun {
  callers: number;
  /** Measured slices the run was made of (interleaved with other paths' slices). */
  slices: number;
  calls: number;
  seconds: number;
  callsPerSecond: number;
  /** Latency of one call (`performance.now()` around it), milliseconds. */
  latency: LatencySummary;
  /** Calls that returned fewer hits than asked for. */
  shortResults: number;
  /** The 1-minute load average just before each measured slice, averaged. */
  loadAverage: number;
}

/** Timed slices of one path, added up into one {@link CallerRun} by {@link summarizeSlices}. */
export interface CallerSlices {
  callers: number;
  samples: number[];
  seconds: number;
  shortResults: number;
  loadAverages: number[];
}

/** What one measured slice is. */
export interface SliceOptions {
  callers: number;
  seconds: number;
  /** Seconds of discarded calls before the slice. */
  warmupSeconds: number;
  /** Hits asked for: fewer is a short result. */
  limit: number;
}

/** An empty set of slices for `callers` concurrent callers. */
export function createSlices(callers: number): CallerSlices {
  return { callers, samples: [], seconds: 0, shortResults: 0, loadAverages: [] };
}

/**
 * Runs `callers` loops, each awaiting one search after another from a shared rotation of
 * `queries`, for `warmupSeconds` (discarded) and then `seconds`, adding the measured calls to
 * `slices`. With one caller this is single-request latency; with more, throughput under concurrency.
 */
export async function measureSlice(slices: CallerSlices, search: SearchCall, queries: readonly string[], options: SliceOptions) {
  if (options.warmupSeconds > 0) await callFor(search, queries, slices.callers, options.warmupSeconds, options.limit);
  slices.loadAverages.push(loadavg()[0] ?? Number.NaN);
  const start = performance.now();
  const { samples, shortResults } = await callFor(search, queries, slices.callers, options.seconds, options.limit);
  slices.seconds += elapsedMs(start) / 1000;
  slices.samples.push(...samples);
  slices.shortResults += shortResults;
}

/** Percentiles and throughput over every slice. */
export function summarizeSlices(slices: CallerSlices): CallerRun {
  const loadTotal = slices.loadAverages.reduce((total, value) => total + value, 0);
  return {
    callers: slices.callers,
    slices: slices.loadAverages.length,
    calls: slices.samples.length,
    seconds: slices.seconds,
    callsPerSecond: slices.samples.length / slices.seconds,
    latency: summarize(slices.samples),
    shortResults: slices.shortResults,
    loadAverage: loadTotal / slices.loadAverages.length,
  };
}

/** One uninterrupted run: {@link measureSlice} once. */
export async function measureCallers(search: SearchCall, queries: readonly string[], options: SliceOptions): Promise<CallerRun> {
  const slices = createSlices(options.callers);
  await measureSlice(slices, search, queries, options);
  return summarizeSlices(slices);
}

async function callFor(search: SearchCall, queries: readonly string[], callers: number, seconds: number, limit: number) {
  const deadline = performance.now() + seconds * 1000;
  const samples: number[] = [];
  let shortResults = 0;
  let next = 0;
  const caller = async () => {
    while (performance.now() < deadline) {
      const query = queries[next % queries.length] ?? '';
      next += 1;
      const start = performance.now();
      const ids = await search(query);
      samples.push(elapsedMs(start));
      if (ids.length < limit) shortResults += 1;
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return { samples, shortResults };
}

/** The hit ids of every query, one call each in order (untimed): to check two paths return the same results. */
export async function collectHits(search: SearchCall, queries: readonly string[]): Promise<string[][]> {
  const hits: string[][] = [];
  for (const query of queries) hits.push(await search(query));
  return hits;
}

/** How many queries got the same ids in the same order from both paths. */
export function countIdentical(left: readonly string[][], right: readonly string[][]): number {
  return left.filter((ids, index) => ids.join(',') === (right[index] ?? []).join(',')).length;
}
