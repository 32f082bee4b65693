/** Okapi BM25 parameters: term-frequency saturation and document-length normalisation. */
export interface Bm25Parameters {
  /** How fast repeated occurrences of a term stop adding score. */
  k1: number;
  /** 0: document length ignored; 1: term frequency fully divided by relative length. */
  b: number;
}

/** The classic defaults (Robertson; Lucene and Elasticsearch use the same). */
export const bm25Defaults: Bm25Parameters = { k1: 0.9, b: 0.4 };

/**
 * Inverse document frequency as Lucene computes it: ln(1 + (N − df + 0.5) / (df + 0.5)). Unlike
 * Robertson's original it never goes negative, so a term in most documents still adds a little.
 */
export function inverseDocumentFrequency(documents: number, documentFrequency: number): number {
  const frequency = Math.min(Math.max(documentFrequency, 0), documents);
  return Math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5));
}

/** One term's BM25 contribution to one document. */
export function termScore(idf: number, termFrequency: number, lengthRatio: number, parameters: Bm25Parameters = bm25Defaults): number {
  const { k1, b } = parameters;
  return (idf * termFrequency * (k1 + 1)) / (termFrequency + k1 * (1 - b + b * lengthRatio));
}
