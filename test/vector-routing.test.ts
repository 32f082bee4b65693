import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database, Queryable } from '../src/db/database.ts';
import { vectorCandidates } from '../src/features/search/candidates.ts';
import { createHashEmbedder, createStrata, type Strata } from '../src/index.ts';
import { describeEachStore, openRawDatabase } from './support/stores.ts';

const embedder = createHashEmbedder();
const bigSize = 1_500;

describeEachStore('vector search routing', (target) => {
  let database: Database;
  let strata: Strata;
  beforeAll(async () => {
    database = await openRawDatabase(target);
    strata = await createStrata({ database, autoIndex: false });
    await strata.tenants.create({ id: 'big' });
    await strata.tenants.create({ id: 'small' });
    const big = strata.as({ tenantId: 'big' });
    // Near-identical texts: the kind of neighbour that crowds a small tenant out of a shared index.
    for (let start = 0; start < bigSize; start += 500) {
      await big.memories.createMany(
        Array.from({ length: 500 }, (_, index) => ({ content: `shipping update for order number ${start + index}` })),
      );
    }
    await strata
      .as({ tenantId: 'small' })
      .memories.createMany(
        Array.from({ length: 5 }, (_, index) => ({ content: `shipping update for order number ${index} (small tenant)` })),
      );
  }, 180_000);
  afterAll(() => strata.close());

  it('returns exactly a small tenant own rows beside a large one, before and after the large one is indexed', async () => {
    const small = strata.as({ tenantId: 'small' });
    const before = await small.search({ query: 'shipping update order', mode: 'vector', limit: 10 });
    expect(before.hits).toHaveLength(5);
    await strata.maintenance.buildIndex('big');
    const after = await small.search({ query: 'shipping update order', mode: 'vector', limit: 10 });
    expect(after.hits.map((hit) => hit.memoryId)).toEqual(before.hits.map((hit) => hit.memoryId));
  });

  it('sends a large tenant through its own HNSW index, and finds its true nearest neighbours', async () => {
    await strata.maintenance.buildIndex('big');
    const query = 'shipping update for order number 1234';
    const [embedding] = await embedder.embed([query]);
    if (embedding === undefined) throw new Error('no embedding');
    const request = (tenantIndexed: boolean) => ({
      identity: { clientId: 'default', tenantId: 'big', role: 'admin' as const },
      scopes: ['customer' as const],
      query: {},
      limit: 10,
      now: new Date(),
      dimensions: embedder.dimensions,
      tenantIndexed,
    });
    const plans: string[] = [];
    const explain = (db: Queryable): Queryable => ({
      exec: (sql) => db.exec(sql),
      query: async <Row>(sql: string, params?: readonly unknown[]) => {
        if (sql.startsWith('SELECT * FROM')) {
          const plan = await db.query<Record<string, string>>(`EXPLAIN ${sql}`, params);
          plans.push(plan.rows.map((row) => Object.values(row).join(' ')).join('\n'));
        }
        return db.query<Row>(sql, params);
      },
    });
    const session = { role: 'admin', tenantId: 'big', clientId: 'default' };
    const indexed = await database.withSession(session, (db) => vectorCandidates(explain(db), request(true), embedding));
    const exact = await database.withSession(session, (db) => vectorCandidates(explain(db), request(false), embedding));
    expect(plans[0]).toMatch(/memories_hnsw_/);
    expect(plans[1]).not.toMatch(/memories_hnsw_/);
    expect(indexed).toHaveLength(10);
    const exactIds = new Set(exact.map((row) => row.memory_id));
    expect(indexed.filter((row) => exactIds.has(row.memory_id)).length).toBeGreaterThanOrEqual(9);
    const { hits } = await strata.as({ tenantId: 'big' }).search({ query, mode: 'vector', limit: 10 });
    expect(hits[0]?.content).toBe(query);
  });

  it('answers at the largest limit in every mode, and in context, on an indexed tenant', async () => {
    await strata.maintenance.buildIndex('big');
    const big = strata.as({ tenantId: 'big' });
    for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
      const { hits } = await big.search({ query: 'shipping update order number', mode, limit: 100 });
      expect(hits, mode).toHaveLength(100);
    }
    for (const mode of ['vector', 'hybrid'] as const) {
      const context = await big.context({ query: 'shipping update order number', mode, limit: 100, tokenBudget: 200_000 });
      expect(context.memories.length, mode).toBeGreaterThan(0);
    }
  });
});
