import { execFile } from 'node:child_process';
import { access, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Strata } from '../../src/index.ts';
import type { BenchBackend } from '../lib/backend.ts';
import type { Corpus } from '../lib/corpus.ts';
import { loadPopulation } from '../lib/load.ts';
import { planTenants } from '../lib/sizes.ts';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../..', import.meta.url));

/** One side of the comparison: the current tree (governance on) or the commit before governance (off). */
export interface Side {
  name: 'on' | 'off';
  /** The checkout whose `bench/lib/backend.ts` (and so whose `src/`) this side runs. */
  root: string;
  /** `git describe`-style label of what the side runs. */
  revision: string;
}

/** The population every store of the comparison gets. */
export interface Population {
  /** Small tenants besides the measured one (Zipf sizes). */
  tenants: number;
  smallTenantsMemories: number;
  smallTenantsLargest: number;
  tenantId: string;
  tenantMemories: number;
  writers: number;
  seed: number;
}

/** The measured tenant's own limits on the governed side: generous, so every check runs and none refuses. */
export const generousLimits = { apiCallsPerDay: 10_000_000, memories: 1_000_000 } as const;

/**
 * The two sides: this working tree, and a worktree of `beforeCommit` at `beforePath`, added
 * (detached, read-only use) if absent, its node_modules a symlink to this tree's.
 */
export async function prepareSides(beforeCommit: string, beforePath: string): Promise<[Side, Side]> {
  if (!(await exists(join(beforePath, 'src/index.ts')))) {
    await run('git', ['-C', repository, 'worktree', 'add', '--detach', beforePath, beforeCommit]);
  }
  if (!(await exists(join(beforePath, 'node_modules')))) await symlink(join(repository, 'node_modules'), join(beforePath, 'node_modules'));
  const head = (await run('git', ['-C', repository, 'rev-parse', '--short', 'HEAD'])).stdout.trim();
  const dirty = (await run('git', ['-C', repository, 'status', '--porcelain', '--', 'src'])).stdout.trim() !== '';
  const before = (await run('git', ['-C', beforePath, 'rev-parse', '--short', 'HEAD'])).stdout.trim();
  return [
    { name: 'on', root: repository, revision: `${head}${dirty ? ' + uncommitted src/' : ''}` },
    { name: 'off', root: beforePath, revision: before },
  ];
}

/**
 * Opens a fresh store of `side` through that checkout's own bench back end: a re-created
 * database on the server, or PGlite in a temp directory.
 */
export async function openSide(
  side: Side,
  backend: 'postgres' | 'pglite',
  server: { adminUrl: string; database: string; poolSize: number },
): Promise<BenchBackend> {
  const module = (await import(join(side.root, 'bench/lib/backend.ts'))) as typeof import('../lib/backend.ts');
  return backend === 'postgres'
    ? module.openServerBackend(server.adminUrl, `${server.database}_${side.name}`, { poolSize: server.poolSize })
    : module.openPgliteBackend();
}

/**
 * Loads the population with the scale bench's loader, then the measured tenant and the
 * (empty) tenant creates write to, both on plan `custom` with {@link generousLimits} on the
 * governed side (the side before governance has no plans), and runs ANALYZE.
 */
export async function populateSide(side: Side, backend: BenchBackend, population: Population, corpus: Corpus): Promise<void> {
  const plan = planTenants(population.tenants, population.smallTenantsMemories, population.smallTenantsLargest, []);
  await loadPopulation(backend.strata, plan, corpus, { writers: population.writers, batchSize: 500, seed: population.seed });
  for (const id of [population.tenantId, writesTenant(population)]) {
    await backend.strata.tenants.create(side.name === 'on' ? { id, plan: 'custom', limits: generousLimits } : { id });
  }
  await storeMemories(backend.strata, population.tenantId, corpus, population.tenants, population.tenantMemories);
  await backend.owner(['ANALYZE']);
}

/**
 * The tenant the create cells write to, on the same plan as the measured one: searches keep
 * reading exactly `tenantMemories` memories however many creates the run makes.
 */
export function writesTenant(population: Population): string {
  return `${population.tenantId}-writes`;
}

/** Stores `count` memories of corpus rank `rank` in `tenantId`, 500 per createMany call, one call at a time. */
export async function storeMemories(strata: Strata, tenantId: string, corpus: Corpus, rank: number, count: number): Promise<void> {
  const tenant = strata.as({ tenantId });
  for (let start = 0; start < count; start += 500) {
    const size = Math.min(500, count - start);
    await tenant.memories.createMany(Array.from({ length: size }, (_, offset) => ({ content: corpus.memoryText(rank, start + offset) })));
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
