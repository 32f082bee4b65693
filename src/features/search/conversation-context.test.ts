import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrata, type Strata } from '../../index.ts';
import { withConversationContext } from './conversation-context.ts';

describe('withConversationContext', () => {
  it("adds a share of the best neighbour's score, and brings in rows that were only neighbours", () => {
    const scores = new Map([
      ['question', 1],
      ['other', 0.4],
    ]);
    const final = withConversationContext(
      scores,
      [
        { anchorId: 'question', neighbourId: 'answer' },
        { anchorId: 'other', neighbourId: 'answer' },
        { anchorId: 'question', neighbourId: 'other' },
      ],
      0.5,
    );
    expect(final.get('answer')).toBeCloseTo(0.5);
    expect(final.get('other')).toBeCloseTo(0.4 + 0.5);
    expect(final.get('question')).toBe(1);
  });

  it('changes nothing at share 0 or without neighbours', () => {
    const scores = new Map([['a', 1]]);
    expect(withConversationContext(scores, [{ anchorId: 'a', neighbourId: 'b' }], 0).get('b')).toBe(0);
    expect(withConversationContext(scores, [], 0.5)).toEqual(scores);
  });
});

describe('hybrid search with conversational context', () => {
  let strata: Strata;
  beforeAll(async () => {
    strata = await createStrata({ inMemory: true });
    await strata.tenants.create({ id: 'acme' });
    const customer = strata.as({ tenantId: 'acme' });
    const turn = (content: string) => ({ content, conversationId: 'chat-1', documentType: 'ai-chat-conversation' });
    await customer.memories.createMany([turn('Maya: Which city did you finally move to?')]);
    // Another user's private turn lands between the question and its answer.
    await strata.as({ tenantId: 'acme', userId: 'bob' }).memories.create(turn('Bob: secret salary figures'));
    await customer.memories.createMany([
      turn('Jon: Lisbon, last spring. The light there is amazing.'),
      turn('Maya: Nice, enjoy the pastries'),
    ]);
    await customer.memories.createMany(
      Array.from({ length: 10 }, (_, index) => ({ content: `Unrelated note ${index} about quarterly planning` })),
    );
  });
  afterAll(() => strata.close());

  it('returns the reply next to a matching turn, though it shares no word with the query', async () => {
    const ann = strata.as({ tenantId: 'acme', userId: 'ann' });
    const keyword = await ann.search({ query: 'which city did they move to', mode: 'keyword' });
    expect(keyword.hits.map((hit) => hit.content)).toEqual(['Maya: Which city did you finally move to?']);
    const hybrid = await ann.search({ query: 'which city did they move to', mode: 'hybrid', limit: 3 });
    expect(hybrid.hits.map((hit) => hit.content).slice(0, 2)).toEqual([
      'Maya: Which city did you finally move to?',
      'Jon: Lisbon, last spring. The light there is amazing.',
    ]);
    expect(hybrid.hits.some((hit) => hit.content.includes('salary'))).toBe(false);
  });

  it("skips rows the caller cannot see when finding a turn's neighbours", async () => {
    const bob = strata.as({ tenantId: 'acme', userId: 'bob' });
    const { hits } = await bob.search({ query: 'which city did they move to', mode: 'hybrid', limit: 3 });
    // For Bob, his own turn is the question's next neighbour, and the answer is not adjacent.
    expect(hits.map((hit) => hit.content).slice(0, 2)).toEqual(['Maya: Which city did you finally move to?', 'Bob: secret salary figures']);
  });
});
