/**
 * HTTP framework throughput bench: Fastify against Hono on Node (@hono/node-server), serving the same two
 * routes shaped like our API (bearer-authenticated `POST /v1/search` with a JSON body and a ~2 KB JSON reply,
 * `GET /healthz`). Each server runs in a child process (this file with `--serve fastify|hono`); the parent
 * checks both answer alike, then loads `POST /v1/search` with autocannon (2 s warm-up, 8 s measured, 16 and
 * 64 connections), alternating fastify, hono, fastify, hono. Prints the table and writes
 * bench/results/http-framework.md.
 *
 * Run: `node --import tsx bench/http-framework.ts`
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type AutocannonResult, autocannon } from './autocannon.ts';

const frameworks = ['fastify', 'hono'] as const;
type Framework = (typeof frameworks)[number];

const connectionCounts = [16, 64] as const;
const rounds = 2;
const warmupSeconds = 2;
const measureSeconds = 8;
const bodyLimitBytes = 1024 * 1024;
const token = 'bench-token-7f3c9a1e5b2d4c8f';
const command = 'node --import tsx bench/http-framework.ts';
const resultsUrl = new URL('./results/http-framework.md', import.meta.url);

// ---------------------------------------------------------------------------------------------------------
// Shared request and response shapes (identical for both servers)
// ---------------------------------------------------------------------------------------------------------

/** One search hit of about 200 bytes once serialized. */
interface SearchHit {
  id: string;
  score: number;
  content: string;
  metadata: { source: string; createdAt: string };
}

/** The search reply: built once at start, serialized by each framework on every request. */
function buildSearchResponse(): { hits: SearchHit[]; mode: string; tookMs: number } {
  const hits = Array.from({ length: 10 }, (_, index) => ({
    id: `mem_01J${String(index).padStart(2, '0')}ZK4Q8W3V6N2B7C5X`,
    score: Math.round((0.95 - index * 0.03) * 10_000) / 10_000,
    content: `Hit ${index}: the user prefers concise answers and asked about vector search tuning last week.`,
    metadata: { source: 'conversation', createdAt: '2026-11-23T10:00:00.000Z' },
  }));
  return { hits, mode: 'vector', tookMs: 3 };
}

/** A search request body of about 200 bytes. */
const searchRequestBody = JSON.stringify({
  query: 'what did the user say about tuning the vector index for recall versus latency on large tenants last week?',
  limit: 10,
  mode: 'vector',
  padding: 'x'.repeat(48),
});

/** True when `body` is an object whose `query` is a non-empty string. */
function hasQuery(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const query = (body as { query?: unknown }).query;
  return typeof query === 'string' && query.length > 0;
}

/** An RFC 9457 problem document as a JSON string. */
function problem(status: number, title: string, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title, status, detail });
}

const problemType = 'application/problem+json';
const unauthorized = { error: 'unauthorized' };
const healthy = { status: 'ok' };
const expectedAuthorization = `Bearer ${token}`;

// ---------------------------------------------------------------------------------------------------------
// Child side: the servers
// ---------------------------------------------------------------------------------------------------------

