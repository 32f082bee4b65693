import { createExactOracle } from './compare-exact.ts';
import {
  type IngestResult,
  ingest,
  type MeasureBudgets,
  type MemoryFootprint,
  measureSize,
  type SizeResult,
  settledMemoryMiB,
} from './compare-measure.ts';
import { openSystem } from './compare-open.ts';
import type { ComparedSystem, SystemName } from './compare-system.ts';
import type { Workload } from './compare-workload.ts';

/** Everything measured for one system, or why it could not be. */
export interface SystemResult {
  name: SystemName;
  setup: string;
  /** Set when the system could not run (or stopped); says at which step and why. */
  failure?: string;
  ingest?: IngestResult;
  sizes: SizeResult[];
  memory?: MemoryFootprint;
  /** EXPLAIN of a large-tenant search, for systems that expose their SQL. */
  largeTenantPlan?: string;
}

const toMiB = (bytes: number | null) => (bytes === null ? null : bytes / 2 ** 20);

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`.replace(/\s+/g, ' ').slice(0, 600);
}

/** Opens, loads, measures and closes one system; failures become the result's `failure`, never a crash. */
export async function runSystem(name: SystemName, adminUrl: string, workload: Workload, budgets: MeasureBudgets): Promise<SystemResult> {
  const result: SystemResult = { name, setup: '', sizes: [] };
  const before = settledMemoryMiB();
  let system: ComparedSystem;
  try {
    system = await openSystem(name, adminUrl, workload.vectors);
  } catch (error) {
    return { ...result, failure: `could not open: ${describeError(error)}` };
  }
  result.setup = system.setup;
  let step = 'ingest';
  try {
    const stored = new Map<string, number>();
    console.log(`== ${name}: loading ${workload.totalMemories.toLocaleString('en-US')} memories in ${workload.tenants.length} tenants`);
    result.ingest = await ingest(system, workload, budgets, stored);
    const oracle = createExactOracle(workload, 10);
    for (const set of workload.querySets) {
      step = `search (${set.label} tenants)`;
      const size = await measureSize(system, workload, set, stored, budgets, oracle);
      if (size !== null) result.sizes.push(size);
    }
    step = 'measuring memory';
    const after = settledMemoryMiB();
    result.memory = {
      rssBeforeMiB: before.rss,
      rssAfterMiB: after.rss,
      rssDeltaMiB: after.rss - before.rss,
      heapDeltaMiB: after.heap - before.heap,
      storageMiB: toMiB(await system.storageBytes()),
    };
    const large = workload.querySets.find((set) => set.label === 'large')?.queries[0];
    if (system.describePlan !== undefined && large !== undefined) {
      result.largeTenantPlan = await system.describePlan(large.tenantId, workload.vectors.get(large.text) ?? []);
    }
  } catch (error) {
    result.failure = `failed during ${step}: ${describeError(error)}`;
  } finally {
    await system.close().catch(() => {});
  }
  return result;
}
