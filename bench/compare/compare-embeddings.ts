import { createHashEmbedder, type EmbeddingProvider } from '../../src/index.ts';

/** The LangChain `Embeddings` shape LangGraph's stores call. */
export interface LangChainStyleEmbeddings {
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}

/**
 * An embedder that answers from the workload's precomputed vectors (falling back to the same
 * hash embedder for a text it has not seen), so every system stores and queries identical
 * vectors and none pays for embedding inside the timings.
 */
export function createPrecomputedEmbedder(vectors: ReadonlyMap<string, number[]>): EmbeddingProvider {
  const fallback = createHashEmbedder();
  return {
    model: fallback.model,
    dimensions: fallback.dimensions,
    async embed(texts, options) {
      const missing = texts.filter((text) => !vectors.has(text));
      const computed = missing.length === 0 ? [] : await fallback.embed(missing, options);
      let next = 0;
      // Copies, as a real embedder returns fresh arrays: a store keeping them must pay for them.
      return texts.map((text) => vectors.get(text)?.slice() ?? computed[next++] ?? []);
    },
  };
}

/** The same vectors behind LangChain's `embedDocuments` / `embedQuery`. */
export function createLangChainEmbeddings(vectors: ReadonlyMap<string, number[]>): LangChainStyleEmbeddings {
  const embedder = createPrecomputedEmbedder(vectors);
  return {
    embedDocuments: (texts) => embedder.embed(texts, { purpose: 'document' }),
    embedQuery: async (text) => (await embedder.embed([text], { purpose: 'query' }))[0] ?? [],
  };
}
