import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseInfo, MachineInfo } from '../lib/machine.ts';
import { formatNumber } from '../lib/stats.ts';
import type { NoisyOptions, NoisyRow } from '../noisy-neighbour/noisy-neighbour.ts';
import type { OverheadRow } from './governance-overhead.ts';
import type { Population, Side } from './governance-sides.ts';

/** The overhead comparison on one back end. */
export interface OverheadResult {
  backend: 'postgres' | 'pglite';
  database: DatabaseInfo;
  rows: OverheadRow[];
}

/** Everything governance.md and governance.json hold. */
export interface GovernanceReport {
  generatedAt: string;
  command: string;
  machine: MachineInfo;
  loadAverage: { start: number[]; end: number[] };
  sides: Side[];
  population: Population;
  timing: { rounds: number; sliceSeconds: number; warmupSeconds: number };
  overhead: OverheadResult[];
  noisy: { options: Omit<NoisyOptions, 'adminUrl' | 'database'>; rows: NoisyRow[] } | { skipped: string };
}

/** The targets of the issue. */
export const governanceTargets = { overheadRatio: 1.15, noisyP99Ratio: 2 } as const;

const ms = (value: number) => formatNumber(value);
const ratio = (value: number) => `${formatNumber(value)}×`;
const verdict = (value: number, target: number) => (value <= target ? 'met' : 'missed');

/** The tables, as printed at the end of a run and in the report. */
export function renderGovernanceTables(report: GovernanceReport): string {
  const lines: string[] = [];
  for (const result of report.overhead) {
    lines.push(`### Governance overhead, in-process, ${result.backend} (${result.database.version})`, '');
    lines.push(
      '| operation | callers | OFF p50 | ON p50 | OFF p99 | ON p99 | OFF mean | ON mean | ratio p50 | ratio p99 | ratio mean | round p50 ratio: median (min–max) | round p50s OFF / ON (ms) | calls OFF / ON | target ≤ 1.15× (round median) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|',
    );
    for (const row of result.rows) {
      lines.push(
        `| ${row.operation} | ${row.callers} | ${ms(row.off.latency.p50)} | ${ms(row.on.latency.p50)} | ${ms(row.off.latency.p99)} | ${ms(row.on.latency.p99)} | ${ms(row.off.latency.mean)} | ${ms(row.on.latency.mean)} | ${ratio(row.ratio.p50)} | ${ratio(row.ratio.p99)} | ${ratio(row.ratio.mean)} | ${ratio(row.roundRatio.median)} (${formatNumber(row.roundRatio.min)}–${formatNumber(row.roundRatio.max)}) | ${row.roundP50s.off.map(ms).join(', ')} / ${row.roundP50s.on.map(ms).join(', ')} | ${row.off.calls} / ${row.on.calls} | ${verdict(row.roundRatio.median, governanceTargets.overheadRatio)} |`,
      );
    }
    lines.push('');
  }
  if ('skipped' in report.noisy) lines.push(`Noisy neighbour: skipped (${report.noisy.skipped}).`);
  else {
    const { options, rows } = report.noisy;
    lines.push(
      `### Noisy neighbour over HTTP: ${options.smallMemories}-memory tenant (plan custom, sequential client SDK searches) beside a ${options.largeMemories.toLocaleString('en-US')}-memory tenant flooded with ${options.connections} connections`,
      '',
      '| large tenant plan | alone p50 | alone p99 | flooded p50 | flooded p99 | p99 ratio | pass p99s alone / flooded (ms) | small calls alone / flooded | flood req/s | flood 2xx | flood 429 share | target ≤ 2× |',
      '|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|',
    );
    for (const row of rows) {
      const rate = row.floods.reduce((total, point) => total + point.requestsPerSecond, 0) / row.floods.length;
      const answered = row.floods.reduce((total, point) => total + point.responses, 0);
      lines.push(
        `| ${row.largePlan} | ${ms(row.alone.latency.p50)} | ${ms(row.alone.latency.p99)} | ${ms(row.flooded.latency.p50)} | ${ms(row.flooded.latency.p99)} | ${ratio(row.p99Ratio)} | ${row.passP99s.alone.map(ms).join(', ')} / ${row.passP99s.flooded.map(ms).join(', ')} | ${row.alone.calls} / ${row.flooded.calls} | ${Math.round(rate)} | ${answered} | ${formatNumber(row.refusedShare * 100)}% | ${verdict(row.p99Ratio, governanceTargets.noisyP99Ratio)} |`,
      );
    }
  }
  return lines.join('\n');
}

