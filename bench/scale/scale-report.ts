import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineInfo } from '../lib/machine.ts';
import { formatNumber } from '../lib/stats.ts';
import type { LocomoSummary } from '../locomo/run-locomo.ts';
import type { BackendResult } from './scale.ts';
import type { SearchMeasurement } from './scale-measure.ts';
import type { ScaleOptions } from './scale-options.ts';
import { checkTargets, recommendThreshold } from './scale-targets.ts';

/** Everything one `npm run bench` produced; written as JSON beside the markdown. */
export interface ScaleReport {
  generatedAt: string;
  commandLine: string;
  options: ScaleOptions;
  machine: MachineInfo;
  results: BackendResult[];
  locomo: LocomoSummary[] | { skipped: string };
}

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const recallText = (measurement: SearchMeasurement | null | undefined) =>
  measurement?.recall == null
    ? '—'
    : `${formatNumber(measurement.recall, 4)} (min ${formatNumber(measurement.minRecall ?? Number.NaN, 2)})`;

function machineSection(report: ScaleReport): string[] {
  const { machine } = report;
  const lines = [
    '## Machine',
    '',
    `- CPU: ${machine.cpuModel}, ${machine.cores} cores; RAM ${machine.memoryGiB} GiB; Node ${machine.node} (${machine.platform})`,
  ];
  for (const result of report.results) {
    const settings = Object.entries(result.database.settings)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ');
    lines.push(`- ${result.backend}: ${result.database.version}, pgvector ${result.database.pgvector}; ${settings}`);
  }
  return [...lines, ''];
}

function targetSection(report: ScaleReport): string[] {
  const lines = ['## Targets', '', '| back end | metric | target | measured | met |', '|---|---|---:|---:|:-:|'];
  for (const result of report.results) {
    for (const check of checkTargets(result)) {
      lines.push(`| ${check.backend} | ${check.metric} | ${check.target} | ${check.measured} | ${check.met ? 'yes' : '**no**'} |`);
    }
  }
  return [...lines, ''];
}

function efSearchSection(report: ScaleReport): string[] {
  const results = report.results.filter((result) => result.efSearch !== null);
  if (results.length === 0) return [];
  const lines = [
    '## HNSW recall by ef_search (largest tenant)',
    '',
    "The largest tenant's index queried directly as the owner (no session setup, no row-level security) at several `hnsw.ef_search` values, to show what recall each buys; compare the library's own setting in `src/features/search/candidates.ts`.",
    '',
    '| back end | tenant size | ef_search | recall@10 (min) | p50 ms | p99 ms |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const result of results) {
    for (const row of result.efSearch ?? []) {
      lines.push(
        `| ${result.backend} | ${count(result.population.largestStored)} | ${row.efSearch} | ${formatNumber(row.recall, 4)} (min ${formatNumber(row.minRecall, 2)}) | ${formatNumber(row.latency.p50)} | ${formatNumber(row.latency.p99)} |`,
      );
    }
  }
  return [...lines, ''];
}

function populationSection(report: ScaleReport): string[] {
  const lines = [
    '## Population and load',
    '',
    '| back end | tenants | memories stored | largest | Zipf exponent | writers | full batches: memories/s | partial batches: memories/s (calls) | createMany p50 / p99 ms (500 items) | tenants created/s (bulk) | tenant create p50 / p99 ms (sequential) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const result of report.results) {
    const { population, load } = result;
    const writers = result.backend === 'postgres' ? report.options.writers : 1;
    lines.push(
      `| ${result.backend} | ${count(population.tenants)} | ${count(population.stored)} | ${count(population.largestStored)} | ${population.zipfExponent.toFixed(3)} | ${writers} | ${count(load.fullBatches.memoriesPerSecond)} | ${count(load.partialBatches.memoriesPerSecond)} (${count(load.partialBatches.calls)}) | ${formatNumber(load.fullBatches.callLatency.p50)} / ${formatNumber(load.fullBatches.callLatency.p99)} | ${count(load.tenantCreation.perSecond)} | ${formatNumber(result.tenantCreation.p50)} / ${formatNumber(result.tenantCreation.p99)} |`,
    );
  }
  lines.push(
    '',
    `Phase wall times in seconds, with the machine's 1-minute load average at the end of each (${report.machine.cores} cores; other work on the machine competes with the bench):`,
    '',
  );
  for (const result of report.results) {
    const phases = Object.entries(result.phaseSeconds).map(
      ([name, seconds]) => `${name} ${seconds} (load ${result.phaseLoadAverage[name] ?? '?'})`,
    );
    lines.push(`- ${result.backend}: ${phases.join(', ')}`);
  }
  return [...lines, ''];
}

