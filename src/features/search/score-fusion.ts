/**
 * How a list's raw scores are brought to a common scale before they are added: `max` divides
 * by the list's best score (unbounded scores such as BM25), `min-max` maps the list onto
 * [0, 1], `none` keeps them (scores already on a fixed scale, such as cosine similarity).
 */
export type ScoreNormalisation = 'max' | 'min-max' | 'none';

/** A ranked list with its raw scores (higher is better) and its share of the fused score. */
export interface ScoredList {
  keys: readonly string[];
  /** One raw score per key, in the same order. */
  scores: readonly number[];
  weight: number;
  normalisation: ScoreNormalisation;
}

/**
 * Fuses lists by a weighted sum of normalised scores (convex combination when the weights sum
 * to 1). A key missing from a list gets nothing from it: the list's floor, since a list cut at
 * its depth holds every key that scores better. Returns keys by fused score, best first; ties
 * keep first-seen order.
 */
export function scoreFusion(lists: readonly ScoredList[]): Array<{ key: string; score: number }> {
  const fused = new Map<string, number>();
  for (const list of lists) {
    const normalised = normaliseScores(list.scores, list.normalisation);
    list.keys.forEach((key, index) => {
      fused.set(key, (fused.get(key) ?? 0) + list.weight * (normalised[index] ?? 0));
    });
  }
  return [...fused.entries()].map(([key, score]) => ({ key, score })).sort((left, right) => right.score - left.score);
}

/** Scales scores as `normalisation` says; a list of equal scores maps to all ones (min-max) . */
export function normaliseScores(scores: readonly number[], normalisation: ScoreNormalisation): number[] {
  if (normalisation === 'none' || scores.length === 0) return [...scores];
  const highest = Math.max(...scores);
  if (normalisation === 'max') return scores.map((score) => (highest > 0 ? score / highest : 0));
  const lowest = Math.min(...scores);
  const range = highest - lowest;
  return scores.map((score) => (range > 0 ? (score - lowest) / range : 1));
}
