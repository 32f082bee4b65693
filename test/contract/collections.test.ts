import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Json, NewCollectionDocument } from '../../src/index.ts';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

describeEachSurface('collections', (target) => {
  let strata: ContractStrata;
  beforeAll(async () => {
    strata = await target.open();
    await strata.tenants.create({ id: 'co-acme' });
    await strata.tenants.create({ id: 'co-globex' });
  });
  afterAll(() => strata.close());

  const admin = () => strata.as({ tenantId: 'co-acme', role: 'admin' });
  const ann = () => strata.as({ tenantId: 'co-acme', userId: 'ann', role: 'member' });
  const reader = () => strata.as({ tenantId: 'co-acme', role: 'reader' });
  const globex = () => strata.as({ tenantId: 'co-globex', role: 'admin' });

  it('creates, lists, reads, re-describes and deletes collections; only admins manage them', async () => {
    const tickets = await admin().collections.create({ name: 'tickets', description: 'Support tickets', indexes: ['status'] });
    expect(tickets).toMatchObject({
      name: 'tickets',
      tenantId: 'co-acme',
      description: 'Support tickets',
      indexes: ['status'],
      documentCount: 0,
      bytes: 0,
    });
    await expect(ann().collections.create({ name: 'mine' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(admin().collections.create({ name: 'tickets' })).rejects.toMatchObject({ code: 'conflict', details: { field: 'name' } });
    for (const name of ['', '../x', "t'; DROP TABLE x; --", 'a%', '.hidden', 'x'.repeat(65)])
      await expect(admin().collections.create({ name })).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'name' } });
    for (const [indexes, field] of [
      [['a', 'a'], 'indexes'],
      [['a', 'b', 'c', 'd', 'e'], 'indexes'],
      [['a..b'], 'indexes.0'],
      [['$where'], 'indexes.0'],
    ] as const)
      await expect(admin().collections.create({ name: 'bad', indexes: [...indexes] })).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field },
      });
    await admin().collections.create({ name: 'notes' });
    expect((await reader().collections.list()).items.map((collection) => collection.name)).toEqual(['notes', 'tickets']);
    const page = await admin().collections.list({ limit: 1 });
    expect(page.items.map((collection) => collection.name)).toEqual(['notes']);
    expect((await admin().collections.list({ limit: 1, cursor: page.nextCursor ?? '' })).items.map((c) => c.name)).toEqual(['tickets']);
    expect(await admin().collections.update('notes', { description: 'Scratch' })).toMatchObject({ description: 'Scratch', indexes: [] });
    // Another tenant's collection reads exactly like one that does not exist.
    for (const name of ['tickets', 'never-made'])
      await expect(globex().collections.get(name)).rejects.toMatchObject({
        code: 'not_found',
        message: `collection ${JSON.stringify(name)} not found`,
      });
    expect((await globex().collections.list()).items).toEqual([]);
    await admin().collections.insert('notes', { id: 'n1', document: { text: 'x' } });
    expect(await admin().collections.delete('notes')).toEqual({ name: 'notes', deleted: true, documents: 1 });
    await expect(admin().collections.get('notes')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('inserts, reads, replaces, patches and deletes documents with versions; readers only read', async () => {
    await admin().collections.create({ name: 'orders', indexes: ['customer.city'] });
    const order = await ann().collections.insert('orders', {
      id: 'o-1',
      document: { customer: { name: 'Ann', city: 'Oslo' }, total: 12.5, tags: ['gift'] },
    });
    expect(order).toMatchObject({ id: 'o-1', collection: 'orders', version: 1, document: { total: 12.5 } });
    expect(order.bytes).toBe(Buffer.byteLength(JSON.stringify(order.document)));
    const generated = await ann().collections.insert('orders', { document: { total: 3 } });
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(ann().collections.insert('orders', { id: 'o-1', document: {} })).rejects.toMatchObject({
      code: 'conflict',
      details: { field: 'id' },
    });
    await expect(reader().collections.insert('orders', { document: {} })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(ann().collections.insert('missing', { document: {} })).rejects.toMatchObject({ code: 'not_found' });
    expect(await reader().collections.getDocument('orders', 'o-1')).toEqual(order);

    const replaced = await ann().collections.replace('orders', 'o-1', {
      document: { customer: { city: 'Bergen' }, total: 20 },
      ifVersion: 1,
    });
    expect(replaced).toMatchObject({ version: 2, document: { customer: { city: 'Bergen' }, total: 20 } });
    await expect(ann().collections.replace('orders', 'o-1', { document: {}, ifVersion: 1 })).rejects.toMatchObject({
      code: 'conflict',
      details: { field: 'ifVersion', version: 2 },
    });
    const patched = await ann().collections.patch('orders', 'o-1', {
      patch: { total: null, status: 'open', customer: { name: 'Ann' } },
    });
    expect(patched.version).toBe(3);
    expect(patched.document).toEqual({ customer: { city: 'Bergen', name: 'Ann' }, status: 'open' });
    // A key that could only be dropped or turned into a prototype is refused, not lost (the server refuses the body itself).
    await expect(
      ann().collections.patch('orders', 'o-1', { patch: JSON.parse('{"customer": {"__proto__": {"polluted": true}}}') }),
    ).rejects.toMatchObject({ code: 'invalid_input', details: { field: target.surface === 'http' ? 'body' : 'patch' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The patched city is what the index holds: a find on it sees the change.
    expect((await ann().collections.find('orders', { filter: { 'customer.city': 'Bergen' } })).items.map((d) => d.id)).toEqual(['o-1']);

    const batch = await ann().collections.insertMany('orders', [
      { id: 'o-2', document: { total: 1 } },
      { id: 'o-3', document: { total: 2 } },
    ]);
    expect(batch.map((document) => document.id)).toEqual(['o-2', 'o-3']);
    // All or none: one taken id refuses the batch, naming it.
    await expect(
      ann().collections.insertMany('orders', [
        { id: 'o-4', document: {} },
        { id: 'o-2', document: {} },
      ]),
    ).rejects.toMatchObject({ code: 'conflict', details: { field: 'documents.1.id' } });
    await expect(ann().collections.getDocument('orders', 'o-4')).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      ann().collections.insertMany('orders', [
        { id: 'o-5', document: {} },
        { id: 'o-5', document: {} },
      ]),
    ).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'documents.1.id' } });
    const collection = await admin().collections.get('orders');
    expect(collection.documentCount).toBe(4);
    expect(await ann().collections.deleteDocument('orders', 'o-3')).toEqual({ id: 'o-3', collection: 'orders', deleted: true });
    await expect(ann().collections.deleteDocument('orders', 'o-3')).rejects.toMatchObject({ code: 'not_found' });
    expect((await admin().collections.get('orders')).documentCount).toBe(3);
    // Tenant B: the same names resolve to nothing.
    await expect(globex().collections.getDocument('orders', 'o-1')).rejects.toMatchObject({ code: 'not_found' });
    await globex().collections.create({ name: 'orders' });
    await expect(globex().collections.getDocument('orders', 'o-1')).rejects.toMatchObject({ code: 'not_found' });
    expect((await globex().collections.find('orders')).items).toEqual([]);
  });

  it('refuses malformed documents, naming the field, and changes nothing', async () => {
    await admin().collections.create({ name: 'strict', indexes: ['title'] });
    let deep: Record<string, unknown> = {};
    for (let level = 0; level < 40; level += 1) deep = { deep };
    for (const [document, field] of [
      ['not an object', 'document'],
      [[1, 2], 'document'],
      [deep, 'document'],
      [{ text: 'nul \u0000' }, 'document'],
      [{ title: 'x'.repeat(2_000) }, 'document'],
    ] as const)
      await expect(ann().collections.insert('strict', { document: document as never })).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field },
      });
    await expect(ann().collections.insert('strict', { id: 'a b', document: {} })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'id' },
    });
    await expect(ann().collections.patch('strict', 'nope', { patch: {} })).rejects.toMatchObject({ code: 'not_found' });
    await ann().collections.insert('strict', { id: 'big', document: { body: 'y'.repeat(2_000) } });
    await expect(admin().collections.update('strict', { indexes: ['body'] })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'indexes.0' },
    });
    expect((await admin().collections.get('strict')).indexes).toEqual(['title']);
    await expect(ann().collections.patch('strict', 'big', { patch: { title: 'z'.repeat(2_000) } })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'patch' },
    });
    expect((await ann().collections.getDocument('strict', 'big')).version).toBe(1);
  });

  it('finds with every operator on nested paths, indexed or not, and pages through a sort on an indexed field', async () => {
    await admin().collections.create({ name: 'people', indexes: ['age', 'address.city'] });
    const people: NewCollectionDocument[] = [
      { id: 'p1', document: { name: 'Ann', age: 31, address: { city: 'Oslo' }, vip: true } },
      { id: 'p2', document: { name: 'Bob', age: 25, address: { city: 'Bergen' } } },
      { id: 'p3', document: { name: 'Cid', age: 42, address: { city: 'Oslo' }, vip: false } },
      { id: 'p4', document: { name: 'Dee', address: { city: 'Tromsø' } } as Record<string, Json> },
      { id: 'p5', document: { name: "O'Brien % _", age: 25, address: { city: null } } },
    ];
    await ann().collections.insertMany('people', people);
    const ids = async (query: Parameters<ContractStrata['collections']['find']>[1]) =>
      (await ann().collections.find('people', query)).items.map((document) => document.id);
    expect(await ids({ filter: { 'address.city': 'Oslo' } })).toEqual(['p1', 'p3']);
    expect(await ids({ filter: { 'address.city': { $ne: 'Oslo' } } })).toEqual(['p2', 'p4', 'p5']);
    expect(await ids({ filter: { 'address.city': { $in: ['Bergen', 'Tromsø'] } } })).toEqual(['p2', 'p4']);
    expect(await ids({ filter: { 'address.city': { $nin: ['Oslo'] } } })).toEqual(['p2', 'p4', 'p5']);
    expect(await ids({ filter: { 'address.city': null } })).toEqual(['p5']);
    expect(await ids({ filter: { age: { $gte: 25, $lt: 42 } } })).toEqual(['p1', 'p2', 'p5']);
    expect(await ids({ filter: { age: { $gt: '30' } } })).toEqual([]);
    expect(await ids({ filter: { age: { $exists: false } } })).toEqual(['p4']);
    expect(await ids({ filter: { vip: { $exists: true } } })).toEqual(['p1', 'p3']);
    expect(await ids({ filter: { vip: false, name: 'Cid' } })).toEqual(['p3']);
    // Metacharacters match literally.
    expect(await ids({ filter: { name: "O'Brien % _" } })).toEqual(['p5']);
    expect(await ids({ filter: { name: { $in: ['%', '_', '*'] } } })).toEqual([]);
    expect(await ids({ filter: { "name') OR ('1'='1": 'x' } })).toEqual([]);
    expect(await ids({ filter: { 'address.city.0': 'O' } })).toEqual([]);

    const sorted = async (order: 'asc' | 'desc') => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await ann().collections.find('people', { sort: { field: 'age', order }, limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((document) => document.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return seen;
    };
    expect(await sorted('asc')).toEqual(['p2', 'p5', 'p1', 'p3', 'p4']);
    expect(await sorted('desc')).toEqual(['p4', 'p3', 'p1', 'p5', 'p2']);
    const first = await ann().collections.find('people', { limit: 2 });
    expect(first.items.map((document) => document.id)).toEqual(['p1', 'p2']);
    await expect(ann().collections.find('people', { cursor: first.nextCursor ?? '', sort: { field: 'age' } })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'cursor' },
    });
    await expect(ann().collections.find('people', { cursor: 'garbage' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'cursor' },
    });
    await expect(ann().collections.find('people', { sort: { field: 'name' } })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'sort.field' },
    });
    await expect(ann().collections.find('people', { filter: { age: { $regex: '.*' } } as never })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'filter.age.$regex' },
    });
    // Re-declaring the indexes re-keys the documents: a sort on the new field works at once.
    await admin().collections.update('people', { indexes: ['name'] });
    expect(await ids({ sort: { field: 'name', order: 'desc' }, limit: 2 })).toEqual(['p5', 'p4']);
    expect(await ids({ filter: { age: 25 } })).toEqual(['p2', 'p5']);
  });

  it('holds the collections limit, the document size limit and the storage quota', async () => {
    await strata.tenants.create({
      id: 'co-small',
      plan: 'custom',
      limits: { collections: 1, collectionDocumentBytes: 100, storageBytes: 250 },
    });
    const small = strata.as({ tenantId: 'co-small', role: 'admin' });
    await small.collections.create({ name: 'one' });
    await expect(small.collections.create({ name: 'two' })).rejects.toMatchObject({
      code: 'limit_exceeded',
      details: { limit: 'collections' },
    });
    await expect(small.collections.insert('one', { document: { text: 'x'.repeat(100) } })).rejects.toMatchObject({
      code: 'limit_exceeded',
      details: { field: 'document', limit: 'collectionDocumentBytes' },
    });
    await small.collections.insert('one', { id: 'a', document: { text: 'x'.repeat(80) } });
    await small.collections.insert('one', { id: 'b', document: { text: 'x'.repeat(80) } });
    await expect(small.collections.insert('one', { id: 'c', document: { text: 'x'.repeat(80) } })).rejects.toMatchObject({
      code: 'limit_exceeded',
      details: { limit: 'storageBytes' },
    });
    await small.collections.deleteDocument('one', 'a');
    await small.collections.insert('one', { id: 'c', document: { text: 'x'.repeat(80) } });
    expect((await small.collections.get('one')).bytes).toBe(2 * Buffer.byteLength(JSON.stringify({ text: 'x'.repeat(80) })));
    // Deleting the collection gives back its count and its bytes.
    await small.collections.delete('one');
    await small.collections.create({ name: 'two' });
    await small.collections.insertMany('two', [{ document: { text: 'x'.repeat(80) } }, { document: { text: 'x'.repeat(80) } }]);
  });
});
