import { describe, expect, it } from 'vitest';
import { normaliseScores, scoreFusion } from './score-fusion.ts';

describe('normaliseScores', () => {
  it('divides by the best score, maps onto [0, 1], or keeps scores', () => {
    expect(normaliseScores([4, 2, 1], 'max')).toEqual([1, 0.5, 0.25]);
    expect(normaliseScores([4, 2, 0], 'min-max')).toEqual([1, 0.5, 0]);
    expect(normaliseScores([0.3, -0.1], 'none')).toEqual([0.3, -0.1]);
  });

  it('handles degenerate lists without dividing by zero', () => {
    expect(normaliseScores([], 'max')).toEqual([]);
    expect(normaliseScores([0, 0], 'max')).toEqual([0, 0]);
    expect(normaliseScores([2, 2], 'min-max')).toEqual([1, 1]);
  });
});

describe('scoreFusion', () => {
  it('adds weighted normalised scores; a key missing from a list gets nothing from it', () => {
    const fused = scoreFusion([
      { keys: ['a', 'b'], scores: [10, 5], weight: 0.8, normalisation: 'max' },
      { keys: ['b', 'c'], scores: [0.9, 0.5], weight: 0.2, normalisation: 'none' },
    ]);
    expect(fused.map(({ key }) => key)).toEqual(['a', 'b', 'c']);
    expect(fused[0]?.score).toBeCloseTo(0.8);
    expect(fused[1]?.score).toBeCloseTo(0.8 * 0.5 + 0.2 * 0.9);
    expect(fused[2]?.score).toBeCloseTo(0.2 * 0.5);
  });

  it('lets a strong second list overturn a narrow lead of the first', () => {
    const fused = scoreFusion([
      { keys: ['a', 'b'], scores: [10, 9.5], weight: 0.8, normalisation: 'max' },
      { keys: ['b'], scores: [0.9], weight: 0.2, normalisation: 'none' },
    ]);
    expect(fused[0]?.key).toBe('b');
  });
});
