/** The usual Reciprocal Rank Fusion constant: dampens the weight of the very top ranks. */
export const rrfK = 60;

/** A ranked list of keys, best first, and how much its ranks count in the fusion. */
export interface WeightedList {
  keys: readonly string[];
  /** Multiplies the list's 1 / (k + rank) terms. Default 1. */
  weight?: number;
}

/**
 * Fuses ranked lists by Reciprocal Rank Fusion: each item scores the sum of 1 / (k + rank)
 * over the lists it appears in (rank from 1). Returns keys by fused score, best first.
 */
export function reciprocalRankFusion(lists: ReadonlyArray<readonly string[]>, k = rrfK): Array<{ key: string; score: number }> {
  return weightedReciprocalRankFusion(
    lists.map((keys) => ({ keys })),
    k,
  );
}

/**
 * Reciprocal Rank Fusion where each list's terms are scaled by its weight: weight × 1 / (k + rank),
 * summed over lists. Ties keep the order in which keys were first seen (earlier lists first), so
 * the result is deterministic.
 */
export function weightedReciprocalRankFusion(lists: readonly WeightedList[], k = rrfK): Array<{ key: string; score: number }> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    const weight = list.weight ?? 1;
    list.keys.forEach((key, index) => {
      scores.set(key, (scores.get(key) ?? 0) + weight / (k + index + 1));
    });
  }
  // Array.prototype.sort is stable, so equal scores keep first-seen order.
  return [...scores.entries()].map(([key, score]) => ({ key, score })).sort((left, right) => right.score - left.score);
}
