import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createHashEmbedder, createStrata, type MetadataFilter, type SearchHit, type SearchMode, type Strata } from '../../src/index.ts';
import { describeEachStore, openRawDatabase, type StoreTarget } from '../support/stores.ts';

// test/vector-routing.test.ts proves a 5-row tenant beside a 1,500-row tenant; this scales the
// neighbour to 100,000 rows, the size where a shared index or an unfiltered top-k would crowd the
// small tenant out. The huge tenant's vectors are the small tenant's own query vector plus tiny
// noise (each outscores every small-tenant row; the last test checks it), and its texts and metadata
// share the small tenant's words and values, so any leak, or any row the small tenant loses to the
// neighbour, changes the result in every mode. Latency independence is measured by the benchmarks, never asserted here.

const embedder = createHashEmbedder();
const bigTenant = 'huge';
const smallTenant = 'small';
const query = 'shipping update order';
/**
 * PGlite is single-threaded WASM with no autovacuum: 100,000 rows there measure PGlite's speed,
 * not isolation. 20,000 still outnumber the small tenant 4,000 to 1 and keep PGlite's half near 20 s.
 */
const bigSizes: Record<StoreTarget['name'], number> = { postgres: 100_000, pglite: 20_000 };

/**
 * Inserts `size` near-duplicate rows for `tenantId` directly as the owner, in one statement that
 * also adds them to the tenant's usage counters (the same transaction, as the library's writes
 * do), so search routing and the operator's index sweep see a tenant of that size. Loading them
 * through the API would embed and insert 100,000 texts: minutes, for nothing this test checks.
 */
async function seedHugeTenant(database: Database, tenantId: string, size: number, vector: readonly number[]): Promise<number> {
  return database.asOwner(async (db) => {
    const result = await db.query<{ searchable_count: string }>(
      `WITH inserted AS (
         INSERT INTO memories (tenant_id, memory_id, kind, scope, document_type, content, content_hash, metadata,
           embedding, embedding_model, created_at, updated_at)
         SELECT $1, gen_random_uuid(), 'memory', 'customer', 'memory', row.content,
           encode(sha256(convert_to(row.content, 'UTF8')), 'hex'),
           jsonb_build_object('topic', 'shipping', 'priority', n % 5),
           -- Deterministic per-row noise well below the gap to the small tenant's own rows: each
           -- row stays a near-copy of the query vector yet is a distinct point for the index.
           (SELECT array_agg(q.value + sin(n * 12.9898 + q.position * 78.233) * 0.002 ORDER BY q.position)
            FROM unnest($2::vector::real[]) WITH ORDINALITY AS q(value, position))::vector,
           $3, now() - make_interval(secs => n), now() - make_interval(secs => n)
         FROM generate_series(1, $4::int) AS n, LATERAL (SELECT 'shipping update for order number ' || n AS content) AS row
         RETURNING octet_length(content) AS bytes
       )
       UPDATE tenant_usage u SET memory_count = u.memory_count + s.row_total, searchable_count = u.searchable_count + s.row_total,
         content_bytes = u.content_bytes + s.byte_total
       FROM (SELECT count(*) AS row_total, coalesce(sum(bytes), 0) AS byte_total FROM inserted) AS s
       WHERE u.tenant_id = $1
       RETURNING u.searchable_count::text AS searchable_count`,
      [tenantId, JSON.stringify(vector), embedder.model, size],
    );
    return Number(result.rows[0]?.searchable_count ?? 0);
  });
}

