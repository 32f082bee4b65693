import { loadavg } from 'node:os';
import { createHashEmbedder } from '../../src/index.ts';
import { type BenchBackend, openPgliteBackend, openServerBackend } from '../lib/backend.ts';
import { createCorpus } from '../lib/corpus.ts';
import { type LoadReport, loadPopulation, timeTenantCreation } from '../lib/load.ts';
import { type DatabaseInfo, describeDatabase } from '../lib/machine.ts';
import { planTenants, type TenantPlan } from '../lib/sizes.ts';
import { elapsedMs, type LatencySummary } from '../lib/stats.ts';
import { type EfSearchRow, sweepEfSearch } from './scale-ef-search.ts';
import type { MeasuredTenant } from './scale-measure.ts';
import type { PopulationOptions, ScaleOptions } from './scale-options.ts';
import {
  indexLargeTenants,
  type MeasuredRun,
  measureBySize,
  measureExactSweep,
  measureHnswSweep,
  routeOf,
  type SizeRow,
  type SweepRow,
} from './scale-phases.ts';
import { readStorageSizes, type StorageSizes } from './scale-storage.ts';

/** Above this, the largest tenant's exact scan is not timed (hundreds of ms a query). */
const largestExactLimit = 100_000;

/** Everything measured on one back end. */
export interface BackendResult {
  backend: BenchBackend['kind'];
  database: DatabaseInfo;
  population: PopulationOptions & { zipfExponent: number; planned: number; stored: number; largestStored: number };
  load: Omit<LoadReport, 'stored'>;
  tenantCreation: LatencySummary;
  bySize: SizeRow[];
  sweep: SweepRow[];
  indexLargeTenants: { seconds: number; built: string[] };
  /** Recall and latency of the largest tenant's index by ef_search, queried directly (server only). */
  efSearch: EfSearchRow[] | null;
  storage: StorageSizes;
  phaseSeconds: Record<string, number>;
  /** The machine's 1-minute load average at the end of each phase: other work competes for the cores. */
  phaseLoadAverage: Record<string, number>;
  notes: string[];
}

type Phase = <T>(name: string, work: () => Promise<T>) => Promise<T>;

/** Loads a Zipf population into a fresh store on `kind` and measures it. */
export async function runScaleBench(kind: BenchBackend['kind'], options: ScaleOptions): Promise<BackendResult> {
  const population = kind === 'postgres' ? options.postgres : options.pglite;
  const phaseSeconds: Record<string, number> = {};
  const phaseLoadAverage: Record<string, number> = {};
  const phase: Phase = async (name, work) => {
    process.stderr.write(`[${kind}] ${name}...\n`);
    const start = performance.now();
    const result = await work();
    phaseSeconds[name] = Math.round(elapsedMs(start) / 100) / 10;
    phaseLoadAverage[name] = Math.round((loadavg()[0] ?? 0) * 10) / 10;
    return result;
  };
  const backend =
    kind === 'postgres'
      ? await openServerBackend(options.adminUrl, options.database, { poolSize: options.writers + 2 })
      : await openPgliteBackend();
  try {
    const notes: string[] = [];
    const database = await describeDatabase(backend);
    const plan = planTenants(population.tenants, population.memories, population.largest, [
      ...population.sweep,
      ...options.smallSizes,
      10_000,
    ]);
    const corpus = createCorpus({ seed: options.seed });
    const writers = kind === 'postgres' ? options.writers : 1;
    const load = await phase('load', () =>
      loadPopulation(backend.strata, plan, corpus, { writers, batchSize: options.batchSize, seed: options.seed }),
    );
    if (options.analyze) await phase('analyze', () => backend.owner(['ANALYZE']));
    else notes.push('No ANALYZE after loading (--no-analyze): the planner may ignore new partial HNSW indexes.');
    const tenantCreation = await phase('tenant creation', () => timeTenantCreation(backend.strata, options.creationSamples));

    const run = measuredRun(backend, options, population, plan, load, corpus);
    const exactSweep = await phase('exact sweep', () => measureExactSweep(run));
    const indexed = await phase('index large tenants', () => indexLargeTenants(run));
    const bySize = await phase('latency by size', () => measureBySize(run));
    const efSearch =
      options.efSearch.length === 0 || routeOf(run, run.largest) !== 'hnsw'
        ? null
        : await phase('ef_search sweep', () =>
            sweepEfSearch(backend, run.context, run.largest, options.efSearch, run.context.embedder.dimensions),
          );
    const sweep = await phase('hnsw sweep', () => measureHnswSweep(run, exactSweep));
    const { stored: perTenant, ...loadSummary } = load;
    return {
      backend: kind,
      database,
      population: {
        ...population,
        zipfExponent: plan.exponent,
        planned: plan.total,
        stored: perTenant.reduce((total, size) => total + size, 0),
        largestStored: run.largest.stored,
      },
      load: loadSummary,
      tenantCreation,
      bySize,
      sweep,
      indexLargeTenants: indexed,
      efSearch,
      storage: await readStorageSizes(backend),
      phaseSeconds,
      phaseLoadAverage,
      notes,
    };
  } finally {
    await backend.close();
  }
}

/** Picks the measured tenants out of the plan: pinned round sizes, the ≤1k group and the largest. */
function measuredRun(
  backend: BenchBackend,
  options: ScaleOptions,
  population: PopulationOptions,
  plan: TenantPlan,
  load: LoadReport,
  corpus: ReturnType<typeof createCorpus>,
): MeasuredRun {
  const tenant = (rank: number): MeasuredTenant => ({ rank, planned: plan.sizes[rank] ?? 0, stored: load.stored[rank] ?? 0 });
  const pinned = (size: number) => {
    const rank = plan.pinned.get(size);
    return rank === undefined ? null : tenant(rank);
  };
  const largest = tenant(0);
  const sweep = population.sweep.flatMap((size) => pinned(size) ?? []);
  if (largest.planned <= largestExactLimit && !sweep.some((candidate) => candidate.rank === 0)) sweep.push(largest);
  return {
    backend,
    context: {
      strata: backend.strata,
      corpus,
      embedder: createHashEmbedder(),
      queries: options.queries,
      otherModeQueries: options.otherModeQueries,
      otherModeBudgetMs: options.otherModeBudgetSeconds * 1000,
      warmup: options.warmup,
      limit: options.limit,
      exactCache: new Map(),
    },
    modes: options.modes,
    largest,
    small: options.smallSizes.flatMap((size) => pinned(size) ?? []),
    tenThousand: pinned(10_000),
    sweep,
    buildSeconds: new Map(),
    indexed: new Set(),
  };
}
