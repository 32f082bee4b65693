/**
 * Small statistics helpers for benchmarks: percentiles of latency samples and rounding for
 * reports. Kept dependency-free so every bench can share them.
 */

/** Summary of a set of latency samples in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

/**
 * The `fraction` percentile (0–1) by the nearest-rank method: with 200 samples p99 is the
 * second largest, never an interpolation between samples that were not observed.
 */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** p50, p90, p99, mean and max of `samples` (milliseconds). */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((left, right) => left - right);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** A number with `digits` significant decimals for tables ("1.23", "0.0456", "1234"). */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toString();
}

/** Milliseconds elapsed since `start` (a `performance.now()` reading). */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}
