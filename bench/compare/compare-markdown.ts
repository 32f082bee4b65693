import { formatNumber } from '../lib/stats.ts';
import type { SizeResult } from './compare-measure.ts';
import { compareNotes } from './compare-notes.ts';
import type { CompareReport } from './compare-report.ts';
import type { SystemResult } from './compare-run.ts';

const ratio = (value: number | undefined, strata: number | undefined) =>
  value === undefined || strata === undefined || !(strata > 0) ? '—' : `${formatNumber(value / strata)}×`;
const sizeOf = (result: SystemResult | undefined, label: string): SizeResult | undefined =>
  result?.sizes.find((size) => size.label === label);
const count = (value: number) => value.toLocaleString('en-US');

function latencyTable(report: CompareReport, pick: 'p50' | 'p99'): string[] {
  const strata = report.results.find((result) => result.name === 'strata');
  const labels = ['small', 'large'];
  const lines = [
    `| system | ${labels.map((label) => `${label}: ${pick} ms | × Strata | queries`).join(' | ')} |`,
    `|---|${labels.map(() => '---:|---:|---:').join('|')}|`,
  ];
  for (const result of report.results) {
    const cells = labels.map((label) => {
      const size = sizeOf(result, label);
      if (size === undefined) return '— | — | —';
      const value = size.latency[pick];
      const partial = label === 'large' && size.tenantSizes !== count(report.workload.largeTenant) ? `, tenant of ${size.tenantSizes}` : '';
      const queries = `${size.latency.count}${size.cutShort ? ' (budget)' : ''}${partial}`;
      return `${formatNumber(value)} | ${ratio(value, sizeOf(strata, label)?.latency[pick])} | ${queries}`;
    });
    lines.push(`| ${result.name} | ${cells.join(' | ')} |`);
  }
  return lines;
}

function qualityTable(report: CompareReport): string[] {
  const strata = report.results.find((result) => result.name === 'strata');
  const lines = [
    '| system | small: recall@10 | × Strata | large: recall@10 | × Strata | cross-tenant hits | queried tenant sizes (small / large) |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const result of report.results) {
    const small = sizeOf(result, 'small');
    const large = sizeOf(result, 'large');
    const crossTenant = result.sizes.reduce((sum, size) => sum + size.crossTenantHits, 0);
    lines.push(
      `| ${result.name} | ${formatNumber(small?.recallAt10 ?? Number.NaN, 4)} | ${ratio(small?.recallAt10, sizeOf(strata, 'small')?.recallAt10)} | ` +
        `${formatNumber(large?.recallAt10 ?? Number.NaN, 4)} | ${ratio(large?.recallAt10, sizeOf(strata, 'large')?.recallAt10)} | ` +
        `${result.sizes.length === 0 ? '—' : count(crossTenant)} | ${small?.tenantSizes ?? '—'} / ${large?.tenantSizes ?? '—'} |`,
    );
  }
  return lines;
}

function ingestTable(report: CompareReport): string[] {
  const strata = report.results.find((result) => result.name === 'strata')?.ingest;
  const lines = [
    '| system | memories stored | tenants | large tenant stored | write s | memories/s | × Strata | tenant creates s | index build s | cut by budget |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const result of report.results) {
    const load = result.ingest;
    if (load === undefined) {
      lines.push(`| ${result.name} | — | — | — | — | — | — | — | — | — |`);
      continue;
    }
    lines.push(
      `| ${result.name} | ${count(load.memoriesStored)} | ${count(load.tenantsStored)} | ${count(load.largeTenantStored)} | ` +
        `${formatNumber(load.seconds)} | ${formatNumber(load.memoriesPerSecond)} | ${ratio(load.memoriesPerSecond, strata?.memoriesPerSecond)} | ` +
        `${formatNumber(load.tenantCreateSeconds)} | ${formatNumber(load.finishSeconds)} | ${load.cutShort ? 'yes' : 'no'} |`,
    );
  }
  return lines;
}

function memoryTable(report: CompareReport): string[] {
  const strata = report.results.find((result) => result.name === 'strata')?.memory;
  const lines = [
    '| system | JS heap retained MiB | × Strata | process RSS growth MiB | RSS after MiB | on-disk / database size MiB | × Strata |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const result of report.results) {
    const memory = result.memory;
    if (memory === undefined) {
      lines.push(`| ${result.name} | — | — | — | — | — | — |`);
      continue;
    }
    lines.push(
      `| ${result.name} | ${formatNumber(memory.heapDeltaMiB)} | ${ratio(memory.heapDeltaMiB, strata?.heapDeltaMiB)} | ` +
        `${formatNumber(memory.rssDeltaMiB)} | ${formatNumber(memory.rssAfterMiB)} | ` +
        `${memory.storageMiB === null ? 'in process' : formatNumber(memory.storageMiB)} | ${ratio(memory.storageMiB ?? undefined, strata?.storageMiB ?? undefined)} |`,
    );
  }
  return lines;
}

