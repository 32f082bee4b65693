import type { Strata } from '../../src/index.ts';
import { createProgress, runConcurrently } from '../scale/scale-pool.ts';
import type { Corpus } from './corpus.ts';
import { createRandom, mixSeed } from './random.ts';
import type { TenantPlan } from './sizes.ts';
import { elapsedMs, type LatencySummary, summarize } from './stats.ts';

/** One phase of the load: how much went in, how fast. */
export interface LoadPhase {
  calls: number;
  memories: number;
  seconds: number;
  memoriesPerSecond: number;
  /** Latency of one createMany call. */
  callLatency: LatencySummary;
}

/** What loading the population took. */
export interface LoadReport {
  tenantCreation: { tenants: number; seconds: number; perSecond: number; latency: LatencySummary };
  /** Calls with a full batch (the ingest rate the target is about). */
  fullBatches: LoadPhase;
  /** Calls with fewer items: the tails of tenants and the many tiny tenants. */
  partialBatches: LoadPhase;
  deduplicated: number;
  /** Memories actually stored per tenant rank (planned minus duplicates). */
  stored: number[];
}

/** The id of the tenant at `rank` (0-based). */
export const tenantId = (rank: number) => `t-${String(rank + 1).padStart(6, '0')}`;

/** The rank of a tenant id made by {@link tenantId}. */
export const rankOf = (id: string) => Number(id.slice(2)) - 1;

interface Batch {
  rank: number;
  start: number;
  count: number;
}

/**
 * Creates every tenant, then stores every memory with createMany, writers working on
 * batches in a shuffled order so tenants' rows interleave on disk as they would in a live
 * store, rather than lying in one run per tenant.
 */
export async function loadPopulation(
  strata: Strata,
  plan: TenantPlan,
  corpus: Corpus,
  options: { writers: number; batchSize: number; seed: number },
): Promise<LoadReport> {
  const ranks = plan.sizes.map((_, rank) => rank);
  const creationLatencies: number[] = [];
  const creationProgress = createProgress('tenants', ranks.length);
  const creationStart = performance.now();
  await runConcurrently(ranks, options.writers, async (rank, index) => {
    const start = performance.now();
    await strata.tenants.create({ id: tenantId(rank) });
    creationLatencies.push(elapsedMs(start));
    creationProgress(index + 1);
  });
  const creationSeconds = elapsedMs(creationStart) / 1000;

  const batches: Batch[] = [];
  plan.sizes.forEach((size, rank) => {
    for (let start = 0; start < size; start += options.batchSize)
      batches.push({ rank, start, count: Math.min(options.batchSize, size - start) });
  });
  shuffle(batches, options.seed);
  const stored = plan.sizes.map(() => 0);
  let deduplicated = 0;
  const runPhase = async (phase: Batch[], label: string): Promise<LoadPhase> => {
    const latencies: number[] = [];
    const progress = createProgress(label, phase.length);
    const phaseStart = performance.now();
    await runConcurrently(phase, options.writers, async (batch, index) => {
      const items = Array.from({ length: batch.count }, (_, offset) => ({ content: corpus.memoryText(batch.rank, batch.start + offset) }));
      const start = performance.now();
      const results = await strata.as({ tenantId: tenantId(batch.rank) }).memories.createMany(items);
      latencies.push(elapsedMs(start));
      const duplicates = results.filter((result) => result.deduplicated).length;
      deduplicated += duplicates;
      stored[batch.rank] = (stored[batch.rank] ?? 0) + batch.count - duplicates;
      progress(index + 1);
    });
    const seconds = elapsedMs(phaseStart) / 1000;
    const memories = phase.reduce((total, batch) => total + batch.count, 0);
    return { calls: phase.length, memories, seconds, memoriesPerSecond: memories / seconds, callLatency: summarize(latencies) };
  };
  const fullBatches = await runPhase(
    batches.filter((batch) => batch.count === options.batchSize),
    'full batches',
  );
  const partialBatches = await runPhase(
    batches.filter((batch) => batch.count < options.batchSize),
    'partial batches',
  );
  return {
    tenantCreation: {
      tenants: ranks.length,
      seconds: creationSeconds,
      perSecond: ranks.length / creationSeconds,
      latency: summarize(creationLatencies),
    },
    fullBatches,
    partialBatches,
    deduplicated,
    stored,
  };
}

/**
 * Times `count` tenant creations one after another on the loaded store: the latency a
 * sign-up sees, without the queueing of a concurrent bulk load.
 */
export async function timeTenantCreation(strata: Strata, count: number): Promise<LatencySummary> {
  const latencies: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const start = performance.now();
    await strata.tenants.create({ id: `created-${String(index).padStart(6, '0')}` });
    latencies.push(elapsedMs(start));
  }
  return summarize(latencies);
}

function shuffle<Item>(items: Item[], seed: number): void {
  const random = createRandom(mixSeed(seed, 99));
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as Item, items[index] as Item];
  }
}
