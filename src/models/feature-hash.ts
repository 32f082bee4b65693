/**
 * Seeded 32-bit hash of the UTF-16 code units `text[start, end)`: FNV-1a, finished with
 * MurmurHash3's `fmix32` so that the low bits (the bucket) and the top bit (the sign) are
 * independent. Hashing a range rather than a substring lets the embedder hash character
 * n-grams without allocating a string per n-gram.
 */
export function hashRange(text: string, seed: number, start = 0, end = text.length): number {
  let state = fnvSeed(seed);
  for (let index = start; index < end; index++) state = fnvStep(state, text.charCodeAt(index));
  return finaliseHash(state);
}

/** Initial FNV-1a state for `seed`; extend with {@link fnvStep}, finish with {@link finaliseHash}. */
export function fnvSeed(seed: number): number {
  return (0x811c9dc5 ^ seed) >>> 0;
}

/** Feeds one UTF-16 code unit into an FNV-1a state. */
export function fnvStep(state: number, code: number): number {
  return Math.imul(state ^ code, 0x01000193);
}

/** MurmurHash3 `fmix32`: spreads every input bit over every output bit; returns an unsigned 32-bit hash. */
export function finaliseHash(state: number): number {
  let hash = state;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Hash of an ordered pair of hashes, for features made of two words. */
export function combineHashes(first: number, second: number): number {
  return finaliseHash(Math.imul(first ^ 0x9e3779b9, 0x85ebca6b) ^ second);
}
