/**
 * `npm run bench`: the scale benchmark on server PostgreSQL and PGlite (quick by default,
 * `--medium` or `--full` for bigger populations; `--help` lists the flags), then the LoCoMo
 * store benchmark when it exists, then the HTTP service bench. Writes bench/results/scale.md,
 * scale.json, http.md and http.json and prints a summary; then the governance bench (governance.md and
 * governance.json; skipped with `--no-governance`), then the start-up bench (startup.md; skipped
 * with `--no-startup`), then the conversations bench (conversations.md; skipped with
 * `--no-conversations`). Benchmarks are for people reading reports; CI does not run them.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { defaultConversationsOptions, runConversationsBench } from './conversations/conversations.ts';
import { defaultGovernanceOptions, runGovernanceBench } from './governance/governance.ts';
import { runHttpBench } from './http/http.ts';
import { describeMachine } from './lib/machine.ts';
import { formatNumber } from './lib/stats.ts';
import { runLocomoIfPresent } from './locomo/run-locomo.ts';
import { type BackendResult, runScaleBench } from './scale/scale.ts';
import { parseScaleOptions } from './scale/scale-options.ts';
import { type ScaleReport, writeScaleReport } from './scale/scale-report.ts';
import { checkTargets, recommendThreshold } from './scale/scale-targets.ts';

function printSummary(report: ScaleReport, paths: readonly string[]): void {
  const { machine } = report;
  console.log(
    `\nStrata scale bench (${report.options.preset}) — ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`,
  );
  for (const result of report.results) printBackend(result);
  if ('skipped' in report.locomo) console.log(`\nLoCoMo store bench skipped: ${report.locomo.skipped}`);
  else {
    for (const summary of report.locomo) {
      const modes = summary.modes.map(
        (row) => `${row.mode} R@10 ${formatNumber(row.recallAt10 * 100)}% p50 ${formatNumber(row.medianMs)} ms`,
      );
      console.log(`\nLoCoMo store (${summary.backend}): ${modes.join('; ')} — see bench/results/locomo-store.md`);
    }
  }
  console.log(`\nWrote ${paths.join(' and ')}`);
}

function printBackend(result: BackendResult): void {
  console.log(`\n== ${result.backend}: ${result.database.version}, pgvector ${result.database.pgvector}`);
  console.log(
    `   ${result.population.tenants.toLocaleString('en-US')} tenants, ${result.population.stored.toLocaleString('en-US')} memories; ingest ${formatNumber(result.load.fullBatches.memoriesPerSecond)}/s (full batches), tenant create p50 ${formatNumber(result.tenantCreation.p50)} ms`,
  );
  for (const row of result.bySize) {
    for (const measurement of row.measurements) {
      const recall = measurement.recall === null ? '' : ` recall ${formatNumber(measurement.recall, 4)}`;
      const queries = ` n=${measurement.latency.count}${measurement.cutShort ? ' (time budget)' : ''}`;
      console.log(
        `   ${row.label.padEnd(20)} ${row.route.padEnd(5)} ${measurement.mode.padEnd(7)} p50 ${formatNumber(measurement.latency.p50).padStart(6)} ms  p99 ${formatNumber(measurement.latency.p99).padStart(6)} ms${recall}  short ${measurement.countViolations}${queries}`,
      );
    }
  }
  console.log('   sweep (size: exact p50/p99 | hnsw p50/p99 recall):');
  for (const row of result.sweep) {
    const hnsw =
      row.hnsw === null
        ? '—'
        : `${formatNumber(row.hnsw.latency.p50)}/${formatNumber(row.hnsw.latency.p99)} ms recall ${formatNumber(row.hnsw.recall ?? Number.NaN, 4)}`;
    console.log(
      `   ${row.size.toLocaleString('en-US').padStart(8)}: ${formatNumber(row.exact.latency.p50)}/${formatNumber(row.exact.latency.p99)} ms | ${hnsw}`,
    );
  }
  const recommendation = recommendThreshold(result.sweep);
  console.log(`   threshold: ${recommendation.threshold ?? 'no crossover'} — ${recommendation.reason}`);
  const missed = checkTargets(result).filter((check) => !check.met);
  console.log(
    `   targets missed: ${missed.length === 0 ? 'none' : missed.map((check) => `${check.metric} ${check.measured} (target ${check.target})`).join('; ')}`,
  );
}

// --no-governance is this script's own flag (the governance bench runs last); the rest are the scale bench's.
const governance = !process.argv.includes('--no-governance');
// --no-startup, the same: the start-up bench (bench/startup/startup.ts) runs after it.
const startup = !process.argv.includes('--no-startup');
// --no-conversations, the same: the conversations bench (bench/conversations/conversations.ts) runs last.
const conversations = !process.argv.includes('--no-conversations');
const ownFlags = new Set(['--no-governance', '--no-startup', '--no-conversations']);
const options = parseScaleOptions(process.argv.slice(2).filter((arg) => !ownFlags.has(arg)));
const machine = await describeMachine();
const results: BackendResult[] = [];
for (const backend of options.backends) results.push(await runScaleBench(backend, options));
const locomo = options.locomo ? await runLocomoIfPresent(options.backends, options.adminUrl) : { skipped: 'turned off with --no-locomo' };
const report: ScaleReport = {
  generatedAt: new Date().toISOString(),
  commandLine: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
  options,
  machine,
  results,
  locomo,
};
printSummary(report, await writeScaleReport(report, options.outputDirectory, options.reportName));
if (options.http && options.backends.includes('postgres')) {
  await runHttpBench(
    { backend: 'postgres', adminUrl: options.adminUrl, outputDirectory: options.outputDirectory },
    { command: report.commandLine },
  );
} else {
  console.log('\nHTTP bench skipped: it runs on server PostgreSQL (--backend postgres|both) unless --no-http');
}
if (governance) {
  const postgres = options.backends.includes('postgres');
  await runGovernanceBench(
    {
      ...defaultGovernanceOptions,
      adminUrl: options.adminUrl,
      backends: options.backends,
      outputDirectory: options.outputDirectory,
      noisy: postgres ? defaultGovernanceOptions.noisy : null,
    },
    report.commandLine,
  );
} else {
  console.log('\nGovernance bench skipped: turned off with --no-governance');
}
if (startup) {
  // Its own process: it starts `strata serve` children and reads their memory.
  execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'startup', 'startup.ts')], { stdio: 'inherit' });
} else {
  console.log('\nStart-up bench skipped: turned off with --no-startup');
}
if (conversations && options.backends.includes('postgres')) {
  await runConversationsBench({ ...defaultConversationsOptions, adminUrl: options.adminUrl, outputDirectory: options.outputDirectory });
} else {
  console.log('\nConversations bench skipped: it runs on server PostgreSQL unless --no-conversations');
}
