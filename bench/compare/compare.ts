/**
 * `npm run bench:compare`: Strata against raw pgvector SQL, LangGraph.js stores and mem0's OSS
 * SDK on one generated multi-tenant workload (same texts, same vectors, same k), in one process.
 * Writes bench/results/compare.md, compare.json and the charts compare-*.png. `--help` lists the flags.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatNumber } from '../lib/stats.ts';
import { dropDatabases } from './compare-open.ts';
import { type CompareOptions, compareUsage, parseCompareOptions } from './compare-options.ts';
import { describeEnvironment, writeCompareReport } from './compare-report.ts';
import { runSystem, type SystemResult } from './compare-run.ts';
import { createWorkload } from './compare-workload.ts';

function parseOrExit(): CompareOptions {
  try {
    return parseCompareOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`bench:compare: ${error instanceof Error ? error.message : String(error)}\n\n${compareUsage}`);
    process.exit(2);
  }
}

const options = parseOrExit();
if (options.help) {
  console.log(compareUsage);
  process.exit(0);
}
const alternatives = fileURLToPath(new URL('./alternatives/node_modules', import.meta.url));
const needsAlternatives = options.systems.some((name) => name !== 'strata' && name !== 'pgvector');
if (needsAlternatives && !existsSync(alternatives)) {
  console.error(`bench:compare: ${alternatives} is missing. Install the alternatives once with: cd bench/compare && npm install`);
  process.exit(1);
}

const startedAt = performance.now();
const workload = await createWorkload({
  tenantCount: options.tenants,
  largeSize: options.large,
  queriesPerSize: options.queries,
  measuredSmallTenants: options.smallTenants,
});
console.log(
  `Workload: ${workload.tenants.length.toLocaleString('en-US')} tenants, ${workload.totalMemories.toLocaleString('en-US')} memories ` +
    `(large tenant ${options.large.toLocaleString('en-US')}), ${options.queries} queries per size`,
);
const environment = await describeEnvironment(options.adminUrl);
const results: SystemResult[] = [];
for (const name of options.systems) {
  const result = await runSystem(name, options.adminUrl, workload, {
    ingestSeconds: options.ingestBudgetSeconds,
    searchSeconds: options.searchBudgetSeconds,
  });
  results.push(result);
  if (result.failure !== undefined) console.log(`   ${name}: ${result.failure}`);
  for (const size of result.sizes) {
    console.log(
      `   ${name} ${size.label.padEnd(5)} p50 ${formatNumber(size.latency.p50)} ms p99 ${formatNumber(size.latency.p99)} ms ` +
        `recall@10 ${formatNumber(size.recallAt10, 4)} cross-tenant ${size.crossTenantHits} n=${size.latency.count}`,
    );
  }
}
await dropDatabases(options.adminUrl);
const paths = await writeCompareReport({
  generatedAt: new Date().toISOString(),
  command: ['npm run bench:compare', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
  options,
  workload: {
    tenants: workload.tenants.length,
    memories: workload.totalMemories,
    largeTenant: options.large,
    smallTenantIds: workload.measuredSmallTenantIds,
  },
  environment,
  results,
  runSeconds: (performance.now() - startedAt) / 1000,
});
console.log(`Wrote ${paths.join(', ')}`);