/** Fastify server; auth in an `onRequest` hook so it runs before the body is read, like Hono's middleware. */
async function serveFastify(): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const searchResponse = buildSearchResponse();
  const app = Fastify({ logger: false, bodyLimit: bodyLimitBytes });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    const title = status === 413 ? 'Payload Too Large' : status === 400 ? 'Bad Request' : 'Internal Server Error';
    return reply
      .code(status)
      .type(problemType)
      .send(problem(status, title, error.message));
  });
  app.get('/healthz', async () => healthy);
  app.post(
    '/v1/search',
    {
      onRequest: async (request, reply) => {
        if (request.headers.authorization !== expectedAuthorization) return reply.code(401).send(unauthorized);
      },
    },
    async (request, reply) => {
      if (!hasQuery(request.body)) {
        return reply
          .code(400)
          .type(problemType)
          .send(problem(400, 'Bad Request', '`query` must be a non-empty string'));
      }
      return reply.header('x-request-id', randomUUID()).send(searchResponse);
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fastify: no TCP address');
  return address.port;
}

/** Hono server on @hono/node-server; auth middleware, then `bodyLimit`, then the handler. */
async function serveHono(): Promise<number> {
  const { Hono } = await import('hono');
  const { bodyLimit } = await import('hono/body-limit');
  const { serve } = await import('@hono/node-server');
  const searchResponse = buildSearchResponse();
  const app = new Hono();
  app.get('/healthz', (context) => context.json(healthy));
  app.use('/v1/*', async (context, next) => {
    if (context.req.header('authorization') !== expectedAuthorization) return context.json(unauthorized, 401);
    return next();
  });
  app.post(
    '/v1/search',
    bodyLimit({
      maxSize: bodyLimitBytes,
      onError: (context) =>
        context.body(problem(413, 'Payload Too Large', 'Request body is too large'), 413, { 'content-type': problemType }),
    }),
    async (context) => {
      let body: unknown;
      try {
        body = await context.req.json();
      } catch {
        return context.body(problem(400, 'Bad Request', 'Body is not valid JSON'), 400, { 'content-type': problemType });
      }
      if (!hasQuery(body)) {
        return context.body(problem(400, 'Bad Request', '`query` must be a non-empty string'), 400, { 'content-type': problemType });
      }
      return context.json(searchResponse, 200, { 'x-request-id': randomUUID() });
    },
  );
  return new Promise((resolve) => {
    serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(info.port));
  });
}

/** Child entry: start one server, send its port to the parent, exit when the parent goes away. */
async function runServer(framework: Framework): Promise<void> {
  const port = framework === 'fastify' ? await serveFastify() : await serveHono();
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port });
}

// ---------------------------------------------------------------------------------------------------------
// Parent side: start, check, load, report
// ---------------------------------------------------------------------------------------------------------

/** A server running in a child process. */
interface RunningServer {
  child: ChildProcess;
  url: string;
}

