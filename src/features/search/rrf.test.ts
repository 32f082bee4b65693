import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion, rrfK, weightedReciprocalRankFusion } from './rrf.ts';

describe('reciprocal rank fusion', () => {
  it('scores each key 1 / (k + rank), summed over the lists it appears in', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    expect(fused.map(({ key }) => key)).toEqual(['b', 'a', 'c']);
    expect(fused[0]?.score).toBeCloseTo(1 / (rrfK + 2) + 1 / (rrfK + 1));
    expect(fused[1]?.score).toBeCloseTo(1 / (rrfK + 1));
    expect(fused[2]?.score).toBeCloseTo(1 / (rrfK + 2));
  });

  it('scales a list by its weight, so a heavier list decides disagreements', () => {
    const lists = [
      { keys: ['keyword-top', 'vector-top'], weight: 3 },
      { keys: ['vector-top', 'keyword-top'], weight: 1 },
    ];
    const fused = weightedReciprocalRankFusion(lists, 10);
    expect(fused.map(({ key }) => key)).toEqual(['keyword-top', 'vector-top']);
    expect(fused[0]?.score).toBeCloseTo(3 / 11 + 1 / 12);
    expect(fused[1]?.score).toBeCloseTo(3 / 12 + 1 / 11);
  });

  it('equals the unweighted fusion at weight 1, and keeps first-seen order on ties', () => {
    const lists = [
      ['a', 'b'],
      ['b', 'a'],
    ];
    expect(weightedReciprocalRankFusion(lists.map((keys) => ({ keys })))).toEqual(reciprocalRankFusion(lists));
    expect(reciprocalRankFusion(lists).map(({ key }) => key)).toEqual(['a', 'b']);
  });

  it('returns nothing for no lists', () => {
    expect(weightedReciprocalRankFusion([])).toEqual([]);
  });
});
