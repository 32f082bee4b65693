import pg from 'pg';
import { createPrecomputedEmbedder } from './compare-embeddings.ts';
import { openLangGraphMemorySystem, openLangGraphPostgresSystem } from './compare-langgraph.ts';
import { openMem0System } from './compare-mem0.ts';
import { openPgvectorSystem } from './compare-pgvector.ts';
import { openStrataSystem } from './compare-strata.ts';
import type { ComparedSystem, SystemName } from './compare-system.ts';

/** The database each PostgreSQL-backed system gets to itself (dropped and re-created per run). */
const databaseOf: Partial<Record<SystemName, string>> = {
  strata: 'strata_compare',
  pgvector: 'strata_compare_pgvector',
  'langgraph-postgres': 'strata_compare_langgraph',
};

/** The database names this bench creates, for the report. */
export const compareDatabases = Object.values(databaseOf);

async function recreateDatabase(adminUrl: string, database: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** `pg_database_size` of `database`, read as the superuser. */
async function databaseSize(adminUrl: string, database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const result = await admin.query<{ bytes: string }>('SELECT pg_database_size($1) AS bytes', [database]);
    return Number(result.rows[0]?.bytes ?? Number.NaN);
  } finally {
    await admin.end();
  }
}

/**
 * Opens `name` on a fresh store. PostgreSQL-backed systems get their own database on the
 * server behind `adminUrl`, and their storage is that database's size.
 */
export async function openSystem(name: SystemName, adminUrl: string, vectors: ReadonlyMap<string, number[]>): Promise<ComparedSystem> {
  const database = databaseOf[name];
  const url = database === undefined ? '' : await recreateDatabase(adminUrl, database);
  const system = await openByName(name, url, vectors);
  if (database === undefined) return system;
  return { ...system, storageBytes: () => databaseSize(adminUrl, database) };
}

function openByName(name: SystemName, url: string, vectors: ReadonlyMap<string, number[]>): Promise<ComparedSystem> {
  switch (name) {
    case 'strata':
      return openStrataSystem(url, createPrecomputedEmbedder(vectors));
    case 'pgvector':
      return openPgvectorSystem(url, vectors);
    case 'langgraph-postgres':
      return openLangGraphPostgresSystem(url, vectors);
    case 'langgraph-memory':
      return openLangGraphMemorySystem(vectors);
    case 'mem0':
      return openMem0System();
  }
}

/** Drops the databases this bench created. */
export async function dropDatabases(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const database of compareDatabases) await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
