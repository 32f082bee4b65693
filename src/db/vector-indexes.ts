import { createHash } from 'node:crypto';
import type { Database } from './database.ts';
import { quoteIdentifier, quoteLiteral } from './database.ts';

/** A stable, short index name for a tenant (ids may be 255 characters; names stop at 63). */
export function tenantIndexName(tenantId: string): string {
  return `memories_hnsw_${createHash('sha256').update(tenantId).digest('hex').slice(0, 24)}`;
}

/**
 * Builds a partial HNSW index over one tenant's searchable rows and records it. On a server
 * it is built CONCURRENTLY, so the tenant keeps reading and writing meanwhile. The predicate
 * uses the tenant id as a literal, which searches repeat so the planner can match it.
 */
export async function buildTenantIndex(database: Database, tenantId: string, dimensions: number, model: string): Promise<string> {
  const name = tenantIndexName(tenantId);
  const concurrently = database.kind === 'postgres' ? 'CONCURRENTLY ' : '';
  await database.ownerStatements([
    // A failed concurrent build leaves an invalid index behind; start clean.
    `DROP INDEX ${concurrently}IF EXISTS ${quoteIdentifier(name)}`,
    "SET maintenance_work_mem = '512MB'",
    `CREATE INDEX ${concurrently}${quoteIdentifier(name)} ON memories
       USING hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) WITH (m = 16, ef_construction = 64)
       WHERE tenant_id = ${quoteLiteral(tenantId)} AND kind <> 'document'`,
  ]);
  await database.withSession({ role: 'system', tenantId }, (db) =>
    db.query(
      `INSERT INTO tenant_vector_indexes (tenant_id, index_name, embedding_model, dimensions, created_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (tenant_id) DO UPDATE SET index_name = $2, embedding_model = $3, dimensions = $4, created_at = now()`,
      [tenantId, name, model, dimensions],
    ),
  );
  return name;
}

/** Drops a tenant's own index, if any (offboarding, re-embedding). */
export async function dropTenantIndex(database: Database, tenantId: string): Promise<void> {
  const concurrently = database.kind === 'postgres' ? 'CONCURRENTLY ' : '';
  await database.ownerStatements([`DROP INDEX ${concurrently}IF EXISTS ${quoteIdentifier(tenantIndexName(tenantId))}`]);
}
