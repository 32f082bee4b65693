/** The usual Reciprocal Rank Fusion constant: dampens the weight of the very top ranks. */
export const rrfK = 60;

/**
 * Fuses ranked lists by Reciprocal Rank Fusion: each item scores the sum of 1 / (k + rank)
 * over the lists it appears in (rank from 1). Returns keys by fused score, best first.
 */
export function reciprocalRankFusion(lists: ReadonlyArray<readonly string[]>, k = rrfK): Array<{ key: string; score: number }> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((key, index) => {
      scores.set(key, (scores.get(key) ?? 0) + 1 / (k + index + 1));
    });
  }
  return [...scores.entries()].map(([key, score]) => ({ key, score })).sort((left, right) => right.score - left.score);
}
