import { StrataError } from '../core/errors.ts';
import type { EmbeddingProvider } from './embedding-provider.ts';
import { hashRange } from './feature-hash.ts';
import { defaultHashFeatures, type HashFeatureOptions, hashFeatures } from './hash-features.ts';

/** Bump when the feature extraction changes in a way that changes vectors. */
const algorithmVersion = 'strata-hash-v1';

/** Options for {@link createHashEmbedder}. */
export interface HashEmbedderOptions {
  /** Length of every vector. Default 384. */
  dimensions?: number;
  /**
   * Overrides of the feature set, for experiments. Any override changes the `model` string
   * (a digest of the features is appended), so stored vectors are never silently mixed.
   */
  features?: Partial<HashFeatureOptions>;
}

/**
 * The offline default embedder: signed feature hashing of words, word pairs and character
 * n-grams into an L2-normalised vector. No network, no weights, deterministic across
 * processes and platforms, and a few microseconds per short text. It captures word overlap
 * (with light stemming and typo tolerance), not meaning: "car" and "automobile" are unrelated.
 *
 * Empty or punctuation-only text gets a fixed unit vector rather than the zero vector, whose
 * cosine distance is undefined (NaN in pgvector).
 *
 * @example
 * const embedder = createHashEmbedder();
 * embedder.model; // 'strata-hash-v1/384'
 * const [vector] = await embedder.embed(['Caroline went to a support group']);
 */
export function createHashEmbedder(options: HashEmbedderOptions = {}): EmbeddingProvider {
  const { dimensions = 384 } = options;
  if (!Number.isInteger(dimensions) || dimensions < 2 || dimensions > 16_000) {
    throw new StrataError('misconfigured', 'dimensions: must be an integer from 2 to 16000', {
      details: { field: 'dimensions', value: dimensions },
    });
  }
  const features: HashFeatureOptions = { ...defaultHashFeatures, ...options.features };
  const model = `${algorithmVersion}/${dimensions}${featureSuffix(features)}`;
  return {
    model,
    dimensions,
    // Documents and queries are embedded the same way: the features are symmetric.
    async embed(texts, embedOptions = {}) {
      embedOptions.signal?.throwIfAborted();
      return texts.map((text) => hashFeatures(text, dimensions, features));
    },
  };
}

function featureSuffix(features: HashFeatureOptions): string {
  const keys = Object.keys(defaultHashFeatures) as (keyof HashFeatureOptions)[];
  if (keys.every((key) => features[key] === defaultHashFeatures[key])) return '';
  const canonical = JSON.stringify(keys.map((key) => features[key]));
  return `/${hashRange(canonical, 0).toString(16).padStart(8, '0')}`;
}
