import type { Workload } from './compare-workload.ts';

/** Rows within this of the k-th distance count as true neighbours: ties are common with hashed word features. */
const tolerance = 1e-5;

/** Dot product of two equal-length vectors (the workload's vectors are unit length, so cosine similarity). */
export function dot(left: readonly number[], right: readonly number[]): number {
  let sum = 0;
  for (let index = 0; index < left.length; index += 1) sum += (left[index] ?? 0) * (right[index] ?? 0);
  return sum;
}

/**
 * Exact top-k, brute force in JS over the tenant's own stored vectors: for each query, the k-th
 * smallest cosine distance among the first `stored` texts of the tenant (cached per tenant and count).
 */
export function createExactOracle(workload: Workload, limit: number) {
  const textsOf = new Map(workload.tenants.map((tenant) => [tenant.id, tenant.texts]));
  const vectorsOf = new Map<string, number[][]>();
  const tenantVectors = (tenantId: string) => {
    let vectors = vectorsOf.get(tenantId);
    if (vectors === undefined) {
      vectors = (textsOf.get(tenantId) ?? []).map((text) => workload.vectors.get(text) ?? []);
      vectorsOf.set(tenantId, vectors);
    }
    return vectors;
  };
  const cache = new Map<string, number>();
  const kthDistance = (tenantId: string, stored: number, query: string): number => {
    const key = `${tenantId}\u0000${stored}\u0000${query}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const queryVector = workload.vectors.get(query) ?? [];
    const best: number[] = [];
    const vectors = tenantVectors(tenantId);
    for (let index = 0; index < Math.min(stored, vectors.length); index += 1) {
      const distance = 1 - dot(queryVector, vectors[index] ?? []);
      if (best.length < limit || distance < (best[best.length - 1] ?? Number.POSITIVE_INFINITY)) {
        best.splice(insertionPoint(best, distance), 0, distance);
        if (best.length > limit) best.pop();
      }
    }
    const kth = best.at(-1) ?? Number.POSITIVE_INFINITY;
    cache.set(key, kth);
    return kth;
  };
  const positionOf = new Map(workload.tenants.map((tenant) => [tenant.id, new Map(tenant.texts.map((text, index) => [text, index]))]));
  return {
    /**
     * Recall@k of `contents` for the query: distinct hits that are stored texts of the tenant and
     * no farther than the true k-th neighbour, over min(k, stored).
     */
    recall(tenantId: string, stored: number, query: string, contents: readonly string[]): number {
      if (stored === 0) return Number.NaN;
      const kth = kthDistance(tenantId, stored, query);
      const queryVector = workload.vectors.get(query) ?? [];
      const positions = positionOf.get(tenantId);
      let correct = 0;
      for (const content of new Set(contents)) {
        const position = positions?.get(content);
        if (position === undefined || position >= stored) continue;
        if (1 - dot(queryVector, workload.vectors.get(content) ?? []) <= kth + tolerance) correct += 1;
      }
      return Math.min(1, correct / Math.min(limit, stored));
    },
  };
}

function insertionPoint(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? 0) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
