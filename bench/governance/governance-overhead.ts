import { type CallerRun, type CallerSlices, createSlices, measureSlice, type SearchCall, summarizeSlices } from '../http/http-callers.ts';
import type { BenchBackend } from '../lib/backend.ts';
import { summarize } from '../lib/stats.ts';
import type { Side } from './governance-sides.ts';

/** How the overhead is timed. */
export interface OverheadTiming {
  /** Interleaved rounds; each times one slice of every (side, operation, callers) cell. */
  rounds: number;
  sliceSeconds: number;
  warmupSeconds: number;
  /** Concurrent caller counts, e.g. [1, 8]. */
  callers: number[];
  queries: readonly string[];
  limit: number;
}

/** One operation at one caller count: both sides and ON/OFF ratios of p50, p99 and mean. */
export interface OverheadRow {
  operation: 'search' | 'create';
  callers: number;
  on: CallerRun;
  off: CallerRun;
  /** Per-round p50s of each side (the spread between rounds). */
  roundP50s: { on: number[]; off: number[] };
  /** ON/OFF of the pooled samples. */
  ratio: { p50: number; p99: number; mean: number };
  /** ON/OFF of each round's p50s (the two sides ran back to back): median, lowest, highest. */
  roundRatio: { median: number; min: number; max: number };
}

type Operation = OverheadRow['operation'];
const operations: Operation[] = ['search', 'create'];

/**
 * Times search (vector, k = `limit`) on the measured tenant and create on its writes tenant, on both sides, in
 * rounds that alternate which side goes first, so load from other work on the machine falls
 * on both alike. Creates store a fresh text each (never deduplicated).
 */
export async function measureOverhead(
  sides: ReadonlyArray<{ side: Side; backend: BenchBackend }>,
  tenants: { search: string; create: string },
  timing: OverheadTiming,
  progress: (line: string) => void,
): Promise<OverheadRow[]> {
  const cells = new Map<string, { slices: CallerSlices; p50s: number[] }>();
  const cell = (side: Side, operation: Operation, callers: number) => {
    const key = `${side.name}/${operation}/${callers}`;
    let found = cells.get(key);
    if (found === undefined) {
      found = { slices: createSlices(callers), p50s: [] };
      cells.set(key, found);
    }
    return found;
  };
  let written = 0;
  for (let round = 0; round < timing.rounds; round += 1) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    progress(`round ${round + 1} of ${timing.rounds}: ${order.map(({ side }) => side.name).join(' then ')}`);
    for (const { side, backend } of order) {
      const tenant = backend.strata.as({ tenantId: tenants.search });
      const writer = backend.strata.as({ tenantId: tenants.create });
      const calls: Record<Operation, SearchCall> = {
        search: async (query) => (await tenant.search({ query, mode: 'vector', limit: timing.limit })).hits.map((hit) => hit.memoryId),
        create: async (query) => {
          written += 1;
          await writer.memories.create({ content: `${query} (${side.name} ${round} ${written})` });
          return [];
        },
      };
      for (const operation of operations) {
        for (const callers of timing.callers) {
          const target = cell(side, operation, callers);
          const before = target.slices.samples.length;
          await measureSlice(target.slices, calls[operation], timing.queries, {
            callers,
            seconds: timing.sliceSeconds,
            warmupSeconds: timing.warmupSeconds,
            limit: operation === 'search' ? timing.limit : 0,
          });
          target.p50s.push(summarize(target.slices.samples.slice(before)).p50);
        }
      }
    }
  }
  return operations.flatMap((operation) =>
    timing.callers.map((callers) => {
      const [on, off] = (['on', 'off'] as const).map((name) => {
        const side = sides.find((entry) => entry.side.name === name)?.side;
        if (side === undefined) throw new Error(`no ${name} side`);
        return cell(side, operation, callers);
      }) as [ReturnType<typeof cell>, ReturnType<typeof cell>];
      const onRun = summarizeSlices(on.slices);
      const offRun = summarizeSlices(off.slices);
      return {
        operation,
        callers,
        on: onRun,
        off: offRun,
        roundP50s: { on: on.p50s, off: off.p50s },
        roundRatio: spread(on.p50s.map((p50, round) => p50 / (off.p50s[round] ?? Number.NaN))),
        ratio: {
          p50: onRun.latency.p50 / offRun.latency.p50,
          p99: onRun.latency.p99 / offRun.latency.p99,
          mean: onRun.latency.mean / offRun.latency.mean,
        },
      };
    }),
  );
}

function spread(ratios: readonly number[]): OverheadRow['roundRatio'] {
  const { p50, max } = summarize(ratios);
  return { median: p50, min: Math.min(...ratios), max };
}
