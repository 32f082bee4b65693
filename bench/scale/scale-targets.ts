import { formatNumber } from '../lib/stats.ts';
import type { BackendResult } from './scale.ts';
import type { SizeRow, SweepRow } from './scale-phases.ts';

/** One target from the issue and what each back end measured against it. */
export interface TargetCheck {
  backend: BackendResult['backend'];
  metric: string;
  target: string;
  measured: string;
  met: boolean;
}

const vectorOf = (row: SizeRow | undefined) => row?.measurements.find((measurement) => measurement.mode === 'vector');

/** Checks every target that applies to the back end. */
export function checkTargets(result: BackendResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (metric: string, target: string, value: number, limit: number, higherIsBetter = false, digits = 3) =>
    checks.push({
      backend: result.backend,
      metric,
      target,
      measured: formatNumber(value, digits),
      met: higherIsBetter ? value >= limit : value <= limit,
    });
  const server = result.backend === 'postgres';
  if (server) add('ingest, full batches (memories/s)', '≥ 3,000', result.load.fullBatches.memoriesPerSecond, 3_000, true);
  add('tenant creation p50 (ms)', '≤ 5', result.tenantCreation.p50, 5);
  const [small, tenThousand] = [result.bySize[0], result.bySize.find((row) => row.label === '10k')];
  const largest = result.bySize.at(-1);
  const smallVector = vectorOf(small);
  if (smallVector !== undefined) {
    add('≤1k vector p50 (ms)', server ? '≤ 1' : '≤ 2', smallVector.latency.p50, server ? 1 : 2);
    if (server) add('≤1k vector p99 (ms)', '≤ 3', smallVector.latency.p99, 3);
    add('≤1k recall@10', '1.0', smallVector.recall ?? 0, 1, true);
  }
  const tenVector = vectorOf(tenThousand);
  if (tenVector !== undefined) {
    add('10k vector p50 (ms)', server ? '≤ 3' : '≤ 10', tenVector.latency.p50, server ? 3 : 10);
    if (server) add('10k vector p99 (ms)', '≤ 10', tenVector.latency.p99, 10);
    add('10k recall@10', '≥ 0.98', tenVector.recall ?? 0, 0.98, true);
  }
  const largeVector = vectorOf(largest);
  if (server && largeVector !== undefined) {
    add(`largest (${result.population.largestStored.toLocaleString('en-US')}) vector p99 (ms)`, '≤ 30', largeVector.latency.p99, 30);
    add('largest recall@10', '≥ 0.95', largeVector.recall ?? 0, 0.95, true);
  }
  const violations = [
    ...result.bySize.flatMap((row) => row.measurements),
    ...result.sweep.flatMap((row) => [row.exact, row.hnsw ?? []].flat()),
  ]
    .map((measurement) => measurement.countViolations)
    .reduce((total, count) => total + count, 0);
  add('queries short of min(k, size) rows', '0', violations, 0, false, 6);
  return checks;
}

/**
 * A threshold read off the sweep: the smallest size from which the tenant's HNSW index is
 * faster at the median than an exact scan while keeping recall@10 ≥ 0.98. The recommended
 * `vectorIndexThreshold` is that size (or the sweep's end, if exact never loses).
 */
export function recommendThreshold(sweep: readonly SweepRow[]): { threshold: number | null; reason: string } {
  const rows = sweep.filter((row) => row.hnsw !== null);
  if (rows.length === 0) return { threshold: null, reason: 'no HNSW measurements' };
  const winner = rows.find((row) => row.hnsw !== null && row.hnsw.latency.p50 < row.exact.latency.p50 && (row.hnsw.recall ?? 0) >= 0.98);
  if (winner === undefined) {
    return {
      threshold: null,
      reason: `exact scan was at least as fast as HNSW (with recall ≥ 0.98) at every measured size up to ${rows.at(-1)?.size.toLocaleString('en-US')}`,
    };
  }
  const index = rows.indexOf(winner);
  const before = index > 0 ? rows[index - 1] : undefined;
  const range =
    before === undefined
      ? `at the smallest measured size`
      : `between ${before.size.toLocaleString('en-US')} and ${winner.size.toLocaleString('en-US')} rows`;
  return {
    threshold: winner.size,
    reason: `HNSW overtakes exact scan ${range}: p50 ${formatNumber(winner.hnsw?.latency.p50 ?? Number.NaN)} ms vs ${formatNumber(winner.exact.latency.p50)} ms at ${winner.size.toLocaleString('en-US')}, recall ${formatNumber(winner.hnsw?.recall ?? Number.NaN)}`,
  };
}
