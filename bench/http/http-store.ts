import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStrata, type Strata } from '../../src/index.ts';
import { type BenchBackend, openPgliteBackendAt, openServerBackend } from '../lib/backend.ts';

/** Where the bench store lives; the server child and the in-process phase open it from this. */
export type StoreLocation = { kind: 'postgres'; databaseUrl: string } | { kind: 'pglite'; dataDir: string };

/** A freshly created, empty bench store with owner access, and where to find it again. */
export interface CreatedStore {
  location: StoreLocation;
  backend: BenchBackend;
  /** Removes what the store left on disk (PGlite's directory); call after the last open is closed. */
  dispose(): Promise<void>;
}

/**
 * Opens Strata on an existing bench store as a service would: default options but the pool size.
 * PGlite is one connection and ignores `poolSize`.
 */
export function openStore(location: StoreLocation, poolSize: number): Promise<Strata> {
  return location.kind === 'postgres'
    ? createStrata({ databaseUrl: location.databaseUrl, poolSize })
    : createStrata({ dataDir: location.dataDir });
}

/** Creates the store: drops and re-creates `database` on the server, or makes a PGlite directory in the temp folder. */
export async function createStore(
  backend: 'postgres' | 'pglite',
  options: { adminUrl: string; database: string; poolSize: number },
): Promise<CreatedStore> {
  if (backend === 'postgres') {
    const url = new URL(options.adminUrl);
    url.pathname = `/${options.database}`;
    return {
      location: { kind: 'postgres', databaseUrl: url.toString() },
      backend: await openServerBackend(options.adminUrl, options.database, { poolSize: options.poolSize }),
      dispose: async () => {},
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-http-'));
  return {
    location: { kind: 'pglite', dataDir },
    backend: await openPgliteBackendAt(dataDir),
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}
