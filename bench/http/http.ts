/**
 * HTTP search bench: searches/s and p50/p99 of `POST /v1/search` at 16 and 64 connections
 * against a 10,000-memory tenant in a store of 1,000+ tenants, loaded with autocannon from this
 * process while the server runs in a child (bench/http/http-server.ts); then single-caller latency
 * over HTTP against the same search in-process (the HTTP overhead), and throughput at 16
 * concurrent in-process callers. Writes bench/results/http.md and http.json.
 *
 * Run: `node --import tsx bench/http/http.ts [--backend postgres|pglite] [--admin-url URL] [--duration S] [--tenants N]`
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { describeMachine } from '../lib/machine.ts';
import { formatNumber } from '../lib/stats.ts';
import { measureCallers, type SearchCall } from './http-callers.ts';
import { startServerChild } from './http-child.ts';
import { type LoadPoint, measureLoad } from './http-load.ts';
import { renderHttpMarkdown, renderTables } from './http-markdown.ts';
import { type HttpBenchOptions, parseHttpOptions, resolveHttpOptions } from './http-options.ts';
import { type ConcurrentComparison, checkTargets, type HttpBenchReport, writeHttpReport } from './http-report.ts';
import { measureSingleCaller } from './http-sequential.ts';
import { type PreparedStore, prepareStore } from './http-setup.ts';
import { openStore } from './http-store.ts';

/** How {@link runHttpBench} reports, besides the files it writes. */
export interface HttpBenchOutput {
  /** Receives the tables once measured. Default `console.log`; progress always goes to stderr. */
  log?: (line: string) => void;
  /** The command line written into the report. Default `node --import tsx bench/http/http.ts`. */
  command?: string;
}

/** What {@link runHttpBench} returns: the report and the files it wrote. */
export interface HttpBenchRun {
  report: HttpBenchReport;
  paths: string[];
}

type Measured = Pick<HttpBenchReport, 'vector' | 'hybrid' | 'sequential' | 'concurrent'>;

/**
 * Runs the whole HTTP bench: sets up the store, measures, writes `http.md` and `http.json` to
 * `options.outputDirectory`, prints the tables with `output.log` and progress to stderr.
 *
 * @example
 * const { report } = await runHttpBench({ backend: 'postgres', durationSeconds: 10 });
 * console.log(report.vector[0]?.requestsPerSecond);
 */
export async function runHttpBench(input: Partial<HttpBenchOptions> = {}, output: HttpBenchOutput = {}): Promise<HttpBenchRun> {
  const { log = (line: string) => console.log(line), command = 'node --import tsx bench/http/http.ts' } = output;
  const options = resolveHttpOptions(input);
  const progress = (line: string) => process.stderr.write(`[http ${options.backend}] ${line}\n`);
  const start = loadavg();
  const machine = await describeMachine();
  progress(`load average at start: ${start.map((value) => value.toFixed(2)).join(', ')}`);
  const prepared = await prepareStore(options, progress);
  try {
    const measured = await measure(prepared, options, progress);
    const partial = {
      generatedAt: new Date().toISOString(),
      command,
      options: { ...options, adminUrl: withoutPassword(options.adminUrl) },
      machine,
      loadAverage: { start, end: loadavg() },
      database: prepared.database,
      population: prepared.population,
      versions: { autocannon: await packageVersion('autocannon'), fastify: await packageVersion('fastify') },
      ...measured,
    };
    const report: HttpBenchReport = { ...partial, targets: checkTargets(partial) };
    const paths = await writeHttpReport(report, renderHttpMarkdown(report), options.outputDirectory);
    log(`\n${renderTables(report)}\n\nWrote ${paths.join(' and ')}`);
    return { report, paths };
  } finally {
    await prepared.dispose();
  }
}

async function measure(prepared: PreparedStore, options: HttpBenchOptions, progress: (line: string) => void): Promise<Measured> {
  const { location, secret, queries } = prepared;
  const seconds = options.durationSeconds;
  const timing = { seconds, warmupSeconds: options.warmupSeconds };
  const loadServer = await startServerChild(location, options.poolSize);
  const target = { url: loadServer.url, secret, queries, limit: options.limit };
  const vector: LoadPoint[] = [];
  let hybrid: Measured['hybrid'];
  try {
    for (const connections of options.connections) {
      progress(`autocannon vector c=${connections}...`);
      vector.push(describePoint(await measureLoad(target, { mode: 'vector', connections, ...timing }), progress));
    }
    progress(`autocannon hybrid c=${options.hybridConnections}...`);
    hybrid = describePoint(await measureLoad(target, { mode: 'hybrid', connections: options.hybridConnections, ...timing }), progress);
  } finally {
    await loadServer.stop();
  }

  const sequential = await measureSingleCaller(prepared, options, progress);
  const concurrentPoint = vector.find((point) => point.connections === options.concurrentCallers) ?? vector[0];
  if (concurrentPoint === undefined) throw new Error('no vector load point to compare with');
  progress(`in-process: ${concurrentPoint.connections} concurrent callers...`);
  return { vector, hybrid, sequential, concurrent: await compareConcurrent(prepared, options, concurrentPoint) };
}

/** In-process throughput with as many concurrent callers as `point` had connections, against that HTTP point. */
async function compareConcurrent(prepared: PreparedStore, options: HttpBenchOptions, point: LoadPoint): Promise<ConcurrentComparison> {
  const strata = await openStore(prepared.location, options.poolSize);
  try {
    const tenant = strata.as({ tenantId: options.tenantId, role: 'member' });
    const search: SearchCall = async (query) =>
      (await tenant.search({ query, mode: 'vector', limit: options.limit })).hits.map((hit) => hit.memoryId);
    const inProcess = await measureCallers(search, prepared.queries, {
      callers: point.connections,
      seconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      limit: options.limit,
    });
    return { connections: point.connections, http: point, inProcess, ratio: point.requestsPerSecond / inProcess.callsPerSecond };
  } finally {
    await strata.close();
  }
}

/** Logs one load point as it completes, so a long run shows its figures early. */
function describePoint(point: LoadPoint, progress: (line: string) => void): LoadPoint {
  progress(
    `  ${Math.round(point.requestsPerSecond)} req/s, p50 ${formatNumber(point.latency.p50)} ms, ` +
      `p99 ${formatNumber(point.latency.p99)} ms, non-2xx ${point.non2xx}, errors ${point.errors}`,
  );
  return point;
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

async function packageVersion(name: string): Promise<string> {
  const text = await readFile(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8').catch(() => '{}');
  return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const argv = process.argv.slice(2);
  await runHttpBench(parseHttpOptions(argv), { command: ['node --import tsx bench/http/http.ts', ...argv].join(' ') });
}