/** One measured row of the report. */
interface Measurement {
  framework: Framework;
  connections: number;
  run: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Forks this file with `--serve <framework>` and waits for the port it reports over IPC. */
function startServer(framework: Framework): Promise<RunningServer> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', framework], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${framework}: server did not report a port within 20 s`)), 20_000);
    child.once('message', (message: unknown) => {
      clearTimeout(timer);
      const port = (message as { port?: unknown }).port;
      if (typeof port !== 'number') return reject(new Error(`${framework}: unexpected message ${JSON.stringify(message)}`));
      resolve({ child, url: `http://127.0.0.1:${port}` });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${framework}: server exited early with code ${code}`));
    });
  });
}

/** Stops a child server and waits for it to exit. */
async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGTERM');
  await exited;
}

const searchHeaders = { authorization: expectedAuthorization, 'content-type': 'application/json' };

/** Checks that a server answers every case of the contract the same way; throws on the first difference. */
async function checkContract(framework: Framework, url: string): Promise<number> {
  const post = (headers: Record<string, string>, body: string) => fetch(`${url}/v1/search`, { method: 'POST', headers, body });
  const expectations: Array<[string, Response, number, string]> = [
    ['valid search', await post(searchHeaders, searchRequestBody), 200, 'application/json'],
    ['no token', await post({ 'content-type': 'application/json' }, searchRequestBody), 401, 'application/json'],
    ['wrong token', await post({ ...searchHeaders, authorization: 'Bearer nope' }, searchRequestBody), 401, 'application/json'],
    ['empty query', await post(searchHeaders, JSON.stringify({ query: '', limit: 10 })), 400, problemType],
    ['invalid JSON', await post(searchHeaders, '{"query":'), 400, problemType],
    ['body over 1 MiB', await post(searchHeaders, JSON.stringify({ query: 'x'.repeat(bodyLimitBytes) })), 413, problemType],
    ['healthz', await fetch(`${url}/healthz`), 200, 'application/json'],
  ];
  let searchBytes = 0;
  for (const [name, response, status, type] of expectations) {
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status !== status || !contentType.startsWith(type)) {
      throw new Error(`${framework} ${name}: got ${response.status} ${contentType}, expected ${status} ${type}: ${text.slice(0, 200)}`);
    }
    if (name === 'valid search') {
      searchBytes = Buffer.byteLength(text);
      if (!/^[0-9a-f-]{36}$/.test(response.headers.get('x-request-id') ?? '')) throw new Error(`${framework}: no x-request-id`);
    }
    if (name === 'healthz' && text !== JSON.stringify(healthy)) throw new Error(`${framework} healthz: ${text}`);
  }
  return searchBytes;
}

/** Loads `POST /v1/search` for `seconds` at `connections`. */
function load(url: string, connections: number, seconds: number): PromiseLike<AutocannonResult> {
  return autocannon({
    url: `${url}/v1/search`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: searchHeaders,
    body: searchRequestBody,
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** autocannon records latency in whole milliseconds, so 0 means under 1 ms. */
function formatLatency(value: number): string {
  return value < 1 ? '<1' : String(Math.round(value));
}

/** The markdown results table. */
function renderTable(measurements: readonly Measurement[]): string {
  const lines = ['| framework | connections | run | req/s | p50 ms | p99 ms | errors / non-2xx |', '|---|---:|---:|---:|---:|---:|---:|'];
  const ordered = [...measurements].sort(
    (left, right) => left.connections - right.connections || left.framework.localeCompare(right.framework) || left.run - right.run,
  );
  for (const row of ordered) {
    lines.push(
      `| ${row.framework} | ${row.connections} | ${row.run} | ${formatRate(row.requestsPerSecond)} | ${formatLatency(row.p50)} | ` +
        `${formatLatency(row.p99)} | ${row.errors} / ${row.non2xx} |`,
    );
  }
  return lines.join('\n');
}

/** Per connection count: median req/s of each framework, winner, ratio and the run-to-run spread. */
function compare(measurements: readonly Measurement[], connections: number) {
  const rates = (framework: Framework) =>
    measurements.filter((row) => row.framework === framework && row.connections === connections).map((row) => row.requestsPerSecond);
  const spread = (values: readonly number[]) => (Math.max(...values) - Math.min(...values)) / median(values);
  const fastify = median(rates('fastify'));
  const hono = median(rates('hono'));
  const winner: Framework = fastify >= hono ? 'fastify' : 'hono';
  const ratio = Math.max(fastify, hono) / Math.min(fastify, hono);
  return { connections, fastify, hono, winner, ratio, noise: Math.max(spread(rates('fastify')), spread(rates('hono'))) };
}

/** One line: the faster framework and the ratio of median req/s at each connection count. */
function verdict(measurements: readonly Measurement[]): string {
  const comparisons = connectionCounts.map((connections) => compare(measurements, connections));
  const describe = (item: ReturnType<typeof compare>) => {
    const [faster, slower] = item.winner === 'fastify' ? [item.fastify, item.hono] : [item.hono, item.fastify];
    const noise = item.ratio - 1 <= item.noise ? `, within the ${(item.noise * 100).toFixed(0)}% run-to-run spread` : '';
    return `${item.ratio.toFixed(2)}× at c=${item.connections} (${formatRate(faster)} vs ${formatRate(slower)} req/s${noise})`;
  };
  const first = comparisons[0];
  if (first !== undefined && comparisons.every((item) => item.winner === first.winner)) {
    const loser = first.winner === 'fastify' ? 'hono' : 'fastify';
    return `**Verdict: ${first.winner} is faster** — median req/s ${first.winner}/${loser} ${comparisons.map(describe).join(', ')}.`;
  }
  return `**Verdict: mixed** — ${comparisons.map((item) => `${item.winner} faster by ${describe(item)}`).join('; ')}.`;
}

async function packageVersion(name: string): Promise<string> {
  const text = await readFile(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8').catch(() => '{}');
  return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
}

async function main(): Promise<void> {
  const startLoad = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  const versions = Object.fromEntries(
    await Promise.all(['fastify', 'hono', '@hono/node-server', 'autocannon'].map(async (name) => [name, await packageVersion(name)])),
  ) as Record<string, string>;
  console.log(
    `HTTP framework bench — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, load ${startLoad}`,
  );

  const responseBytes: Partial<Record<Framework, number>> = {};
  const measurements: Measurement[] = [];
  for (let run = 1; run <= rounds; run += 1) {
    for (const framework of frameworks) {
      const server = await startServer(framework);
      try {
        responseBytes[framework] = await checkContract(framework, server.url);
        for (const connections of connectionCounts) {
          await load(server.url, connections, warmupSeconds);
          const result = await load(server.url, connections, measureSeconds);
          const row: Measurement = {
            framework,
            connections,
            run,
            requestsPerSecond: result.requests.average,
            p50: result.latency.p50,
            p99: result.latency.p99,
            errors: result.errors,
            non2xx: result.non2xx,
          };
          measurements.push(row);
          console.log(
            `  ${framework.padEnd(7)} c=${String(connections).padEnd(2)} run ${run}: ${formatRate(row.requestsPerSecond)} req/s, ` +
              `p50 ${formatLatency(row.p50)} ms, p99 ${formatLatency(row.p99)} ms, errors ${row.errors}, non-2xx ${row.non2xx}`,
          );
        }
      } finally {
        await stopServer(server);
      }
    }
  }

  const table = renderTable(measurements);
  const line = verdict(measurements);
  const report = [
    '# HTTP framework: Fastify vs Hono (Node)',
    '',
    `Generated by \`${command}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    'We need to choose the HTTP framework for the service, and we want to choose by measurement rather than by reputation. This bench ' +
      'serves the same two routes, shaped like our API, from Fastify and from Hono on Node (`@hono/node-server`) and loads the search ' +
      'route with autocannon.',
    '',
    '- `POST /v1/search`: bearer token checked before the body is read (401 JSON otherwise), JSON body of ' +
      `${Buffer.byteLength(searchRequestBody)} bytes parsed with a 1 MiB limit (Fastify \`bodyLimit\`, Hono \`hono/body-limit\`), ` +
      '`query` must be a non-empty string (400 `application/problem+json` otherwise), reply 200 JSON of ' +
      `${responseBytes.fastify ?? '?'} bytes from fastify and ${responseBytes.hono ?? '?'} from hono (10 hits, object built once at ` +
      'start, serialized per request by the framework, no response schema) with an `x-request-id` header (`crypto.randomUUID()`).',
    '- `GET /healthz` → `{"status":"ok"}` (not loaded, checked only).',
    '- Before loading, each server is checked to answer alike: 200, 401 (no token, wrong token), 400 (empty query, invalid JSON), ' +
      '413 (body over 1 MiB), healthz.',
    `- Each server runs in its own child process (this file with \`--serve fastify|hono\`, 127.0.0.1, port 0); autocannon runs in the ` +
      `parent. Per framework and connection count: ${warmupSeconds} s warm-up (discarded), then ${measureSeconds} s measured. Order: ` +
      'fastify, hono, fastify, hono (a fresh server process each time); both runs reported.',
    '- req/s is autocannon `requests.average` (mean of per-second samples); p50/p99 are response latency in ms, which ' +
      'autocannon records in whole milliseconds (`<1` = under 1 ms); errors are connection errors and timeouts, non-2xx are ' +
      'non-2xx responses.',
    '',
    table,
    '',
    line,
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu}, ${machine.cores} cores; memory ${machine.memoryGiB} GiB; ${machine.platform}`,
    `- Node ${machine.node}; fastify ${versions.fastify}, hono ${versions.hono}, @hono/node-server ${versions['@hono/node-server']}, ` +
      `autocannon ${versions.autocannon}`,
    `- Load average at start (1, 5, 15 min): ${startLoad}`,
    '- Load generator and server share this machine, so absolute figures are lower than on dedicated hardware; the ratio between ' +
      'frameworks is the figure to use.',
    '',
    '## Command',
    '',
    '```sh',
    command,
    '```',
    '',
  ].join('\n');
  await mkdir(new URL('.', resultsUrl), { recursive: true });
  await writeFile(resultsUrl, report);
  console.log(`\n${table}\n\n${line}\n\nWrote ${fileURLToPath(resultsUrl)}`);
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex >= 0) {
  const framework = process.argv[serveIndex + 1];
  if (framework !== 'fastify' && framework !== 'hono') throw new Error(`--serve expects fastify or hono, got ${framework}`);
  await runServer(framework);
} else {
  await main();
}