function bySizeSection(report: ScaleReport): string[] {
  const lines = [
    '## Search latency by tenant size',
    '',
    `Default routing: \`maintenance.indexLargeTenants()\` indexed the tenants at or above the library's \`vectorIndexThreshold\` (route hnsw), the rest are scanned exactly; k = ${report.options.limit}, warm, one query at a time, ${report.options.queries} measured vector queries (${report.options.otherModeQueries} in other modes) per tenant after ${report.options.warmup} warmup queries per mode.`,
    '',
    '| back end | tenants | route | mode | queries | p50 ms | p90 ms | p99 ms | mean ms | recall@10 | short results |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const result of report.results) {
    for (const row of result.bySize) {
      for (const measurement of row.measurements) {
        const { latency } = measurement;
        lines.push(
          `| ${result.backend} | ${row.label} | ${row.route} | ${measurement.mode} | ${latency.count}${measurement.cutShort ? ' (time budget)' : ''} | ${formatNumber(latency.p50)} | ${formatNumber(latency.p90)} | ${formatNumber(latency.p99)} | ${formatNumber(latency.mean)} | ${recallText(measurement)} | ${measurement.countViolations} |`,
        );
      }
    }
  }
  lines.push('');
  for (const result of report.results) {
    lines.push(
      `- ${result.backend}: \`indexLargeTenants()\` indexed ${result.indexLargeTenants.built.length} tenants in ${formatNumber(result.indexLargeTenants.seconds)} s.`,
    );
    const perTenant = result.bySize[0]?.measurements[0]?.perTenant ?? [];
    const sizes = perTenant.map((tenant) => `${count(tenant.size)}: ${formatNumber(tenant.p50)} / ${formatNumber(tenant.p99)}`);
    lines.push(`- ${result.backend}: the ≤1k row pools tenants of these sizes (vector p50 / p99 ms each): ${sizes.join('; ')}.`);
  }
  return [...lines, ''];
}

function sweepSection(report: ScaleReport): string[] {
  const lines = [
    '## Threshold: exact scan vs per-tenant HNSW index',
    '',
    "Vector search (k = 10) on single tenants of the given size inside the loaded store: first exact (no index), then through the tenant's own index after `maintenance.buildIndex` (HNSW parameters and `hnsw.ef_search` as the library sets them, see `src/db/vector-indexes.ts` and `src/features/search/candidates.ts`).",
    '',
    '| back end | tenant size | exact p50 | exact p99 | exact recall | HNSW p50 | HNSW p99 | HNSW recall@10 (min) | index build s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const result of report.results) {
    for (const row of result.sweep) {
      lines.push(
        `| ${result.backend} | ${count(row.size)} | ${formatNumber(row.exact.latency.p50)} | ${formatNumber(row.exact.latency.p99)} | ${formatNumber(row.exact.recall ?? Number.NaN, 4)} | ${formatNumber(row.hnsw?.latency.p50 ?? Number.NaN)} | ${formatNumber(row.hnsw?.latency.p99 ?? Number.NaN)} | ${recallText(row.hnsw)} | ${formatNumber(row.buildSeconds ?? Number.NaN)} |`,
      );
    }
  }
  lines.push('');
  for (const result of report.results) {
    const recommendation = recommendThreshold(result.sweep);
    lines.push(
      `- ${result.backend}: ${recommendation.threshold === null ? 'no crossover' : `recommend vectorIndexThreshold ≈ ${count(recommendation.threshold)}`} — ${recommendation.reason}.`,
    );
  }
  return [...lines, ''];
}

