import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrata, type Strata } from '../../index.ts';
import { bm25Parameters, tsqueryText } from './bm25.ts';

describe('tsqueryText', () => {
  it('quotes each lexeme and escapes quotes and backslashes', () => {
    expect(tsqueryText(['appl', 'pie'], '|')).toBe("'appl' | 'pie'");
    expect(tsqueryText(["o'neil", 'a\\b'], '&')).toBe("'o''neil' & 'a\\\\b'");
  });
});

describe('keyword search (BM25 in SQL)', () => {
  let strata: Strata;
  beforeAll(async () => {
    strata = await createStrata({ inMemory: true });
    await strata.tenants.create({ id: 'acme' });
  });
  afterAll(() => strata.close());

  it('ranks a match on a rare term above a match on a common term', async () => {
    const tenant = strata.as({ tenantId: 'acme' });
    const common = Array.from({ length: 30 }, (_, index) => ({
      content: `Weekly meeting notes number ${index}`,
      metadata: { kind: 'filler' },
    }));
    await tenant.memories.createMany([
      ...common,
      { content: 'The meeting moved to Thursday', metadata: { kind: 'common' } },
      { content: 'Budget approved by the kraken committee', metadata: { kind: 'rare' } },
    ]);
    // "meeting" is in 31 rows, "kraken" in one: the kraken row must lead, though each matches one word once.
    const { hits } = await tenant.search({ query: 'kraken meeting', mode: 'keyword', limit: 5 });
    expect(hits[0]?.metadata.kind).toBe('rare');
    expect(hits[0]?.score).toBeGreaterThan(2 * (hits[1]?.score ?? 0));
    expect(hits.slice(1).every((hit) => hit.content.includes('meeting'))).toBe(true);
  });

  it('computes Okapi BM25 with Lucene idf over the visible rows', async () => {
    await strata.tenants.create({ id: 'exact' });
    const tenant = strata.as({ tenantId: 'exact' });
    // English analysis: "apple" → appl, "cherries" → cherri; lengths count distinct lexemes.
    await tenant.memories.createMany([{ content: 'apple banana' }, { content: 'apple apple cherries' }, { content: 'dates' }]);
    const { hits } = await tenant.search({ query: 'apple', mode: 'keyword' });
    const { k1, b } = bm25Parameters;
    const documents = 3;
    const averageLength = (2 + 2 + 1) / documents;
    const idf = Math.log(1 + (documents - 2 + 0.5) / (2 + 0.5));
    const score = (frequency: number, length: number) =>
      (idf * frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * length) / averageLength));
    expect(hits.map((hit) => hit.content)).toEqual(['apple apple cherries', 'apple banana']);
    expect(hits[0]?.score).toBeCloseTo(score(2, 2), 10);
    expect(hits[1]?.score).toBeCloseTo(score(1, 2), 10);
    expect(hits[0]?.scores.keyword).toBe(hits[0]?.score);
  });

  it('reads tsquery syntax in the query as plain words', async () => {
    const tenant = strata.as({ tenantId: 'exact' });
    for (const query of ["apple & !banana | 'cherries':*", 'apple\\', '(((', "it's"]) {
      await expect(tenant.search({ query, mode: 'keyword' })).resolves.toBeDefined();
    }
    const { hits } = await tenant.search({ query: "apple & !banana | 'cherries':*", mode: 'keyword' });
    expect(hits.map((hit) => hit.content)).toEqual(['apple apple cherries', 'apple banana']);
    expect((await tenant.search({ query: 'the and of', mode: 'keyword' })).hits).toEqual([]);
  });

  it("takes corpus statistics from the caller's visible rows only", async () => {
    await strata.tenants.create({ id: 'private' });
    const ann = strata.as({ tenantId: 'private', userId: 'ann' });
    await ann.memories.create({ content: 'Ann keeps a sourdough starter' });
    await strata.as({ tenantId: 'private' }).memories.create({ content: 'The office kitchen has an oven' });
    const before = (await ann.search({ query: 'sourdough', mode: 'keyword' })).hits;
    const bob = strata.as({ tenantId: 'private', userId: 'bob' });
    await bob.memories.createMany(Array.from({ length: 20 }, (_, index) => ({ content: `Bob bakes sourdough loaf ${index}` })));
    const after = (await ann.search({ query: 'sourdough', mode: 'keyword' })).hits;
    expect(after.map((hit) => hit.content)).toEqual(['Ann keeps a sourdough starter']);
    expect(after[0]?.score).toBe(before[0]?.score);
  });
});
