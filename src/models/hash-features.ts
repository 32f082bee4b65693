import { combineHashes, finaliseHash, fnvSeed, fnvStep, hashRange } from './feature-hash.ts';
import { lightStem } from './light-stem.ts';
import { englishStopwords } from './stopwords.ts';
import { tokenize } from './tokenize.ts';

/**
 * Which text features the hash embedder uses and how much each family weighs. Changing any
 * of these changes every vector, so the embedder's `model` string records them.
 */
export interface HashFeatureOptions {
  /** Weight of whole words (after stopword removal and stemming); 0 turns them off. */
  wordWeight: number;
  /** Weight of adjacent word pairs ("support group"); 0 turns them off. */
  bigramWeight: number;
  /** Weight of each character n-gram of each word, with `<` `>` marking its ends; 0 turns them off. */
  charNgramWeight: number;
  /** Shortest character n-gram. */
  charNgramMin: number;
  /** Longest character n-gram. */
  charNgramMax: number;
  /** Drop English stopwords (unless a text has nothing else). */
  dropStopwords: boolean;
  /** Apply {@link lightStem} to words and bigrams. */
  stem: boolean;
}

/**
 * The features chosen by measurement on LoCoMo (`bench/results/locomo-embedders.md`). Bigrams
 * cost recall there, so they are off. N-grams are not normalised per word on purpose: a long
 * word yields more of them, and long words are rarer, which stands in for the idf the
 * embedder cannot know.
 */
export const defaultHashFeatures: Readonly<HashFeatureOptions> = {
  wordWeight: 1,
  bigramWeight: 0,
  charNgramWeight: 0.5,
  charNgramMin: 3,
  charNgramMax: 4,
  dropStopwords: true,
  stem: true,
};

// Distinct seeds keep the word "cat" and the trigram "cat" from landing in the same bucket.
const wordSeed = 0x574f5244;
const ngramSeed = 0x4e47524d;
const emptySeed = 0x454d5054;

/**
 * Signed feature hashing of `text` into an L2-normalised vector of `dimensions` numbers.
 *
 * A text with no features at all (empty, whitespace, punctuation) gets a fixed unit vector
 * (one bucket set), never the zero vector: pgvector's cosine distance to a zero vector is NaN,
 * which would poison ranking. All such texts are identical to each other and close to nothing.
 */
export function hashFeatures(text: string, dimensions: number, features: HashFeatureOptions): number[] {
  const tokens = tokenize(text);
  const content = features.dropStopwords ? tokens.filter((token) => !englishStopwords.has(token)) : tokens;
  // "What is it?" has only stopwords; embedding them beats embedding nothing.
  const words = content.length > 0 ? content : tokens;
  const vector = new Float64Array(dimensions);
  if (features.wordWeight > 0 || features.bigramWeight > 0) addWords(vector, words, features);
  if (features.charNgramWeight > 0) {
    for (const word of words) addCharNgrams(vector, `<${word}>`, features);
  }
  return normalise(vector);
}

function addWords(vector: Float64Array, words: readonly string[], features: HashFeatureOptions): void {
  let previous: number | undefined;
  for (const word of words) {
    const hash = hashRange(features.stem ? lightStem(word) : word, wordSeed);
    add(vector, hash, features.wordWeight);
    if (previous !== undefined && features.bigramWeight > 0) {
      add(vector, combineHashes(previous, hash), features.bigramWeight);
    }
    previous = hash;
  }
}

/** Hashes every n-gram starting at each position in one pass, extending the hash a char at a time. */
function addCharNgrams(vector: Float64Array, padded: string, features: HashFeatureOptions): void {
  const { charNgramMin: min, charNgramMax: max, charNgramWeight: weight } = features;
  // A word shorter than the smallest n-gram would otherwise contribute nothing.
  if (padded.length < min) add(vector, hashRange(padded, ngramSeed), weight);
  for (let start = 0; start + min <= padded.length; start++) {
    let state = fnvSeed(ngramSeed);
    const end = Math.min(start + max, padded.length);
    for (let index = start; index < end; index++) {
      state = fnvStep(state, padded.charCodeAt(index));
      if (index - start + 1 >= min) add(vector, finaliseHash(state), weight);
    }
  }
}

/** Signed hashing: the top bit picks the sign, so colliding features cancel on average instead of piling up. */
function add(vector: Float64Array, hash: number, weight: number): void {
  const bucket = hash % vector.length;
  vector[bucket] = (vector[bucket] as number) + (hash >>> 31 === 1 ? -weight : weight);
}

function normalise(vector: Float64Array): number[] {
  let squares = 0;
  for (const value of vector) squares += value * value;
  if (squares === 0) {
    // No features, or features that cancelled out exactly: use the fixed "empty" vector.
    add(vector, hashRange('', emptySeed), 1);
    squares = 1;
  }
  const inverse = 1 / Math.sqrt(squares);
  const result = new Array<number>(vector.length);
  for (let index = 0; index < vector.length; index++) result[index] = (vector[index] as number) * inverse;
  return result;
}
