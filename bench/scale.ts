import { createHashEmbedder, type SearchMode } from '../src/index.ts';
import { type BenchBackend, openPgliteBackend, openServerBackend } from './scale-backend.ts';
import { createCorpus } from './scale-corpus.ts';
import { type LoadReport, loadPopulation, tenantId, timeTenantCreation } from './scale-load.ts';
import { type DatabaseInfo, describeDatabase } from './scale-machine.ts';
import { type MeasureContext, type MeasuredTenant, measureSearches, type SearchMeasurement } from './scale-measure.ts';
import type { PopulationOptions, ScaleOptions } from './scale-options.ts';
import { planTenants } from './scale-sizes.ts';
import { readStorageSizes, type StorageSizes } from './scale-storage.ts';
import { elapsedMs, type LatencySummary } from './stats.ts';

/** The library's default: tenants at or above it get their own HNSW index. */
export const defaultVectorIndexThreshold = 20_000;
/** Above this, the largest tenant's exact scan is not timed (hundreds of ms a query). */
const largestExactLimit = 100_000;

/** One row of the latency-by-size table, searched the way the library routes it by default. */
export interface SizeRow {
  label: string;
  route: 'exact' | 'hnsw';
  measurements: SearchMeasurement[];
}

/** Exact scan versus the tenant's own HNSW index at one tenant size. */
export interface SweepRow {
  size: number;
  exact: SearchMeasurement;
  hnsw: SearchMeasurement | null;
  buildSeconds: number | null;
}

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
  storage: StorageSizes;
  phaseSeconds: Record<string, number>;
  notes: string[];
}

/** Loads a Zipf population into a fresh store on `kind` and measures it. */
export async function runScaleBench(kind: BenchBackend['kind'], options: ScaleOptions): Promise<BackendResult> {
  const population = kind === 'postgres' ? options.postgres : options.pglite;
  const phaseSeconds: Record<string, number> = {};
  const notes: string[] = [];
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    process.stderr.write(`[${kind}] ${name}...\n`);
    const start = performance.now();
    const result = await work();
    phaseSeconds[name] = Math.round(elapsedMs(start) / 100) / 10;
    return result;
  };
  const backend =
    kind === 'postgres'
      ? await openServerBackend(options.adminUrl, options.database, { poolSize: options.writers + 2, jitOff: options.jitOff })
      : await openPgliteBackend();
  try {
    if (options.plainStorage) {
      await backend.owner(['ALTER TABLE memories ALTER COLUMN embedding SET STORAGE PLAIN']);
      notes.push('Experiment: embeddings stored inline (`ALTER TABLE memories ALTER COLUMN embedding SET STORAGE PLAIN`).');
    }
    if (options.jitOff && kind === 'postgres') notes.push('Experiment: JIT turned off for the bench database (`SET jit = off`).');
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

    const tenant = (rank: number): MeasuredTenant => ({ rank, planned: plan.sizes[rank] ?? 0, stored: load.stored[rank] ?? 0 });
    const pinned = (size: number) => {
      const rank = plan.pinned.get(size);
      return rank === undefined ? null : tenant(rank);
    };
    const largest = tenant(0);
    const small = options.smallSizes.flatMap((size) => pinned(size) ?? []);
    const sweepTenants = population.sweep.flatMap((size) => pinned(size) ?? []);
    if (largest.planned <= largestExactLimit && !sweepTenants.some((candidate) => candidate.rank === 0)) sweepTenants.push(largest);
    const context: MeasureContext = {
      strata: backend.strata,
      corpus,
      embedder: createHashEmbedder(),
      queries: options.queries,
      warmup: options.warmup,
      limit: options.limit,
      exactCache: new Map(),
    };
    const measure = (tenants: MeasuredTenant[], mode: SearchMode) => {
      context.strata = backend.strata;
      return measureSearches(context, tenants, mode, { recall: true });
    };

    const exactSweep = await phase('exact sweep', async () => {
      const rows = new Map<number, SearchMeasurement>();
      for (const candidate of sweepTenants) rows.set(candidate.rank, await measure([candidate], 'vector'));
      return rows;
    });

    const buildSeconds = new Map<number, number>();
    const build = async (candidate: MeasuredTenant) => {
      const start = performance.now();
      await backend.strata.maintenance.buildIndex(tenantId(candidate.rank));
      buildSeconds.set(candidate.rank, elapsedMs(start) / 1000);
    };
    await phase('index measured large tenants', async () => {
      for (const candidate of [largest, ...sweepTenants]) {
        if (candidate.stored >= defaultVectorIndexThreshold && !buildSeconds.has(candidate.rank)) await build(candidate);
      }
    });
    const indexLargeTenants = await phase('indexLargeTenants', async () => {
      const start = performance.now();
      const built = await backend.strata.maintenance.indexLargeTenants();
      return { seconds: elapsedMs(start) / 1000, built };
    });

    const route = (candidate: MeasuredTenant) => (candidate.stored >= defaultVectorIndexThreshold ? 'hnsw' : 'exact');
    const bySize = await phase('latency by size', async () => {
      const rows: SizeRow[] = [];
      const groups: Array<[string, MeasuredTenant[]]> = [[`≤1k (${small.length} tenants)`, small]];
      const tenThousand = pinned(10_000);
      if (tenThousand !== null) groups.push(['10k', [tenThousand]]);
      groups.push([`largest (${largest.stored.toLocaleString('en-US')})`, [largest]]);
      for (const [label, tenants] of groups) {
        const measurements: SearchMeasurement[] = [];
        for (const mode of options.modes) measurements.push(await measure(tenants, mode));
        rows.push({ label, route: tenants.some((candidate) => route(candidate) === 'hnsw') ? 'hnsw' : 'exact', measurements });
      }
      return rows;
    });

    const sweep = await phase('hnsw sweep', async () => {
      const rows: SweepRow[] = [];
      for (const candidate of sweepTenants) {
        const exact = exactSweep.get(candidate.rank);
        if (exact === undefined) continue;
        if (!buildSeconds.has(candidate.rank)) await build(candidate);
        rows.push({
          size: candidate.stored,
          exact,
          hnsw: await measure([candidate], 'vector'),
          buildSeconds: buildSeconds.get(candidate.rank) ?? null,
        });
      }
      return rows.sort((left, right) => left.size - right.size);
    });
    const storage = await readStorageSizes(backend);
    const stored = load.stored.reduce((total, size) => total + size, 0);
    const { stored: _perTenant, ...loadSummary } = load;
    return {
      backend: kind,
      database,
      population: { ...population, zipfExponent: plan.exponent, planned: plan.total, stored, largestStored: largest.stored },
      load: loadSummary,
      tenantCreation,
      bySize,
      sweep,
      indexLargeTenants,
      storage,
      phaseSeconds,
      notes,
    };
  } finally {
    await backend.close();
  }
}
