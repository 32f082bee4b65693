/**
 * Deterministic randomness for the scale bench: a seeded PRNG and Zipf sampling, so every
 * run (and every back end) stores and queries exactly the same texts.
 */

/** A PRNG returning floats in [0, 1). */
export type Random = () => number;

/** Mixes integers into one 32-bit seed (murmur3's finaliser), so nearby inputs diverge. */
export function mixSeed(...parts: number[]): number {
  let hash = 0x9e3779b9;
  for (const part of parts) {
    hash = Math.imul(hash ^ (part >>> 0), 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
  }
  return hash >>> 0;
}

/** mulberry32: tiny, fast and good enough for synthetic text. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [low, high]. */
export function randomInteger(random: Random, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** Samples ranks 0..n-1 with probability proportional to 1 / (rank + 1)^exponent. */
export interface ZipfSampler {
  sample(random: Random): number;
}

/** Builds a sampler by binary search over the cumulative weights. */
export function createZipfSampler(size: number, exponent: number): ZipfSampler {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank += 1) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  return {
    sample(random) {
      const target = random() * total;
      let low = 0;
      let high = size - 1;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((cumulative[middle] ?? 0) < target) low = middle + 1;
        else high = middle;
      }
      return low;
    },
  };
}
