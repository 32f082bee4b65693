import pg from 'pg';
import { openPgliteDatabase } from '../../../src/db/pglite-database.ts';

/** What the tenant's usage counter says, what the table holds, and chunks whose parent is gone. */
export interface StoreCounters {
  usage: number;
  rows: number;
  orphanChunks: number;
}

const countersSql = (tenantId: string) => `SELECT
  (SELECT memory_count FROM tenant_usage WHERE tenant_id = '${tenantId}')::int AS usage,
  (SELECT count(*) FROM memories WHERE tenant_id = '${tenantId}' AND kind <> 'chunk')::int AS rows,
  (SELECT count(*) FROM memories c WHERE c.kind = 'chunk'
     AND NOT EXISTS (SELECT 1 FROM memories p WHERE p.tenant_id = c.tenant_id AND p.memory_id = c.parent_id))::int AS "orphanChunks"`;

/**
 * Reads the counters as the owner (no row-level security), straight from the store. A PGlite
 * directory must not be open in any live process.
 */
export async function readCounters(store: { dataDir: string } | { databaseUrl: string }, tenantId: string): Promise<StoreCounters> {
  if (!/^[\w.:|-]+$/.test(tenantId)) throw new Error(`unexpected tenant id ${tenantId}`);
  if ('dataDir' in store) {
    const database = await openPgliteDatabase({ dataDir: store.dataDir, appRole: 'strata_app', statementTimeoutMs: 30_000 });
    try {
      const result = await database.asOwner((db) => db.query<StoreCounters>(countersSql(tenantId)));
      return result.rows[0] ?? { usage: -1, rows: -1, orphanChunks: -1 };
    } finally {
      await database.close();
    }
  }
  const client = new pg.Client({ connectionString: store.databaseUrl });
  await client.connect();
  try {
    const result = await client.query<StoreCounters>(countersSql(tenantId));
    return result.rows[0] ?? { usage: -1, rows: -1, orphanChunks: -1 };
  } finally {
    await client.end();
  }
}
