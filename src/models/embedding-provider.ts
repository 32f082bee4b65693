/**
 * Turns texts into vectors. Implementations must be deterministic for a given `model`:
 * every stored row records the model that embedded it, and a store refuses to open with a
 * different model until its rows are re-embedded.
 */
export interface EmbeddingProvider {
  /** Stable identifier of the model and its settings, e.g. `strata-hash-v1/384`. */
  readonly model: string;
  /** Length of every vector this provider returns. */
  readonly dimensions: number;
  /** Embeds `texts` in order; the result has one vector per text. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]>;
}

/** Per-call options for {@link EmbeddingProvider.embed}. */
export interface EmbedOptions {
  /** Aborts the call (and any retries) when signalled. */
  signal?: AbortSignal;
  /** Whether the texts are queries or documents; providers may embed them differently. */
  purpose?: 'query' | 'document';
}
