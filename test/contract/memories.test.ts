import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ContractStrata, describeEachSurface } from '../support/surfaces.ts';

describeEachSurface('memories', (target) => {
  let strata: ContractStrata;
  let clock = new Date('2026-01-01T00:00:00Z');
  beforeAll(async () => {
    strata = await target.open({ now: () => clock });
    await strata.tenants.create({ id: 'acme' });
    await strata.tenants.create({ id: 'acme-corp' });
  });
  afterAll(() => strata.close());
  const tick = (seconds: number) => {
    clock = new Date(clock.getTime() + seconds * 1000);
  };

  it('creates, gets, updates with history, and deletes', async () => {
    const john = strata.as({ tenantId: 'acme', userId: 'john' });
    const { memory, deduplicated } = await john.memories.create({
      content: 'Prefers window seats',
      documentType: 'fact',
      metadata: { topic: 'travel', tags: ['seat'] },
      agentId: 'travel-bot',
    });
    expect(deduplicated).toBe(false);
    expect(memory).toMatchObject({
      scope: 'user',
      tenantId: 'acme',
      userId: 'john',
      version: 1,
      documentType: 'fact',
      agentId: 'travel-bot',
    });
    expect(await john.memories.get(memory.id)).toEqual(memory);
    tick(1);
    const updated = await john.memories.update(memory.id, { content: 'Prefers aisle seats', metadata: { topic: 'travel' } });
    expect(updated).toMatchObject({ version: 2, content: 'Prefers aisle seats', metadata: { topic: 'travel' } });
    expect(await john.memories.history(memory.id)).toMatchObject([
      { version: 1, content: 'Prefers window seats', metadata: { topic: 'travel', tags: ['seat'] } },
    ]);
    expect(await john.memories.delete(memory.id)).toEqual({ id: memory.id, deleted: true });
    await expect(john.memories.get(memory.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('deduplicates identical content within a scope, not across scopes or users', async () => {
    const john = strata.as({ tenantId: 'acme', userId: 'john' });
    const first = await john.memories.create({ content: 'Same text' });
    const again = await john.memories.create({ content: 'Same text' });
    expect(again).toEqual({ memory: first.memory, deduplicated: true });
    const customer = await john.memories.create({ content: 'Same text', scope: 'customer' });
    expect(customer.deduplicated).toBe(false);
    const jane = await strata.as({ tenantId: 'acme', userId: 'jane' }).memories.create({ content: 'Same text' });
    expect(jane.deduplicated).toBe(false);
    const batch = await john.memories.createMany([{ content: 'Batch twin' }, { content: 'Batch twin' }]);
    expect(batch[0]?.deduplicated).toBe(false);
    expect(batch[1]).toMatchObject({ deduplicated: true, memory: { id: batch[0]?.memory.id } });
  });

  it('never returns expired memories, and lets expired content be stored again', async () => {
    const acme = strata.as({ tenantId: 'acme' });
    const { memory } = await acme.memories.create({ content: 'Temporary code 1234', ttlSeconds: 60 });
    expect((await acme.search({ query: 'temporary code', mode: 'keyword' })).hits.map((hit) => hit.memoryId)).toContain(memory.id);
    tick(61);
    await expect(acme.memories.get(memory.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await acme.search({ query: 'temporary code', mode: 'keyword' })).hits).toEqual([]);
    expect((await acme.memories.list()).items.map((item) => item.id)).not.toContain(memory.id);
    const again = await acme.memories.create({ content: 'Temporary code 1234' });
    expect(again.deduplicated).toBe(false);
    await expect(acme.memories.create({ content: 'past', expiresAt: '2020-01-01T00:00:00Z' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'expiresAt' },
    });
  });

  it('chunks long documents; chunks are searchable and traced to their document', async () => {
    const acme = strata.as({ tenantId: 'acme' });
    const sentences = Array.from({ length: 120 }, (_, index) => `Paragraph ${index} describes the warehouse in region ${index}.`);
    sentences[77] = 'The secret launch codename is BLUEHERON.';
    const { memory } = await acme.memories.create({ content: sentences.join(' '), documentType: 'document' });
    expect(memory.chunkCount).toBeGreaterThan(3);
    const { hits } = await acme.search({ query: 'BLUEHERON codename', mode: 'keyword' });
    expect(hits[0]).toMatchObject({ memoryId: memory.id, chunk: { documentId: memory.id } });
    expect(hits[0]?.content).toContain('BLUEHERON');
    expect((await acme.memories.get(memory.id)).content).toBe(sentences.join(' '));
    await acme.memories.update(memory.id, { metadata: { reviewed: true } });
    expect((await acme.search({ query: 'BLUEHERON', mode: 'keyword', filter: { reviewed: true } })).hits[0]?.memoryId).toBe(memory.id);
    await acme.memories.delete(memory.id);
    expect((await acme.search({ query: 'BLUEHERON', mode: 'keyword' })).hits).toEqual([]);
  });

  it('lists with filters and cursor pagination, newest first', async () => {
    const bob = strata.as({ tenantId: 'acme-corp', userId: 'bob' });
    const created = [];
    for (let index = 0; index < 7; index += 1) {
      tick(1);
      const { memory } = await bob.memories.create({
        content: `note ${index}`,
        documentType: index % 2 === 0 ? 'note' : 'fact',
        metadata: { index, parity: index % 2 === 0 ? 'even' : 'odd', ...(index === 3 ? { flagged: true } : {}) },
        conversationId: index < 4 ? 'conv-1' : 'conv-2',
      });
      created.push(memory);
    }
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await bob.memories.list({ limit: 3, scope: 'user', ...(cursor === undefined ? {} : { cursor }) });
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(ids).toEqual(created.map((memory) => memory.id).reverse());
    const contents = async (query: Parameters<typeof bob.memories.list>[0]) =>
      (await bob.memories.list(query)).items.map((item) => item.content).sort();
    expect(await contents({ filter: { index: { $gte: 5 } } })).toEqual(['note 5', 'note 6']);
    expect(await contents({ filter: { index: { $gt: 1, $lt: 4 } } })).toEqual(['note 2', 'note 3']);
    expect(await contents({ filter: { parity: { $in: ['odd'] }, index: { $ne: 1 } } })).toEqual(['note 3', 'note 5']);
    expect(await contents({ filter: { parity: { $nin: ['odd'] }, index: { $lte: 2 } } })).toEqual(['note 0', 'note 2']);
    expect(await contents({ filter: { flagged: { $exists: true } } })).toEqual(['note 3']);
    expect(await contents({ filter: { parity: 'even', index: { $eq: 4 } } })).toEqual(['note 4']);
    expect(await contents({ documentType: 'fact', conversationId: 'conv-2' })).toEqual(['note 5']);
    expect(await contents({ createdAfter: created[4]?.createdAt })).toEqual(['note 5', 'note 6']);
    expect(await contents({ filter: { index: { $gt: 'a' } } })).toEqual([]);
  });

  it('erases every memory and history row of one user and nobody else', async () => {
    const eve = strata.as({ tenantId: 'acme', userId: 'eve' });
    const { memory } = await eve.memories.create({ content: 'eve secret one' });
    await eve.memories.update(memory.id, { content: 'eve secret one, edited' });
    await eve.memories.create({ content: 'eve secret two' });
    const eveElsewhere = strata.as({ tenantId: 'acme-corp', userId: 'eve' });
    await eveElsewhere.memories.create({ content: 'another eve entirely' });
    const report = await strata.as({ tenantId: 'acme' }).memories.deleteAllForUser('eve');
    expect(report).toEqual({ userId: 'eve', memories: 2, history: 1, conversations: 0, messages: 0 });
    expect((await eve.memories.list()).items.filter((item) => item.scope === 'user')).toEqual([]);
    expect((await eve.search({ query: 'eve secret', mode: 'keyword' })).hits).toEqual([]);
    expect((await eveElsewhere.memories.list({ scope: 'user' })).items).toHaveLength(1);
    await expect(strata.as({ tenantId: 'acme', userId: 'mallory', role: 'member' }).memories.deleteAllForUser('eve')).rejects.toMatchObject(
      {
        code: 'forbidden',
      },
    );
  });

  it('rejects bad input naming the field, and writes nothing', async () => {
    const acme = strata.as({ tenantId: 'acme-corp' });
    const before = (await acme.memories.list({ limit: 200 })).items.length;
    const cases: Array<[unknown, string]> = [
      [{ content: '' }, 'content'],
      [{ content: 'a\u0000b' }, 'content'],
      [{ content: 'lone \ud800 surrogate' }, 'content'],
      [{ content: 'x', metadata: { deep: { a: { b: { c: { d: { e: 1 } } } } } } }, 'metadata'],
      [{ content: 'x', metadata: Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`k${index}`, index])) }, 'metadata'],
      [{ content: 'x', agentId: 'bad agent' }, 'agentId'],
      [{ content: 'x', documentType: 'Bad Type' }, 'documentType'],
      [{ content: 'x', unknownField: 1 }, 'unknownField'],
      [{ content: 'x', ttlSeconds: -1 }, 'ttlSeconds'],
    ];
    for (const [input, field] of cases) {
      await expect(acme.memories.create(input as never), JSON.stringify(input)).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field },
      });
    }
    await expect(acme.memories.createMany([{ content: 'fine' }, { content: '' }])).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'items.1.content' },
    });
    await expect(acme.memories.createMany(Array.from({ length: 501 }, (_, index) => ({ content: `m${index}` })))).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(acme.memories.list({ limit: 1e9 })).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'limit' } });
    await expect(acme.memories.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'cursor' },
    });
    await expect(acme.memories.list({ filter: { a: { $regex: '.*' } } as never })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(acme.memories.get('not-a-uuid')).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'id' } });
    expect((await acme.memories.list({ limit: 200 })).items).toHaveLength(before);
  });

  it('round-trips unusual text and metadata exactly', async () => {
    const acme = strata.as({ tenantId: 'acme-corp' });
    const content = 'RTL: שלום עולם — emoji 🧠 — quotes \' " — backslash \\ — percent %_ — json {"$gt":1}';
    const metadata = { "we'ird %_\\key": 'va"lue', nested: { list: [1, 'two', null, true] }, '$.path': '$[0]' };
    const { memory } = await acme.memories.create({ content, metadata });
    const fetched = await acme.memories.get(memory.id);
    expect(fetched.content).toBe(content);
    expect(fetched.metadata).toEqual(metadata);
    expect((await acme.memories.list({ filter: { "we'ird %_\\key": 'va"lue' } })).items.map((item) => item.id)).toEqual([memory.id]);
    expect((await acme.memories.list({ filter: { "we'ird %_\\key": 'va%' } })).items).toEqual([]);
  });
});
