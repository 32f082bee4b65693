import type { EmbeddingProvider } from '../../src/index.ts';
import type { Corpus } from '../lib/corpus.ts';

/** The true k nearest distances of each query within one tenant, computed outside the store. */
export interface ExactNeighbours {
  /** Per query, the k-th smallest cosine distance (the largest when the tenant holds fewer). */
  kthDistance: Float64Array;
  queryVectors: Float64Array[];
  /** Distinct texts the tenant holds (duplicates are stored once). */
  size: number;
}

/**
 * Rows whose distance is within this of the k-th still count as true neighbours: the store
 * computes in float4, the bench in float8, and equal texts (same words, another order)
 * embed identically, so ties at the k-th place are common and any of them is correct.
 */
const tolerance = 1e-5;
const blockSize = 5_000;

/**
 * Brute-force top-k for `queries` over the tenant's texts, regenerated from the corpus and
 * embedded here with the store's embedder: independent of the database and of the index.
 */
export async function computeExactNeighbours(
  embedder: EmbeddingProvider,
  corpus: Corpus,
  rank: number,
  plannedSize: number,
  queries: readonly string[],
  limit: number,
): Promise<ExactNeighbours> {
  const queryVectors = (await embedder.embed([...queries], { purpose: 'query' })).map(unit);
  const best = queries.map(() => [] as number[]);
  const seen = new Set<string>();
  for (let start = 0; start < plannedSize; start += blockSize) {
    const texts: string[] = [];
    for (let index = start; index < Math.min(plannedSize, start + blockSize); index += 1) {
      const text = corpus.memoryText(rank, index);
      if (seen.has(text)) continue;
      seen.add(text);
      texts.push(text);
    }
    const documents = (await embedder.embed(texts, { purpose: 'document' })).map(sparseUnit);
    queryVectors.forEach((query, queryIndex) => {
      const kept = best[queryIndex] ?? [];
      for (const document of documents) {
        const distance = 1 - sparseDot(query, document);
        if (kept.length < limit) insertSorted(kept, distance);
        else if (distance < (kept[limit - 1] ?? Number.POSITIVE_INFINITY)) {
          kept.pop();
          insertSorted(kept, distance);
        }
      }
    });
  }
  const kthDistance = Float64Array.from(best, (kept) => kept.at(-1) ?? Number.POSITIVE_INFINITY);
  return { kthDistance, queryVectors, size: seen.size };
}

/**
 * Fraction of the expected min(k, size) true neighbours among the hits: a hit counts when
 * its own distance to the query (recomputed here from its content) is within the k-th.
 */
export async function recallOfHits(
  embedder: EmbeddingProvider,
  exact: ExactNeighbours,
  queryIndex: number,
  hits: ReadonlyArray<{ content: string }>,
  limit: number,
): Promise<number> {
  const expected = Math.min(limit, exact.size);
  if (expected === 0) return 1;
  const query = exact.queryVectors[queryIndex];
  const kth = exact.kthDistance[queryIndex] ?? Number.POSITIVE_INFINITY;
  if (query === undefined) throw new Error(`no exact neighbours for query ${queryIndex}`);
  const vectors = await embedder.embed(
    hits.map((hit) => hit.content),
    { purpose: 'document' },
  );
  const correct = vectors.filter((vector) => 1 - sparseDot(query, sparseUnit(vector)) <= kth + tolerance).length;
  return Math.min(correct, expected) / expected;
}

interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

function unit(vector: readonly number[]): Float64Array {
  const norm = Math.hypot(...vector) || 1;
  return Float64Array.from(vector, (value) => value / norm);
}

// Short texts set a few dozen of the 384 dimensions: sparse dot products are several times faster.
function sparseUnit(vector: readonly number[]): SparseVector {
  const dense = unit(vector);
  const indices: number[] = [];
  dense.forEach((value, index) => {
    if (value !== 0) indices.push(index);
  });
  return { indices: Int32Array.from(indices), values: Float64Array.from(indices, (index) => dense[index] ?? 0) };
}

function sparseDot(query: Float64Array, document: SparseVector): number {
  let sum = 0;
  for (let position = 0; position < document.indices.length; position += 1) {
    sum += (query[document.indices[position] ?? 0] ?? 0) * (document.values[position] ?? 0);
  }
  return sum;
}

function insertSorted(values: number[], value: number): void {
  let index = values.length;
  while (index > 0 && (values[index - 1] ?? 0) > value) index -= 1;
  values.splice(index, 0, value);
}
