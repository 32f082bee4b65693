/**
 * Tenant sizes for the scale bench: Zipf-distributed memory counts (a few huge tenants, a
 * long tail of tiny ones), with some ranks pinned to exact sizes so latency can be reported
 * at round sizes without adding tenants outside the distribution.
 */

/** The population of one run. */
export interface TenantPlan {
  /** Memory count per tenant, by rank (index 0 is the largest tenant). */
  sizes: number[];
  /** The Zipf exponent that makes the counts add up to the requested total. */
  exponent: number;
  /** Rank pinned to each requested size (sizes above the largest tenant are left out). */
  pinned: Map<number, number>;
  total: number;
}

const sizeAt = (largest: number, rank: number, exponent: number) => Math.max(1, Math.round(largest / (rank + 1) ** exponent));

function totalFor(tenants: number, largest: number, exponent: number): number {
  let total = 0;
  for (let rank = 0; rank < tenants; rank += 1) total += sizeAt(largest, rank, exponent);
  return total;
}

/**
 * Sizes for `tenants` tenants, the largest holding `largest` memories and all of them about
 * `total`; then, for each of `pinnedSizes`, the rank whose size is closest is set to exactly
 * that size (the largest tenant keeps its own size unless pinned to it).
 */
export function planTenants(tenants: number, total: number, largest: number, pinnedSizes: readonly number[]): TenantPlan {
  // The total falls as the exponent grows: bisect.
  let low = 0.01;
  let high = 6;
  for (let step = 0; step < 60; step += 1) {
    const middle = (low + high) / 2;
    if (totalFor(tenants, largest, middle) > total) low = middle;
    else high = middle;
  }
  const exponent = (low + high) / 2;
  const sizes = Array.from({ length: tenants }, (_, rank) => sizeAt(largest, rank, exponent));
  const pinned = new Map<number, number>();
  const taken = new Set<number>();
  for (const size of [...pinnedSizes].sort((left, right) => right - left)) {
    if (size > largest) continue;
    let best = -1;
    for (let rank = 0; rank < tenants; rank += 1) {
      if (taken.has(rank) || (rank === 0 && size !== largest)) continue;
      if (best < 0 || Math.abs((sizes[rank] ?? 0) - size) < Math.abs((sizes[best] ?? 0) - size)) best = rank;
    }
    if (best < 0) continue;
    sizes[best] = size;
    taken.add(best);
    pinned.set(size, best);
  }
  return { sizes, exponent, pinned, total: sizes.reduce((sum, size) => sum + size, 0) };
}
