import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database, Queryable } from '../src/db/database.ts';
import { encodeKey, valueAt } from '../src/features/collections/collection-keys.ts';
import { createStrata, type Json, type Strata } from '../src/index.ts';
import { describeEachStore, openRawDatabase } from './support/stores.ts';

const documents = 3_000;

describeEachStore('collection indexes', (target) => {
  let database: Database;
  let strata: Strata;
  const plans: string[] = [];
  beforeAll(async () => {
    database = await openRawDatabase(target);
    // Every find statement is explained, in the caller's session, with its real parameters.
    const explaining = (db: Queryable): Queryable => ({
      exec: (sql) => db.exec(sql),
      query: async <Row>(sql: string, params?: readonly unknown[]) => {
        if (sql.includes('FROM collection_documents') && sql.includes('ORDER BY') && sql.includes('sort_key')) {
          const plan = await db.query<Record<string, string>>(`EXPLAIN ${sql}`, params);
          plans.push(plan.rows.map((row) => Object.values(row).join(' ')).join('\n'));
        }
        return db.query<Row>(sql, params);
      },
    });
    const observed: Database = {
      kind: database.kind,
      withSession: (settings, work, prelude) => database.withSession(settings, (db, rows) => work(explaining(db), rows), prelude),
      asOwner: (work) => database.asOwner(work),
      ownerStatements: (statements) => database.ownerStatements(statements),
      close: () => database.close(),
    };
    strata = await createStrata({ database: observed });
    for (const tenantId of ['big', 'other']) {
      await strata.tenants.create({ id: tenantId, plan: 'custom' });
      await strata.as({ tenantId, role: 'admin' }).collections.create({ name: 'orders', indexes: ['status', 'total'] });
    }
    const big = strata.as({ tenantId: 'big' });
    for (let start = 0; start < documents; start += 100)
      await big.collections.insertMany(
        'orders',
        Array.from({ length: 100 }, (_, offset) => {
          const n = start + offset;
          return { id: `o-${String(n).padStart(5, '0')}`, document: { status: `s${n % 50}`, total: (n * 7919) % 1000, note: 'x' } };
        }),
      );
    await strata.as({ tenantId: 'other' }).collections.insert('orders', { id: 'o-00001', document: { status: 's1', total: 1 } });
    await database.asOwner((db) => db.exec('ANALYZE collection_documents'));
  }, 240_000);
  afterAll(() => strata.close());

  it('answers an equality and a range on indexed fields from their index, under row-level security', async () => {
    const big = strata.as({ tenantId: 'big' });
    plans.length = 0;
    const page = await big.collections.find('orders', { filter: { status: 's7' }, limit: 200 });
    expect(page.items).toHaveLength(documents / 50);
    expect(page.items.every((document) => document.document.status === 's7')).toBe(true);
    expect(plans[0]).toMatch(/collection_documents_key_0/);
    expect(plans[0]).toMatch(/Index Cond: .*key_0 =/);
    const range = await big.collections.find('orders', { filter: { total: { $gte: 990 } }, limit: 200 });
    expect(range.items.map((document) => document.document.total).every((total) => (total as number) >= 990)).toBe(true);
    expect(range.items).toHaveLength(30);
    expect(plans[1]).toMatch(/Index Cond: .*key_1 >=/);
    // The same filter on an unindexed field scans the collection instead.
    await big.collections.find('orders', { filter: { note: 'y' } });
    expect(plans[2]).not.toMatch(/key_\d (=|>=)/);
  });

  it('pages a sort on an indexed field in index order, without sorting', async () => {
    const big = strata.as({ tenantId: 'big' });
    plans.length = 0;
    const first = await big.collections.find('orders', { sort: { field: 'total', order: 'desc' }, limit: 5 });
    expect(first.items.map((document) => document.document.total)).toEqual([999, 999, 999, 998, 998]);
    const second = await big.collections.find('orders', {
      sort: { field: 'total', order: 'desc' },
      limit: 5,
      cursor: first.nextCursor ?? '',
    });
    expect(second.items.map((document) => document.document.total)).toEqual([998, 997, 997, 997, 996]);
    for (const plan of plans) {
      expect(plan).toMatch(/collection_documents_key_1/);
      expect(plan).not.toMatch(/\bSort\b/);
    }
  });
});

describeEachStore('collection keys', (target) => {
  let database: Database;
  beforeAll(async () => {
    database = await openRawDatabase(target);
  });
  afterAll(() => database.close());

  it('resolve a path exactly as PostgreSQL #> does', async () => {
    const document: Json = { a: { b: [10, { c: 'deep' }, null], '0': 'zero', ' 1': 'spaced' }, list: ['x', 'y', 'z'], n: null };
    const paths = [
      ['a', 'b', '0'],
      ['a', 'b', '1', 'c'],
      ['a', 'b', '2'],
      ['a', 'b', '3'],
      ['a', 'b', '-1'],
      ['a', 'b', '-3'],
      ['a', 'b', '-4'],
      ['a', 'b', '+1', 'c'],
      ['a', 'b', ' 1', 'c'],
      ['a', 'b', '01'],
      ['a', 'b', '1x'],
      ['a', 'b', '99999999999'],
      ['a', '0'],
      ['a', ' 1'],
      ['list', '2'],
      ['list', 'length'],
      ['n'],
      ['n', 'x'],
      ['missing'],
      ['a', 'b', '0', 'deeper'],
    ];
    for (const path of paths) {
      const sql = await database.asOwner((db) =>
        db.query<{ value: string | null }>('SELECT ($1::jsonb #> $2::text[])::text AS value', [JSON.stringify(document), path]),
      );
      const resolved = valueAt(document, path);
      // SQL NULL is a missing field; the JSON null value is the text 'null'.
      expect(resolved === undefined ? null : JSON.stringify(resolved), path.join('.')).toBe(
        sql.rows[0]?.value === null ? null : JSON.stringify(JSON.parse(sql.rows[0]?.value ?? 'null')),
      );
    }
  });

  it('order as jsonb orders numbers, and strings by bytes', async () => {
    const numbers = [-1e308, -5.5, -1, -Number.MIN_VALUE, 0, -0, Number.MIN_VALUE, 0.1, 1, 2, 10, 1e21, 1.7e308];
    const keys = numbers.map((value) => encodeKey(value));
    const sorted = await database.asOwner((db) =>
      db.query<{ key: string }>('SELECT key FROM unnest($1::text[]) AS k(key) ORDER BY key COLLATE "C"', [keys]),
    );
    expect(sorted.rows.map((row) => row.key)).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(sorted.rows.map((row) => keys.indexOf(row.key))).toEqual([0, 1, 2, 3, 4, 4, 6, 7, 8, 9, 10, 11, 12]);
    expect(encodeKey(-0)).toBe(encodeKey(0));
    // Types keep jsonb's order: null < string < number < boolean < array < object, then missing.
    const typed = [null, 'zzz', -1, false, true, [1], { a: 1 }, undefined].map((value) => encodeKey(value as Json | undefined));
    expect([...typed].sort()).toEqual(typed);
    expect(encodeKey({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe(encodeKey({ a: [2, { c: 2, d: 1 }], b: 1 }));
  });
});
