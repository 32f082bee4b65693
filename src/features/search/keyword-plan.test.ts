import { describe, expect, it } from 'vitest';
import { planKeywordQuery } from './keyword-plan.ts';
import type { KeywordSample } from './keyword-statistics.ts';

const table = (rows: number, estimatedRows: number | null = null) => ({
  table: 'memories' as const,
  rows,
  lexemeTotal: rows * 10,
  estimatedRows,
});

describe('planKeywordQuery', () => {
  it('uses exact statistics and fetches every matching row when the sample read the whole corpus', () => {
    const sample: KeywordSample = {
      size: 5_000,
      tables: [table(600), { table: 'shared_memories', rows: 40, lexemeTotal: 800, estimatedRows: 9_000 }],
      lexemes: [
        { lexeme: 'carolin', sampleHits: 300 },
        { lexeme: 'adopt', sampleHits: 3 },
        { lexeme: 'zebra', sampleHits: 0 },
      ],
    };
    expect(planKeywordQuery(sample, 10_000)).toEqual({
      documents: 640,
      averageLength: (6_000 + 800) / 640,
      lexemes: [
        { lexeme: 'carolin', documentFrequency: 300 },
        { lexeme: 'adopt', documentFrequency: 3 },
      ],
      fetchAny: ['carolin', 'adopt'],
      common: [],
    });
  });

  it('returns null when nothing is visible or no lexeme occurs in a complete corpus', () => {
    expect(planKeywordQuery({ size: 5_000, tables: [], lexemes: [{ lexeme: 'a', sampleHits: 0 }] }, 10_000)).toBeNull();
    expect(planKeywordQuery({ size: 5_000, tables: [table(10)], lexemes: [{ lexeme: 'a', sampleHits: 0 }] }, 10_000)).toBeNull();
  });

  it('on a large corpus, fetches the rarest lexemes within the budget and estimates the common ones', () => {
    const sample: KeywordSample = {
      size: 5_000,
      tables: [table(5_000, 500_000)],
      lexemes: [
        { lexeme: 'carolin', sampleHits: 2_500 },
        { lexeme: 'group', sampleHits: 40 },
        { lexeme: 'lgbtq', sampleHits: 20 },
        { lexeme: 'unseen', sampleHits: 0 },
      ],
    };
    const plan = planKeywordQuery(sample, 10_000);
    expect(plan?.documents).toBe(500_000);
    // Estimated rows: unseen 100 (counted as one hit), lgbtq 2,000, group 4,000: 6,100 fit; carolin 250,000 does not.
    expect(plan?.fetchAny).toEqual(['unseen', 'lgbtq', 'group']);
    expect(plan?.common).toEqual(['carolin']);
    expect(plan?.lexemes).toEqual([
      { lexeme: 'unseen', documentFrequency: null },
      { lexeme: 'lgbtq', documentFrequency: null },
      { lexeme: 'group', documentFrequency: null },
      { lexeme: 'carolin', documentFrequency: 250_000 },
    ]);
  });

  it('fetches nothing by rarity when even the rarest lexeme is common', () => {
    const sample: KeywordSample = {
      size: 1_000,
      tables: [table(1_000, 1_000_000)],
      lexemes: [
        { lexeme: 'say', sampleHits: 200 },
        { lexeme: 'carolin', sampleHits: 500 },
      ],
    };
    const plan = planKeywordQuery(sample, 10_000);
    expect(plan?.fetchAny).toEqual([]);
    expect(plan?.common).toEqual(['say', 'carolin']);
    expect(plan?.lexemes.map((lexeme) => lexeme.documentFrequency)).toEqual([200_000, 500_000]);
  });

  it('never estimates fewer rows than the sample saw when the usage count is missing', () => {
    const plan = planKeywordQuery({ size: 100, tables: [table(100, null)], lexemes: [{ lexeme: 'x', sampleHits: 50 }] }, 10);
    expect(plan?.documents).toBe(100);
    expect(plan?.lexemes).toEqual([{ lexeme: 'x', documentFrequency: 50 }]);
  });
});