describeEachStore('a small tenant beside a huge one', (target) => {
  const bigSize = bigSizes[target.name];
  let strata: Strata;
  /** The small tenant's five memory ids, and the two whose priority is 3 or more. */
  let smallIds: string[] = [];
  let highPriorityIds: string[] = [];

  beforeAll(async () => {
    const database = await openRawDatabase(target);
    strata = await createStrata({ database, autoIndex: false });
    await strata.tenants.create({ id: bigTenant });
    await strata.tenants.create({ id: smallTenant });
    const [queryVector] = await embedder.embed([query], { purpose: 'query' });
    if (queryVector === undefined) throw new Error('no query embedding');
    expect(await seedHugeTenant(database, bigTenant, bigSize, queryVector)).toBe(bigSize);
    const created = await strata.as({ tenantId: smallTenant }).memories.createMany(
      Array.from({ length: 5 }, (_, index) => ({
        content: `shipping update for order number ${index} (small tenant)`,
        metadata: { topic: 'shipping', priority: index },
      })),
    );
    smallIds = created.map((result) => result.memory.id);
    highPriorityIds = smallIds.slice(3);
  }, 240_000);
  afterAll(() => strata?.close());

  const searchSmall = (mode: SearchMode, limit: number, filter?: MetadataFilter) =>
    strata.as({ tenantId: smallTenant }).search({ query, mode, limit, ...(filter === undefined ? {} : { filter }) });

  /** Every mode, both a page larger than the tenant and one exactly its size, and two filters. */
  async function expectOnlySmallRows(): Promise<Map<string, string[]>> {
    const orders = new Map<string, string[]>();
    for (const mode of ['vector', 'hybrid', 'keyword'] as const) {
      for (const limit of [10, 5]) {
        const { hits } = await searchSmall(mode, limit);
        expectExactly(hits, smallIds, `${mode} limit ${limit}`);
        orders.set(
          `${mode}/${limit}`,
          hits.map((hit) => hit.memoryId),
        );
      }
      // The huge tenant's rows all carry topic 'shipping' and every priority too: a filter applied
      // after a shared top-k would still let them in, or leave the small tenant's page empty.
      expectExactly((await searchSmall(mode, 10, { topic: 'shipping' })).hits, smallIds, `${mode} topic filter`);
      expectExactly((await searchSmall(mode, 10, { priority: { $gte: 3 } })).hits, highPriorityIds, `${mode} priority filter`);
    }
    return orders;
  }

  let ordersBeforeIndex = new Map<string, string[]>();

  it('gives the small tenant exactly its own rows in every mode, limit and filter while the huge one is unindexed', async () => {
    ordersBeforeIndex = await expectOnlySmallRows();
  }, 240_000);

  it('still does once the huge tenant has its own index, which serves the huge tenant a full page of its rows', async () => {
    // The operator's sweep instead of buildIndex: it also proves the seeded counters make the huge
    // tenant look huge and leave the small one unindexed (so it keeps its exact scan).
    expect(await strata.maintenance.indexLargeTenants()).toEqual([bigTenant]);

    const ordersAfterIndex = await expectOnlySmallRows();
    // The small tenant's exact scan is untouched by the neighbour's index: same rows, same order.
    expect(ordersAfterIndex.get('vector/10')).toEqual(ordersBeforeIndex.get('vector/10'));

    let hugeVectorScores: number[] = [];
    for (const mode of ['vector', 'hybrid'] as const) {
      const { hits } = await strata.as({ tenantId: bigTenant }).search({ query, mode, limit: 10 });
      expect(hits, `huge tenant ${mode}`).toHaveLength(10);
      expect(hits.filter((hit) => smallIds.includes(hit.memoryId))).toEqual([]);
      for (const hit of hits) expect(hit.content).toMatch(/^shipping update for order number \d+$/);
      if (mode === 'vector') hugeVectorScores = hits.map((hit) => hit.score);
    }
    // The premise: the huge tenant's worst page-one row outscores the small tenant's best row, so
    // the small tenant's exact five above could only come from isolation, never from ranking.
    const smallScores = (await searchSmall('vector', 10)).hits.map((hit) => hit.score);
    expect(Math.min(...hugeVectorScores)).toBeGreaterThan(Math.max(...smallScores));
  }, 240_000);
});

/** The hits are exactly `ids` (in any order), with nothing else on the page. */
function expectExactly(hits: readonly SearchHit[], ids: readonly string[], label: string): void {
  expect(hits.map((hit) => hit.memoryId).sort(), label).toEqual([...ids].sort());
  for (const hit of hits) expect(hit.content, label).toMatch(/\(small tenant\)$/);
}
