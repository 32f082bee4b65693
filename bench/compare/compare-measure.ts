import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { elapsedMs, type LatencySummary, summarize } from '../lib/stats.ts';
import type { createExactOracle } from './compare-exact.ts';
import type { ComparedSystem } from './compare-system.ts';
import type { QuerySet, Workload } from './compare-workload.ts';

/** Budgets that keep slow systems from running for hours; hitting one is reported, never hidden. */
export interface MeasureBudgets {
  /** Seconds of ingest (memory writes) per system for the small tenants, and again for the large one. */
  ingestSeconds: number;
  /** Seconds of measured queries per system and tenant size. */
  searchSeconds: number;
}

/** What loading a system achieved. */
export interface IngestResult {
  memoriesStored: number;
  tenantsStored: number;
  /** Wall time of the memory writes alone. */
  seconds: number;
  memoriesPerSecond: number;
  tenantCreateSeconds: number;
  /** Index builds and the like after loading. */
  finishSeconds: number;
  /** True when the ingest budget stopped the load before the whole workload was stored. */
  cutShort: boolean;
  largeTenantStored: number;
}

/** Search figures for one tenant-size class. */
export interface SizeResult {
  label: 'small' | 'large';
  /** Memories held by the queried tenants (e.g. "158–1,000"). */
  tenantSizes: string;
  latency: LatencySummary;
  recallAt10: number;
  /** Hits whose tenant is not the queried one (must be 0). */
  crossTenantHits: number;
  /** True when the search budget stopped the queries early. */
  cutShort: boolean;
}

/**
 * The bench process's memory (MiB) before opening a system and after its searches. In-process
 * stores live in the V8 heap (or native memory, which only RSS shows); database-backed ones
 * mostly in PostgreSQL, whose size is `storageMiB`.
 */
export interface MemoryFootprint {
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssDeltaMiB: number;
  /** V8 heap in use after a full GC: what the system's JS objects retain. */
  heapDeltaMiB: number;
  storageMiB: number | null;
}

const collectGarbage = (() => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return () => gc?.();
})();

/** Process RSS and V8 heap in use, in MiB, after a full garbage collection. */
export function settledMemoryMiB(): { rss: number; heap: number } {
  collectGarbage();
  const usage = process.memoryUsage();
  return { rss: usage.rss / 2 ** 20, heap: usage.heapUsed / 2 ** 20 };
}

const batchSize = 500;

/** Loads the workload (small tenants first, the large one last) until done or out of budget. */
export async function ingest(system: ComparedSystem, workload: Workload, budgets: MeasureBudgets, stored: Map<string, number>) {
  let writeMs = 0;
  let createMs = 0;
  let cutShort = false;
  let lastReport = performance.now();
  // Each phase (small tenants, the large tenant) has its own budget.
  const phaseMs = { small: 0, large: 0 };
  for (const tenant of workload.tenants) {
    const phase = tenant.id === workload.largeTenantId ? 'large' : 'small';
    if (phaseMs[phase] / 1000 >= budgets.ingestSeconds) {
      cutShort = true;
      continue;
    }
    const createStart = performance.now();
    await system.createTenant(tenant.id);
    createMs += elapsedMs(createStart);
    for (let start = 0; start < tenant.texts.length; start += batchSize) {
      if (phaseMs[phase] / 1000 >= budgets.ingestSeconds) {
        cutShort = true;
        break;
      }
      const batch = tenant.texts.slice(start, start + batchSize);
      const writeStart = performance.now();
      await system.ingest(tenant.id, batch);
      const batchMs = elapsedMs(writeStart);
      writeMs += batchMs;
      phaseMs[phase] += batchMs;
      stored.set(tenant.id, (stored.get(tenant.id) ?? 0) + batch.length);
    }
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      const total = [...stored.values()].reduce((sum, count) => sum + count, 0);
      console.log(`   ${system.name}: ${total.toLocaleString('en-US')} memories stored (${Math.round(writeMs / 1000)} s)`);
    }
  }
  const finishStart = performance.now();
  if ((stored.get(workload.largeTenantId) ?? 0) > 0) await system.finishIngest(workload.largeTenantId);
  const memoriesStored = [...stored.values()].reduce((sum, count) => sum + count, 0);
  const result: IngestResult = {
    memoriesStored,
    tenantsStored: [...stored.values()].filter((count) => count > 0).length,
    seconds: writeMs / 1000,
    memoriesPerSecond: memoriesStored / (writeMs / 1000),
    tenantCreateSeconds: createMs / 1000,
    finishSeconds: elapsedMs(finishStart) / 1000,
    cutShort,
    largeTenantStored: stored.get(workload.largeTenantId) ?? 0,
  };
  return result;
}

/** Runs a size class's warmup, then its measured queries (one at a time) until done or out of budget. */
export async function measureSize(
  system: ComparedSystem,
  workload: Workload,
  set: QuerySet,
  stored: ReadonlyMap<string, number>,
  budgets: MeasureBudgets,
  oracle: ReturnType<typeof createExactOracle>,
): Promise<SizeResult | null> {
  const queries = set.queries.filter((query) => (stored.get(query.tenantId) ?? 0) > 0);
  if (queries.length === 0) return null;
  const vectorOf = (text: string) => workload.vectors.get(text) ?? [];
  for (const query of set.warmup) {
    if ((stored.get(query.tenantId) ?? 0) > 0) await system.search(query.tenantId, query.text, vectorOf(query.text));
  }
  const samples: number[] = [];
  let recallSum = 0;
  let crossTenantHits = 0;
  // The budget counts search time only: the exact top 10 computed below is the bench's own work.
  let searchMs = 0;
  for (const query of queries) {
    if (searchMs / 1000 >= budgets.searchSeconds) break;
    const start = performance.now();
    const hits = await system.search(query.tenantId, query.text, vectorOf(query.text));
    const sample = elapsedMs(start);
    samples.push(sample);
    searchMs += sample;
    crossTenantHits += hits.filter((hit) => hit.tenantId !== query.tenantId).length;
    const own = hits.filter((hit) => hit.tenantId === query.tenantId).map((hit) => hit.content);
    recallSum += oracle.recall(query.tenantId, stored.get(query.tenantId) ?? 0, query.text, own);
  }
  const sizes = [...new Set(queries.map((query) => stored.get(query.tenantId) ?? 0))];
  const low = Math.min(...sizes).toLocaleString('en-US');
  const high = Math.max(...sizes).toLocaleString('en-US');
  return {
    label: set.label,
    tenantSizes: low === high ? low : `${low}–${high}`,
    latency: summarize(samples),
    recallAt10: recallSum / samples.length,
    crossTenantHits,
    cutShort: samples.length < queries.length,
  };
}
