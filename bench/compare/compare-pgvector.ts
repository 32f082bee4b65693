import pg from 'pg';
import type { ComparedSystem } from './compare-system.ts';

/** Rows of the raw table; `tenant_id` is what the cross-tenant check reads. */
interface RawRow {
  tenant_id: string;
  content: string;
}

/** The HNSW settings Strata uses for a large tenant, so the floor is the same index and search effort. */
const efSearch = 200;

/**
 * The floor: a plain pgvector table in its own database on the same server, written with one
 * multi-row INSERT per batch and read with
 * `SELECT … WHERE tenant_id = $1 ORDER BY embedding <=> $2 LIMIT 10`. A btree on tenant_id
 * serves small tenants (exact scan of their rows); the large tenant gets a partial HNSW index
 * (m 16, ef_construction 64, ef_search 200, iterative scan), mirroring Strata's layout.
 */
export async function openPgvectorSystem(databaseUrl: string, vectors: ReadonlyMap<string, number[]>): Promise<ComparedSystem> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  await client.query(
    'CREATE TABLE raw_memories (tenant_id text NOT NULL, id bigserial PRIMARY KEY, content text NOT NULL, embedding vector(384) NOT NULL)',
  );
  await client.query('CREATE INDEX raw_memories_tenant ON raw_memories (tenant_id)');
  const literal = (vector: readonly number[]) => `[${vector.join(',')}]`;
  return {
    name: 'pgvector',
    setup:
      'one table (tenant_id, id, content, embedding vector(384)), btree on tenant_id, partial HNSW (m 16, ef_construction 64) ' +
      `on the large tenant; hnsw.ef_search ${efSearch}, iterative_scan relaxed_order; one pg connection, no RLS, no pool`,
    async createTenant() {},
    async ingest(tenantId, texts) {
      await client.query(
        'INSERT INTO raw_memories (tenant_id, content, embedding) SELECT $1, content, embedding::vector FROM unnest($2::text[], $3::text[]) AS t(content, embedding)',
        [tenantId, texts, texts.map((text) => literal(vectors.get(text) ?? []))],
      );
    },
    async finishIngest(largeTenantId) {
      await client.query("SET maintenance_work_mem = '512MB'");
      await client.query(
        `CREATE INDEX raw_memories_large_hnsw ON raw_memories USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)
         WHERE tenant_id = '${largeTenantId.replaceAll("'", "''")}'`,
      );
      await client.query('ANALYZE raw_memories');
      await client.query(`SET hnsw.ef_search = ${efSearch}`);
      await client.query("SET hnsw.iterative_scan = 'relaxed_order'");
    },
    async search(tenantId, _text, vector) {
      const result = await client.query<RawRow>(
        'SELECT tenant_id, content FROM raw_memories WHERE tenant_id = $1 ORDER BY embedding <=> $2 LIMIT 10',
        [tenantId, literal(vector)],
      );
      return result.rows.map((row) => ({ tenantId: row.tenant_id, content: row.content }));
    },
    async describePlan(tenantId, vector) {
      const result = await client.query<{ 'QUERY PLAN': string }>(
        'EXPLAIN SELECT tenant_id, content FROM raw_memories WHERE tenant_id = $1 ORDER BY embedding <=> $2 LIMIT 10',
        [tenantId, literal(vector)],
      );
      // The 384 numbers of the vector literal say nothing about the plan.
      return result.rows.map((row) => row['QUERY PLAN'].replace(/'\[[^\]]*\]'::vector/g, () => '$2::vector')).join('\n');
    },
    async storageBytes() {
      const result = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('raw_memories') AS bytes");
      return Number(result.rows[0]?.bytes ?? Number.NaN);
    },
    async close() {
      await client.end();
    },
  };
}
