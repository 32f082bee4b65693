import { createRandom, createZipfSampler, mixSeed, type Random, randomInteger } from './random.ts';

/**
 * Synthetic memories and queries: pseudo-words with Zipfian frequencies, plus topics so a
 * tenant's memories cluster the way real ones do (a tenant talks about a few things a lot).
 * Queries come from the same process, shorter. Everything is a pure function of
 * (tenant, index), so loads can run in any order and exact neighbours can be recomputed.
 */
export interface Corpus {
  /** The `index`-th memory text of tenant `tenant` (0-based rank). */
  memoryText(tenant: number, index: number): string;
  /** The `index`-th query text for tenant `tenant`; `set` separates warmup from measured queries. */
  queryText(tenant: number, index: number, set: 'warmup' | 'measured'): string;
}

/** Options for {@link createCorpus}. */
export interface CorpusOptions {
  /** Distinct words. Default 20,000. */
  vocabularySize?: number;
  /** Zipf exponent of word frequencies. Default 1.07 (English is close to 1). */
  wordExponent?: number;
  /** Topics shared by all tenants; each tenant uses a few. Default 2,000. */
  topicCount?: number;
  seed?: number;
}

const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'po', 'da', 'fe', 'gu', 'hi', 'jo', 'be', 'ra', 'tu', 'xi', 'wo'];
const codas = ['', '', '', 'n', 'r', 'l', 'st', 'm', 'k', 'th'];
const wordsPerTopic = 12;
const topicsPerTenant = 24;
const topicWordShare = 0.4;

/** Builds the deterministic corpus. */
export function createCorpus(options: CorpusOptions = {}): Corpus {
  const { vocabularySize = 20_000, wordExponent = 1.07, topicCount = 2_000, seed = 42 } = options;
  const vocabulary = buildVocabulary(vocabularySize, seed);
  const wordSampler = createZipfSampler(vocabularySize, wordExponent);
  const tenantTopicSampler = createZipfSampler(topicsPerTenant, 1);
  // Topic words avoid the 200 most frequent words: those are everywhere, not topical.
  const topics = Array.from({ length: topicCount }, (_, topic) => {
    const random = createRandom(mixSeed(seed, 1, topic));
    return Array.from({ length: wordsPerTopic }, () => vocabulary[randomInteger(random, 200, vocabularySize - 1)] ?? '');
  });
  const tenantTopics = (tenant: number) => {
    const random = createRandom(mixSeed(seed, 2, tenant));
    return Array.from({ length: topicsPerTenant }, () => randomInteger(random, 0, topicCount - 1));
  };

  const text = (random: Random, tenant: number, minWords: number, maxWords: number) => {
    const ownTopics = tenantTopics(tenant);
    const topic = topics[ownTopics[tenantTopicSampler.sample(random)] ?? 0] ?? [];
    const length = randomInteger(random, minWords, maxWords);
    const words: string[] = [];
    for (let position = 0; position < length; position += 1) {
      words.push(
        random() < topicWordShare
          ? (topic[randomInteger(random, 0, topic.length - 1)] ?? '')
          : (vocabulary[wordSampler.sample(random)] ?? ''),
      );
    }
    return words.join(' ');
  };

  return {
    memoryText: (tenant, index) => `${text(createRandom(mixSeed(seed, 3, tenant, index)), tenant, 8, 28)}.`,
    queryText: (tenant, index, set) => text(createRandom(mixSeed(seed, set === 'warmup' ? 4 : 5, tenant, index)), tenant, 3, 8),
  };
}

/** Unique pseudo-words of one to four syllables; shorter words get the frequent ranks. */
function buildVocabulary(size: number, seed: number): string[] {
  const random = createRandom(mixSeed(seed, 0));
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < size) {
    const syllableCount = 1 + Math.min(3, Math.floor((words.length / size) * 3 + random() * 1.5));
    let word = '';
    for (let index = 0; index < syllableCount; index += 1) word += syllables[randomInteger(random, 0, syllables.length - 1)];
    word += codas[randomInteger(random, 0, codas.length - 1)];
    if (seen.has(word)) continue;
    seen.add(word);
    words.push(word);
  }
  return words;
}
