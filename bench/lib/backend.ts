import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { createStrata, type Strata } from '../../src/index.ts';

/** Rows of one owner statement. */
export type OwnerRows = Array<Record<string, unknown>>;

/**
 * A Strata store under measurement plus owner (superuser) access to its database, which the
 * library deliberately does not expose: the bench needs it for ANALYZE and for describing
 * the server.
 */
export interface BenchBackend {
  readonly kind: 'postgres' | 'pglite';
  /** The current store; PGlite's is replaced whenever owner statements run. */
  readonly strata: Strata;
  /** Runs statements as the database owner and returns each one's rows. */
  owner(statements: readonly string[]): Promise<OwnerRows[]>;
  /** One parameterised owner query on a kept connection (server only: PGlite has one connection, Strata's). */
  ownerQuery?(sql: string, params: readonly unknown[]): Promise<OwnerRows>;
  close(): Promise<void>;
}

/** Strata options both back ends share: indexing is under the bench's control. */
const storeOptions = { autoIndex: false } as const;

/**
 * Drops and re-creates `database` on the server behind `adminUrl`, then opens Strata on it.
 * Never touches any other database.
 */
export async function openServerBackend(adminUrl: string, database: string, options: { poolSize: number }): Promise<BenchBackend> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteName(database)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteName(database)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const strata = await createStrata({ ...storeOptions, databaseUrl: url.toString(), poolSize: options.poolSize });
  const superuser = new pg.Client({ connectionString: url.toString() });
  await superuser.connect();
  return {
    kind: 'postgres',
    strata,
    async owner(statements) {
      const results: OwnerRows[] = [];
      for (const statement of statements) results.push((await superuser.query(statement)).rows);
      return results;
    },
    async ownerQuery(sql, params) {
      return (await superuser.query(sql, [...params])).rows;
    },
    async close() {
      await strata.close();
      await superuser.end();
    },
  };
}

/**
 * Opens Strata on a fresh PGlite data directory in the temp folder, removed on close.
 */
export async function openPgliteBackend(): Promise<BenchBackend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-'));
  const backend = await openPgliteBackendAt(dataDir);
  return {
    ...backend,
    get strata() {
      return backend.strata;
    },
    async close() {
      await backend.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens Strata on the PGlite data directory `dataDir`, which outlives `close()`. PGlite is one
 * connection, so owner statements close the store, run on a raw PGlite and reopen it.
 */
export async function openPgliteBackendAt(dataDir: string): Promise<BenchBackend> {
  let strata = await createStrata({ ...storeOptions, dataDir });
  return {
    kind: 'pglite',
    get strata() {
      return strata;
    },
    async owner(statements) {
      await strata.close();
      const raw = await PGlite.create({ dataDir, extensions: { vector, btree_gin } });
      try {
        const results: OwnerRows[] = [];
        for (const statement of statements) results.push((await raw.query<Record<string, unknown>>(statement)).rows);
        return results;
      } finally {
        await raw.close();
        strata = await createStrata({ ...storeOptions, dataDir });
      }
    },
    close: () => strata.close(),
  };
}

/** Quotes a SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function quoteName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use lower-case letters, digits, _`);
  return name;
}