function storageSection(report: ScaleReport): string[] {
  const lines = ['## Storage (MiB)', ''];
  for (const result of report.results) {
    const { storage } = result;
    const indexes = Object.entries(storage.indexesMiB)
      .map(([name, size]) => `${name} ${size}`)
      .join(', ');
    lines.push(
      `- ${result.backend}: database ${storage.databaseMiB}; memories heap ${storage.heapMiB}, TOAST ${storage.toastMiB}; indexes: ${indexes}`,
    );
    for (const note of result.notes) lines.push(`  - ${note}`);
  }
  return [...lines, ''];
}

function locomoSection(report: ScaleReport): string[] {
  const lines = ['## LoCoMo store benchmark', ''];
  if ('skipped' in report.locomo) return [...lines, `Skipped: ${report.locomo.skipped}.`, ''];
  lines.push(
    'Retrieval quality on LoCoMo through the store (`bench/locomo/locomo-store.ts`); its full report, with the fusion grid, is [locomo-store.md](locomo-store.md).',
    '',
    '| back end | mode | R@10 | median ms | p95 ms |',
    '|---|---|---:|---:|---:|',
  );
  for (const summary of report.locomo) {
    for (const row of summary.modes) {
      lines.push(
        `| ${summary.backend} | ${row.mode} | ${formatNumber(row.recallAt10 * 100)} | ${formatNumber(row.medianMs)} | ${formatNumber(row.p95Ms)} |`,
      );
    }
  }
  return [...lines, ''];
}

function methodSection(): string[] {
  return [
    '## Method',
    '',
    "- Corpus: a seeded synthetic vocabulary of 20,000 pseudo-words with Zipfian frequencies (exponent 1.07); each tenant talks about 24 of 2,000 topics (12 words each) and 40% of a text's words come from one of its topics. Memories have 8–28 words, queries 3–8, from the same process. Embedder: the offline hash embedder, 384 dimensions.",
    "- Tenant sizes are Zipf-distributed (a few huge tenants, a long tail with one memory); some ranks are pinned to round sizes for the tables. Batches of createMany (500 items) from all tenants are loaded in a shuffled order by concurrent writers, so tenants' rows interleave on disk.",
    "- After loading, `ANALYZE` runs as the owner (a server's autovacuum would do the same shortly; PGlite has no autovacuum).",
    "- Recall@10: exact neighbours are computed in the bench by brute force over the tenant's texts (embedded again, independent of the database); a hit counts when its distance to the query is within the true 10th distance (ties count).",
    '- "Short results": queries that did not return min(k, tenant size) rows.',
    '',
  ];
}

/** Renders the markdown report. */
export function renderScaleReport(report: ScaleReport): string {
  const lines = [
    '# Strata scale benchmark',
    '',
    `Generated by \`${report.commandLine}\` (preset ${report.options.preset}) on ${report.generatedAt}. Raw figures: [${report.options.reportName}.json](${report.options.reportName}.json).`,
    '',
    ...machineSection(report),
    ...targetSection(report),
    ...bySizeSection(report),
    ...sweepSection(report),
    ...efSearchSection(report),
    ...populationSection(report),
    ...storageSection(report),
    ...locomoSection(report),
    ...methodSection(),
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes `<name>.md` and `<name>.json` into `directory` and returns their paths. */
export async function writeScaleReport(report: ScaleReport, directory: string, name: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const markdown = join(directory, `${name}.md`);
  const json = join(directory, `${name}.json`);
  await writeFile(markdown, renderScaleReport(report));
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return [markdown, json];
}