// What ON adds per call, by design (the figures above say how much it costs on this machine).
const mechanisms = `## Where governance adds time

- **One more statement per operation.** The audit entry and the meter update are one call of
  \`strata_record_call\` at the end of the operation's transaction: one more round trip to the
  server, run after the work.
- **Reads become writes.** A search used to commit a read-only transaction (no WAL flush); with
  its audit entry it commits a write, so \`COMMIT\` waits for the WAL flush (\`synchronous_commit\`).
- **One tenant's calls queue on its chain head.** The statement updates the tenant's
  \`tenant_meter\` row, whose lock is held until \`COMMIT\`: concurrent calls of the same tenant
  wait for each other for the round trip back to the client, the \`COMMIT\` round trip and its
  WAL flush (seen as \`Lock:transactionid\`/\`Lock:tuple\` waits in \`pg_stat_activity\`), and
  while they wait they hold pool connections.
- **In the process:** the rate limiter (a map lookup), an AsyncLocalStorage scope per call and
  a Prometheus histogram update; no span is made unless \`OTEL_EXPORTER_OTLP_ENDPOINT\` is set.
- **Noisy neighbour.** A refused call costs no database work, but every 429 is still an HTTP
  request the one server process parses, authenticates (from the key cache) and answers; a
  flood at thousands of requests per second takes the CPU the small tenant's requests need. An
  admitted flood is held to \`concurrentRequests\` calls in flight: above the server's pool
  size (enterprise: 64 against a pool of 10) it can take every connection.`;

/** The whole markdown report: how it was measured, the tables, the verdicts and where governance adds time. */
export function renderGovernanceMarkdown(report: GovernanceReport): string {
  const { machine, population } = report;
  const [on, off] = report.sides;
  return `# Governance benchmarks

Generated ${report.generatedAt} by \`${report.command}\`.

- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}; load average ${report.loadAverage.start.map((value) => value.toFixed(2)).join(', ')} at start, ${report.loadAverage.end.map((value) => value.toFixed(2)).join(', ')} at end (the machine was shared with other work).
- ON: ${on?.revision} (this tree: rate limiter, concurrency cap, audit entry + metering statement, quota checks, telemetry). OFF: ${off?.revision} (the commit before governance), from a git worktree at \`${off?.root}\` sharing node_modules; both opened with the same options (hash embedder, \`autoIndex: false\`).
- Population per store: ${population.tenants} tenants (${population.smallTenantsMemories.toLocaleString('en-US')} memories, Zipf sizes) plus the measured tenant \`${population.tenantId}\` with ${population.tenantMemories.toLocaleString('en-US')} memories; ON puts it on plan \`custom\` with apiCallsPerDay 10,000,000 and memories 1,000,000, so the quota checks run. Separate databases per side on the same server; PGlite in a temp directory per side.
- Timing: ${report.timing.rounds} rounds alternating which side goes first; each round times every cell for ${report.timing.sliceSeconds} s after ${report.timing.warmupSeconds} s of discarded warm-up. The verdict is on the median over rounds of ON p50 / OFF p50 within a round (the two sides ran back to back, so drifting load on the shared machine cancels); pooled figures are shown beside it. Search is vector mode, k = 10; create stores a fresh text each call (never deduplicated) in a second tenant on the same plan, \`${population.tenantId}-writes\`, so the searched tenant keeps its size. Latency is \`performance.now()\` around each library call.

${renderGovernanceTables(report)}

${verdicts(report)}

${mechanisms}
`;
}

/** Writes governance.md and governance.json to `directory`; returns their paths. */
export async function writeGovernanceReport(report: GovernanceReport, markdown: string, directory: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const paths = [join(directory, 'governance.md'), join(directory, 'governance.json')];
  await writeFile(paths[0] as string, markdown);
  await writeFile(paths[1] as string, `${JSON.stringify(report, null, 2)}\n`);
  return paths;
}

/** Target verdicts, one line per measured figure. */
function verdicts(report: GovernanceReport): string {
  const lines = ['## Verdicts', ''];
  for (const result of report.overhead) {
    for (const row of result.rows) {
      const met = row.roundRatio.median <= governanceTargets.overheadRatio;
      lines.push(
        `- ${result.backend} ${row.operation}, ${row.callers} caller${row.callers === 1 ? '' : 's'}: ON/OFF p50 per round ${row.roundRatio.median.toFixed(2)}× (median; ${row.roundRatio.min.toFixed(2)}–${row.roundRatio.max.toFixed(2)}); pooled mean ${row.ratio.mean.toFixed(2)}×, p99 ${row.ratio.p99.toFixed(2)}× — target ≤ ${governanceTargets.overheadRatio}× ${met ? 'met' : 'MISSED'}.`,
      );
    }
  }
  if (!('skipped' in report.noisy)) {
    for (const row of report.noisy.rows) {
      const met = row.p99Ratio <= governanceTargets.noisyP99Ratio;
      lines.push(
        `- Noisy neighbour, large tenant on ${row.largePlan}: small tenant p99 ${row.flooded.latency.p99.toFixed(2)} ms flooded vs ${row.alone.latency.p99.toFixed(2)} ms alone = ${row.p99Ratio.toFixed(2)}× — target ≤ ${governanceTargets.noisyP99Ratio}× ${met ? 'met' : 'MISSED'}; ${(row.refusedShare * 100).toFixed(1)}% of the flood refused (429).`,
      );
    }
  }
  return lines.join('\n');
}
