import type { BenchBackend } from '../lib/backend.ts';
import { type Corpus, createCorpus } from '../lib/corpus.ts';
import { loadPopulation } from '../lib/load.ts';
import { type DatabaseInfo, describeDatabase } from '../lib/machine.ts';
import { planTenants } from '../lib/sizes.ts';
import { elapsedMs } from '../lib/stats.ts';
import { createProgress, runConcurrently } from '../scale/scale-pool.ts';
import type { HttpBenchOptions } from './http-options.ts';
import { createStore, type StoreLocation } from './http-store.ts';

/** What the store holds once set up. */
export interface Population {
  /** Tenants stored, the measured one included. */
  tenants: number;
  /** Memories stored across all tenants. */
  memories: number;
  /** Memories stored in the measured tenant (planned minus deduplicated). */
  tenantMemories: number;
  /** The measured tenant's own HNSW index. */
  index: string;
  loadSeconds: number;
  indexSeconds: number;
}

/** A loaded store, closed, ready for the server child: where it is, the key and the queries. */
export interface PreparedStore {
  location: StoreLocation;
  database: DatabaseInfo;
  population: Population;
  /** A member key of the measured tenant. */
  secret: string;
  /** The query texts sent in rotation, from the measured tenant's own topics. */
  queries: string[];
  /** Removes the store's files (PGlite); the server database is left for inspection. */
  dispose(): Promise<void>;
}

const batchSize = 500;

/**
 * Creates the store and loads it: `tenants` small tenants (Zipf sizes, most hold a few
 * memories) through the scale bench's loader, then the measured tenant with `tenantSize`
 * memories of the same synthetic corpus; builds its index, runs ANALYZE (as autovacuum would),
 * creates a member key and closes the store.
 */
export async function prepareStore(options: HttpBenchOptions, log: (line: string) => void): Promise<PreparedStore> {
  const created = await createStore(options.backend, { ...options, poolSize: options.writers + 2 });
  try {
    try {
      return { ...(await populate(created.backend, options, log)), location: created.location, dispose: created.dispose };
    } finally {
      await created.backend.close();
    }
  } catch (error) {
    await created.dispose();
    throw error;
  }
}

async function populate(
  backend: BenchBackend,
  options: HttpBenchOptions,
  log: (line: string) => void,
): Promise<Omit<PreparedStore, 'location' | 'dispose'>> {
  const database = await describeDatabase(backend);
  const corpus = createCorpus({ seed: options.seed });
  const plan = planTenants(options.tenants, options.smallTenantsMemories, options.smallTenantsLargest, []);
  const writers = options.backend === 'postgres' ? options.writers : 1;
  const loadStart = performance.now();
  log(`loading ${options.tenants.toLocaleString('en-US')} tenants with ${plan.total.toLocaleString('en-US')} memories...`);
  const load = await loadPopulation(backend.strata, plan, corpus, { writers, batchSize, seed: options.seed });

  // The measured tenant takes the corpus rank after the small tenants: its own topics.
  const rank = options.tenants;
  const tenantMemories = await loadMeasuredTenant(backend, options, corpus, rank, writers, log);
  const loadSeconds = elapsedMs(loadStart) / 1000;

  log(`building the index of ${options.tenantId}...`);
  const indexStart = performance.now();
  const { index } = await backend.strata.maintenance.buildIndex(options.tenantId);
  const indexSeconds = elapsedMs(indexStart) / 1000;
  await backend.owner(['ANALYZE']);
  const { secret } = await backend.strata.keys.create({ tenantId: options.tenantId, role: 'member', name: 'http bench' });
  const smallStored = load.stored.reduce((total, size) => total + size, 0);
  return {
    database,
    population: {
      tenants: options.tenants + 1,
      memories: smallStored + tenantMemories,
      tenantMemories,
      index,
      loadSeconds,
      indexSeconds,
    },
    secret,
    queries: Array.from({ length: options.queries }, (_, index) => corpus.queryText(rank, index, 'measured')),
  };
}

/** Stores the measured tenant's memories with createMany, `writers` batches in flight; returns how many were stored. */
async function loadMeasuredTenant(
  backend: BenchBackend,
  options: HttpBenchOptions,
  corpus: Corpus,
  rank: number,
  writers: number,
  log: (line: string) => void,
): Promise<number> {
  log(`loading ${options.tenantId} with ${options.tenantSize.toLocaleString('en-US')} memories...`);
  await backend.strata.tenants.create({ id: options.tenantId });
  const starts = Array.from({ length: Math.ceil(options.tenantSize / batchSize) }, (_, index) => index * batchSize);
  const progress = createProgress(options.tenantId, starts.length);
  let tenantMemories = 0;
  await runConcurrently(starts, writers, async (start, index) => {
    const count = Math.min(batchSize, options.tenantSize - start);
    const items = Array.from({ length: count }, (_, offset) => ({ content: corpus.memoryText(rank, start + offset) }));
    const results = await backend.strata.as({ tenantId: options.tenantId }).memories.createMany(items);
    tenantMemories += results.filter((result) => !result.deduplicated).length;
    progress(index + 1);
  });
  return tenantMemories;
}
