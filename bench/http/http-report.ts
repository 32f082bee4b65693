import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseInfo, MachineInfo } from '../lib/machine.ts';
import { formatNumber } from '../lib/stats.ts';
import type { CallerRun } from './http-callers.ts';
import type { LoadPoint } from './http-load.ts';
import type { HttpBenchOptions } from './http-options.ts';
import type { Population } from './http-setup.ts';

/** Single-caller latency over HTTP and in-process, and what HTTP adds. */
export interface SequentialComparison {
  /** Through the client SDK (global fetch): the headline. */
  http: CallerRun;
  /** Through node:http on a kept-alive socket, no client library: the transport and server alone. */
  nodeClient: CallerRun;
  inProcess: CallerRun;
  /** HTTP p50 minus in-process p50, milliseconds. */
  overheadMs: number;
  /** HTTP p50 over in-process p50. */
  ratio: number;
  /** Queries whose hit ids (and order) were the same over HTTP and in-process, out of `compared`. */
  identicalResults: number;
  compared: number;
}

/** Throughput at the same concurrency over HTTP (autocannon) and in-process (concurrent callers). */
export interface ConcurrentComparison {
  connections: number;
  http: LoadPoint;
  inProcess: CallerRun;
  /** HTTP requests/s over in-process calls/s. */
  ratio: number;
}

/** One target and whether the run met it. */
export interface TargetCheck {
  metric: string;
  target: string;
  measured: string;
  met: boolean;
}

/** Everything the HTTP bench measured, as written to http.json. */
export interface HttpBenchReport {
  generatedAt: string;
  command: string;
  options: HttpBenchOptions;
  machine: MachineInfo;
  /** 1, 5 and 15-minute load averages when the bench started and when it finished. */
  loadAverage: { start: number[]; end: number[] };
  database: DatabaseInfo;
  population: Population;
  versions: Record<string, string>;
  vector: LoadPoint[];
  hybrid: LoadPoint;
  sequential: SequentialComparison;
  concurrent: ConcurrentComparison;
  targets: TargetCheck[];
}

const targets = { requestsPerSecond: 1_500, p99Ms: 25, overheadMs: 1.5, p99Connections: 16 };

/** Checks the targets: ≥ 1,500 searches/s, p99 ≤ 25 ms at c=16, HTTP overhead ≤ 1.5 ms, no failed requests. */
export function checkTargets(report: Omit<HttpBenchReport, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = report.vector.map((point) => ({
    metric: `vector searches/s at c=${point.connections}`,
    target: `≥ ${targets.requestsPerSecond.toLocaleString('en-US')}`,
    measured: Math.round(point.requestsPerSecond).toLocaleString('en-US'),
    met: point.requestsPerSecond >= targets.requestsPerSecond,
  }));
  for (const point of report.vector.filter((candidate) => candidate.connections === targets.p99Connections)) {
    checks.push({
      metric: `vector p99 at c=${point.connections} (ms)`,
      target: `≤ ${targets.p99Ms}`,
      measured: formatNumber(point.latency.p99),
      met: point.latency.p99 <= targets.p99Ms,
    });
  }
  checks.push({
    metric: 'HTTP overhead per request (sequential p50, client SDK − in-process, ms)',
    target: `≤ ${targets.overheadMs}`,
    measured: formatNumber(report.sequential.overheadMs),
    met: report.sequential.overheadMs <= targets.overheadMs,
  });
  const failed = [...report.vector, report.hybrid].reduce((total, point) => total + point.non2xx + point.errors, 0);
  checks.push({ metric: 'failed requests (non-2xx + errors), all load runs', target: '0', measured: String(failed), met: failed === 0 });
  const { sequential, concurrent } = report;
  const short = [sequential.http, sequential.nodeClient, sequential.inProcess, concurrent.inProcess].reduce(
    (total, run) => total + run.shortResults,
    0,
  );
  checks.push({
    metric: 'searches with fewer than k hits, single-caller and in-process runs',
    target: '0',
    measured: String(short),
    met: short === 0,
  });
  return checks;
}

const mark = (met: boolean) => (met ? '✓' : '✗');
const rate = (value: number) => Math.round(value).toLocaleString('en-US');
const loadText = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(', ');

/** The targets table. */
export function renderTargets(checks: readonly TargetCheck[]): string {
  const rows = checks.map((check) => `| ${check.metric} | ${check.target} | ${check.measured} | ${mark(check.met)} |`);
  return ['| metric | target | measured | met |', '|---|---:|---:|:-:|', ...rows].join('\n');
}