/** The targets of the issue, each with the measured figure and ✓ or ✗. */
export function checkCompareTargets(report: CompareReport): Array<{ target: string; measured: string; met: boolean }> {
  const byName = new Map(report.results.map((result) => [result.name, result]));
  const strata = byName.get('strata');
  const checks: Array<{ target: string; measured: string; met: boolean }> = [];
  for (const label of ['small', 'large']) {
    const own = sizeOf(strata, label);
    const floor = sizeOf(byName.get('pgvector'), label);
    if (own !== undefined && floor !== undefined) {
      const value = own.latency.p50 / floor.latency.p50;
      checks.push({
        target: `${label} tenants: Strata search p50 ≤ 1.2× raw pgvector`,
        measured: `${formatNumber(value)}×`,
        met: value <= 1.2,
      });
    }
    for (const other of report.results.filter((result) => result.name !== 'strata' && result.name !== 'pgvector')) {
      const theirs = sizeOf(other, label);
      if (own === undefined || theirs === undefined) continue;
      checks.push({
        target: `${label} tenants: Strata faster than ${other.name} (p50)`,
        measured: `${formatNumber(own.latency.p50)} vs ${formatNumber(theirs.latency.p50)} ms`,
        met: own.latency.p50 < theirs.latency.p50,
      });
    }
  }
  if (strata !== undefined && strata.sizes.length > 0) {
    const leaks = strata.sizes.reduce((sum, size) => sum + size.crossTenantHits, 0);
    const queries = strata.sizes.reduce((sum, size) => sum + size.latency.count, 0);
    checks.push({ target: 'Strata: zero cross-tenant results', measured: `${leaks} in ${count(queries)} queries`, met: leaks === 0 });
  }
  return checks;
}

/** compare.md: intro, command, tables with ratios, targets, machine, and what could not run. */
export function renderCompareMarkdown(report: CompareReport): string {
  const { environment: env, options, workload } = report;
  const failures = report.results.filter((result) => result.failure !== undefined);
  const charts = Array.isArray(report.charts)
    ? report.charts.map((path) => `![${path}](${path.split('/').pop()})`).join('\n\n')
    : `Charts could not be drawn: ${report.charts?.failed ?? 'not attempted'}`;
  return `${[
    '# Strata against the alternatives',
    '',
    `Generated ${report.generatedAt} in ${formatNumber(report.runSeconds / 60)} minutes by \`${report.command}\`` +
      ' (`node --import tsx bench/compare/compare.ts`; `--help` lists the flags).',
    '',
    'One process runs every system in turn on the same generated multi-tenant workload: the same texts, the same',
    "precomputed 384-dimension vectors (Strata's offline hash embedder), the same queries and k = 10. " +
      `${count(workload.tenants)} tenants hold ${count(workload.memories)} memories: ${count(workload.tenants - 1)} small tenants`,
    `(Zipf sizes, 5 to 1,000 memories) and one large tenant of ${count(workload.largeTenant)}. Small-tenant queries go to the`,
    `${workload.smallTenantIds.length} largest small tenants (all ≤ 1,000 memories), large-tenant queries to the large one; ${options.queries}`,
    'measured queries per size, one at a time, after 10 warmup queries. Recall@10 is against an exact brute-force top 10 in JS over',
    "the tenant's own stored vectors (ties at the 10th distance count as correct). Every hit's tenant (tag, column, namespace or",
    `user id) is checked against the queried tenant. Budgets: ${options.ingestBudgetSeconds} s of ingest for the small tenants and as much again for the large one, and ${options.searchBudgetSeconds} s of`,
    'measured queries per system and size; a system that hits one says so in the tables (its large tenant may then be',
    'partly stored, and its recall is against exact over what it stored).',
    '',
    '## Search latency, p50 (ratio: Strata = 1.0)',
    '',
    ...latencyTable(report, 'p50'),
    '',
    '## Search latency, p99',
    '',
    ...latencyTable(report, 'p99'),
    '',
    '## Recall@10 against exact, and cross-tenant results',
    '',
    ...qualityTable(report),
    '',
    '## Ingest',
    '',
    'Memory writes only, one batch of ≤ 500 memories of one tenant at a time (tenant creation and index builds are timed apart).',
    '',
    ...ingestTable(report),
    '',
    '## Memory footprint',
    '',
    'Growth of the bench process from before opening the system to after its searches, both after a full GC: the JS heap',
    "the system still holds (in-process stores keep their data there), and RSS (includes native memory such as SQLite's, and",
    'heap pages V8 has not returned to the OS, so it is noisy and can shrink). PostgreSQL-backed systems keep their data in',
    'the server: the last columns are the database size (or, for mem0, its SQLite files).',
    '',
    ...memoryTable(report),
    '',
    '## Targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...checkCompareTargets(report).map((check) => `| ${check.target} | ${check.measured} | ${check.met ? '✓' : '✗'} |`),
    '',
    '## Charts',
    '',
    charts,
    '',
    '## Reading the figures',
    '',
    ...compareNotes,
    '',
    '## How each system was set up',
    '',
    ...report.results.map((result) => `- **${result.name}**: ${result.setup || '(did not open)'}`),
    '',
    ...(failures.length === 0
      ? []
      : ['## What could not run', '', ...failures.map((result) => `- **${result.name}**: ${result.failure}`), '']),
    ...report.results
      .filter((result) => result.largeTenantPlan !== undefined)
      .flatMap((result) => [`Plan of a large-tenant query (${result.name}):`, '', '```', result.largeTenantPlan ?? '', '```', '']),
    '## Machine',
    '',
    `- CPU: ${env.machine.cpuModel}, ${env.machine.cores} cores; RAM ${env.machine.memoryGiB} GiB; ${env.machine.platform}`,
    `- Node ${env.machine.node}; ${env.postgres}; pgvector ${env.pgvector}; shared_buffers ${env.sharedBuffers} (same machine, loopback)`,
    `- Alternatives: ${Object.entries(env.alternatives ?? {})
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    `- Load average (1, 5, 15 min) at start: ${env.loadAverage.join(', ')}; at end: ${env.loadAverageAtEnd?.join(', ') ?? '—'}`,
    '',
  ].join('\n')}`;
}
