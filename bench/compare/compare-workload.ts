import { createHashEmbedder } from '../../src/index.ts';
import { createCorpus } from '../lib/corpus.ts';

/** One tenant of the generated workload: its id, and its distinct memory texts in ingest order. */
export interface WorkloadTenant {
  id: string;
  texts: string[];
}

/** The queries measured for one tenant-size class, each aimed at one tenant. */
export interface QuerySet {
  label: 'small' | 'large';
  queries: Array<{ tenantId: string; text: string }>;
  warmup: Array<{ tenantId: string; text: string }>;
}

/**
 * The workload every system gets: the same tenants, texts, query texts and precomputed
 * vectors (the offline hash embedder, 384 dimensions, unit length).
 */
export interface Workload {
  /** Small tenants first (the measured ones, then the rest smallest first), the large tenant last. */
  tenants: WorkloadTenant[];
  largeTenantId: string;
  /** Tenants the small-size queries go to (each ≤ 1,000 memories). */
  measuredSmallTenantIds: string[];
  querySets: QuerySet[];
  /** Text → vector, for every memory and query text. */
  vectors: Map<string, number[]>;
  dimensions: number;
  totalMemories: number;
}

/** Options for {@link createWorkload}. */
export interface WorkloadOptions {
  /** Tenants stored, the large one included. */
  tenantCount: number;
  /** Memories of the large tenant. */
  largeSize: number;
  /** Measured queries per size class. */
  queriesPerSize: number;
  /** Small tenants the small-size queries are spread over. */
  measuredSmallTenants: number;
}

const warmupQueries = 10;
const largestSmallTenant = 1_000;
const smallestTenant = 5;

/** Zipf-like small-tenant sizes: rank 1 holds 1,000 memories, rank r about 1,000 / r^0.8, at least 5. */
export function smallTenantSize(rank: number): number {
  return Math.max(smallestTenant, Math.round(largestSmallTenant / rank ** 0.8));
}

/** Builds the deterministic workload and embeds every text once. */
export async function createWorkload(options: WorkloadOptions): Promise<Workload> {
  const corpus = createCorpus();
  const embedder = createHashEmbedder();
  const tenantTexts = (rank: number, size: number) => {
    const seen = new Set<string>();
    for (let index = 0; seen.size < size; index += 1) seen.add(corpus.memoryText(rank, index));
    return [...seen];
  };
  const smallCount = Math.min(options.measuredSmallTenants, options.tenantCount - 1);
  // Measured tenants first, then the rest smallest first: a system cut short by its ingest
  // budget still holds the measured tenants and as many tenants as it could.
  const order = [
    ...Array.from({ length: smallCount }, (_, index) => index + 1),
    ...Array.from({ length: options.tenantCount - 1 - smallCount }, (_, index) => options.tenantCount - 1 - index),
  ];
  const tenants: WorkloadTenant[] = order.map((rank) => ({ id: `tenant-${rank}`, texts: tenantTexts(rank, smallTenantSize(rank)) }));
  const largeTenantId = 'tenant-0';
  tenants.push({ id: largeTenantId, texts: tenantTexts(0, options.largeSize) });
  const measuredSmallTenantIds = Array.from({ length: smallCount }, (_, index) => `tenant-${index + 1}`);
  const aim = (label: 'small' | 'large', set: 'warmup' | 'measured', count: number) =>
    Array.from({ length: count }, (_, index) => {
      const rank = label === 'large' ? 0 : 1 + (index % Math.max(1, smallCount));
      return { tenantId: `tenant-${rank}`, text: corpus.queryText(rank, index, set) };
    });
  const querySets: QuerySet[] = (['small', 'large'] as const)
    .filter((label) => label === 'large' || smallCount > 0)
    .map((label) => ({ label, queries: aim(label, 'measured', options.queriesPerSize), warmup: aim(label, 'warmup', warmupQueries) }));

  const allTexts = new Set<string>();
  for (const tenant of tenants) for (const text of tenant.texts) allTexts.add(text);
  for (const set of querySets) for (const query of [...set.queries, ...set.warmup]) allTexts.add(query.text);
  const texts = [...allTexts];
  const embedded = await embedder.embed(texts);
  const vectors = new Map(texts.map((text, index) => [text, embedded[index] ?? []]));
  const totalMemories = tenants.reduce((sum, tenant) => sum + tenant.texts.length, 0);
  return { tenants, largeTenantId, measuredSmallTenantIds, querySets, vectors, dimensions: embedder.dimensions, totalMemories };
}