/** The autocannon load table: one row per mode and connection count. */
export function renderLoad(points: readonly LoadPoint[]): string {
  const rows = points.map(
    (point) =>
      `| ${point.mode} | ${point.connections} | ${rate(point.requestsPerSecond)} | ${formatNumber(point.latency.p50)} | ` +
      `${formatNumber(point.latency.p90)} | ${formatNumber(point.latency.p99)} | ${formatNumber(point.latency.max)} | ` +
      `${point.responses.toLocaleString('en-US')} | ${point.non2xx} / ${point.errors} | ${point.loadAverage.toFixed(2)} |`,
  );
  return [
    '| mode | connections | req/s | p50 ms | p90 ms | p99 ms | max ms | 2xx responses | non-2xx / errors | load avg (1 min) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** Single-caller latency: HTTP (client SDK, and bare node:http) against in-process, and the differences. */
export function renderSequential(comparison: SequentialComparison): string {
  const inProcess = comparison.inProcess.latency;
  const row = (path: string, run: CallerRun) =>
    `| ${path} | ${run.calls.toLocaleString('en-US')} | ${formatNumber(run.latency.p50)} | ${formatNumber(run.latency.p90)} | ` +
    `${formatNumber(run.latency.p99)} | ${formatNumber(run.latency.mean)} | ${rate(run.callsPerSecond)} | ${run.loadAverage.toFixed(2)} |`;
  return [
    '| path | calls | p50 ms | p90 ms | p99 ms | mean ms | calls/s | load avg (1 min) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('HTTP, client SDK (fetch)', comparison.http),
    row('HTTP, node:http keep-alive', comparison.nodeClient),
    row('in-process', comparison.inProcess),
    `| **HTTP overhead, client SDK** (difference) | | **${formatNumber(comparison.overheadMs)}** | | | ` +
      `${formatNumber(comparison.http.latency.mean - inProcess.mean)} | | |`,
    `| HTTP overhead, node:http (difference) | | ${formatNumber(comparison.nodeClient.latency.p50 - inProcess.p50)} | | | ` +
      `${formatNumber(comparison.nodeClient.latency.mean - inProcess.mean)} | | |`,
    `| ratio client SDK / in-process | | ${formatNumber(comparison.ratio)}× | | | | | |`,
  ].join('\n');
}

/** Throughput at the same concurrency, HTTP against in-process. */
export function renderConcurrent(comparison: ConcurrentComparison): string {
  const { http, inProcess } = comparison;
  return [
    '| path | concurrency | searches/s | p50 ms | p99 ms | load avg (1 min) |',
    '|---|---:|---:|---:|---:|---:|',
    `| HTTP (autocannon) | ${http.connections} | ${rate(http.requestsPerSecond)} | ${formatNumber(http.latency.p50)} | ` +
      `${formatNumber(http.latency.p99)} | ${http.loadAverage.toFixed(2)} |`,
    `| in-process (concurrent callers) | ${inProcess.callers} | ${rate(inProcess.callsPerSecond)} | ` +
      `${formatNumber(inProcess.latency.p50)} | ${formatNumber(inProcess.latency.p99)} | ${inProcess.loadAverage.toFixed(2)} |`,
    `| ratio HTTP / in-process | | ${formatNumber(comparison.ratio)}× | | | |`,
  ].join('\n');
}

/** The machine, database and population lines. */
export function renderSetting(report: HttpBenchReport): string {
  const { machine, database, population } = report;
  const settings = Object.entries(database.settings)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return [
    `- CPU: ${machine.cpuModel}, ${machine.cores} cores; RAM ${machine.memoryGiB} GiB; Node ${machine.node} (${machine.platform})`,
    `- Database (${report.options.backend}): ${database.version}, pgvector ${database.pgvector}; ${settings}`,
    `- Load average (1, 5, 15 min): ${loadText(report.loadAverage.start)} at start, ${loadText(report.loadAverage.end)} at the end`,
    `- autocannon ${report.versions.autocannon}, fastify ${report.versions.fastify}; store pool size ${report.options.poolSize}`,
    `- Store: ${population.tenants.toLocaleString('en-US')} tenants, ${population.memories.toLocaleString('en-US')} memories; ` +
      `\`${report.options.tenantId}\` holds ${population.tenantMemories.toLocaleString('en-US')} with its own HNSW index ` +
      `(\`${population.index}\`, built in ${formatNumber(population.indexSeconds)} s; load took ${formatNumber(population.loadSeconds)} s)`,
  ].join('\n');
}

/** Writes http.md and http.json to `directory`; returns their paths. */
export async function writeHttpReport(report: HttpBenchReport, markdown: string, directory: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const markdownPath = join(directory, 'http.md');
  const jsonPath = join(directory, 'http.json');
  await writeFile(markdownPath, markdown);
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return [markdownPath, jsonPath];
}
