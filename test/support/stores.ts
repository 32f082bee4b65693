import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, inject } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPgliteDatabase } from '../../src/db/pglite-database.ts';
import { openPostgresDatabase } from '../../src/db/postgres-database.ts';
import { createStrata, type Strata, type StrataOptions } from '../../src/index.ts';

/** A storage back end the contract suite runs against. */
export interface StoreTarget {
  name: 'pglite' | 'postgres';
  /** Opens a fresh, empty, migrated store. */
  open(options?: StrataOptions): Promise<Strata>;
  /** A new, empty place to open stores at more than once (a data directory or a database). */
  location(): Promise<StrataOptions>;
}

/** The superuser URL of a PostgreSQL server for the server tier (CI sets it). */
export const serverUrl = process.env.STRATA_TEST_DATABASE_URL;

let fixture: Blob | undefined;
function pgliteFixture(): Blob {
  fixture ??= new Blob([readFileSync(inject('pgliteFixture'))]);
  return fixture;
}

let databaseCounter = 0;
const createdDatabases: string[] = [];

/** Creates an empty database on the test server and returns its URL. */
export async function createServerDatabase(): Promise<string> {
  if (serverUrl === undefined) throw new Error('STRATA_TEST_DATABASE_URL is not set');
  databaseCounter += 1;
  const name = `strata_t_${process.pid}_${databaseCounter}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  createdDatabases.push(name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the databases this worker created. */
export async function dropServerDatabases(): Promise<void> {
  if (serverUrl === undefined || createdDatabases.length === 0) return;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    for (const name of createdDatabases.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

const pgliteTarget: StoreTarget = {
  name: 'pglite',
  open: (options = {}) => createStrata({ loadDataDir: pgliteFixture(), ...options }),
  location: async () => ({ dataDir: mkdtempSync(join(tmpdir(), 'strata-test-')) }),
};

const postgresTarget: StoreTarget = {
  name: 'postgres',
  open: async (options = {}) => createStrata({ databaseUrl: await createServerDatabase(), poolSize: 4, ...options }),
  location: async () => ({ databaseUrl: await createServerDatabase(), poolSize: 4 }),
};

if (serverUrl === undefined) {
  const banner = '!!! STRATA_TEST_DATABASE_URL is not set: the PostgreSQL server tier of the storage contract suite DID NOT RUN !!!';
  if (process.env.CI === 'true') throw new Error(banner);
  console.warn(`\n${banner}\n`);
}

/** PGlite always; the PostgreSQL server too when `STRATA_TEST_DATABASE_URL` is set. */
export const storeTargets: StoreTarget[] = serverUrl === undefined ? [pgliteTarget] : [pgliteTarget, postgresTarget];

/**
 * Runs `suite` once per storage back end: the same contract holds for PGlite and PostgreSQL.
 */
export function describeEachStore(title: string, suite: (target: StoreTarget) => void): void {
  for (const target of storeTargets) {
    describe(`${title} [${target.name}]`, () => suite(target));
  }
  afterAll(dropServerDatabases);
}

/** Opens a bare migrated database of `target`'s kind, for tests that inspect SQL directly. */
export async function openRawDatabase(target: StoreTarget, appRole = 'strata_app'): Promise<Database> {
  const database =
    target.name === 'pglite'
      ? await openPgliteDatabase({ loadDataDir: pgliteFixture(), appRole, statementTimeoutMs: 30_000 })
      : await openPostgresDatabase({
          connectionString: await createServerDatabase(),
          appRole,
          statementTimeoutMs: 30_000,
          maxConnections: 2,
        });
  await migrate(database, appRole);
  return database;
}
