/**
 * Conversations bench: (1) message ingest rate (batches of 50) and `turn` latency (store the
 * user's message and return its context) on a tenant holding 10,000 messages; (2) extraction
 * throughput against the local chat-completions stub answering in a fixed 50 ms, with 1, 2, 4
 * and 8 concurrent jobs; (3) fairness: a small tenant's job wait (queued → done) alone, then
 * while a large tenant has 10,000 jobs queued. Server PostgreSQL by default (`--pglite` adds
 * the embedded store). Writes bench/results/conversations.md and conversations.json.
 *
 * Run: `node --import tsx bench/conversations/conversations.ts [--pglite] [--messages 10000] [--turns 300]`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createStrata, type Strata, type StrataOptions } from '../../src/index.ts';
import { startChatCompletionsServer } from '../../src/testing/index.ts';
import { defaultHttpOptions } from '../http/http-options.ts';
import { createBenchDatabase } from '../lib/bench-database.ts';
import { describeMachine, type MachineInfo } from '../lib/machine.ts';
import { formatNumber, type LatencySummary, summarize } from '../lib/stats.ts';

interface Options {
  adminUrl: string;
  backends: Array<'postgres' | 'pglite'>;
  messages: number;
  turns: number;
  extractionJobs: number;
  workers: number[];
  largeQueue: number;
  fairnessSamples: number;
  outputDirectory: string;
}

interface BackendResult {
  backend: string;
  ingest: { messages: number; seconds: number; messagesPerSecond: number };
  turn: LatencySummary;
  /** The same turn with `mode: 'vector'` (no keyword scan of the tenant). */
  turnVector: LatencySummary;
  addMessage: LatencySummary;
  extraction: Array<{ workers: number; jobs: number; seconds: number; jobsPerSecond: number }>;
  fairness: { alone: LatencySummary; besideLargeQueue: LatencySummary; largeQueued: number; p99Ratio: number } | null;
}

const words = ['train', 'ticket', 'Lisbon', 'dinner', 'vegetarian', 'meeting', 'budget', 'invoice', 'garden', 'piano', 'flight', 'hotel'];
const sentence = (index: number) =>
  `Message ${index}: ${Array.from({ length: 12 }, (_, position) => words[(index * 7 + position * 3) % words.length]).join(' ')}.`;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

/** Opens a store on a fresh database (or in memory for PGlite); `reopen` keeps the data with other options. */
async function openStore(backend: 'postgres' | 'pglite', options: Options, name: string) {
  if (backend === 'pglite') {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dataDir = await mkdtemp(join(tmpdir(), `strata-bench-${name}-`));
    return { open: (extra: StrataOptions) => createStrata({ dataDir, ...extra }), owner: null, drop: async () => {} };
  }
  const database = await createBenchDatabase(options.adminUrl, `strata_bench_${name}`);
  const owner = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  return { open: (extra: StrataOptions) => createStrata({ databaseUrl: database.url, ...extra }), owner, drop: database.drop };
}

async function ingestAndTurn(strata: Strata, options: Options) {
  await strata.tenants.create({ id: 'talk' });
  const user = strata.as({ tenantId: 'talk', userId: 'u1' });
  const thread = await user.conversations.create();
  const started = performance.now();
  for (let sent = 0; sent < options.messages; sent += 50) {
    const batch = Array.from({ length: Math.min(50, options.messages - sent) }, (_, offset) => ({
      role: (sent + offset) % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: sentence(sent + offset),
    }));
    await user.conversations.addMessages(thread.id, batch);
  }
  const seconds = (performance.now() - started) / 1000;
  const turns: number[] = [];
  const vectorTurns: number[] = [];
  const adds: number[] = [];
  for (let index = 0; index < options.turns; index += 1) {
    turns.push((await timed(() => user.conversations.turn(thread.id, { message: { content: sentence(index) }, tokenBudget: 1000 })))[1]);
    adds.push((await timed(() => user.conversations.addMessages(thread.id, [{ role: 'assistant', content: sentence(index + 1) }])))[1]);
    const vectorTurn = () =>
      user.conversations.turn(thread.id, { message: { content: sentence(index + 2) }, tokenBudget: 1000, mode: 'vector' });
    vectorTurns.push((await timed(vectorTurn))[1]);
  }
  return {
    ingest: { messages: options.messages, seconds, messagesPerSecond: options.messages / seconds },
    turn: summarize(turns),
    turnVector: summarize(vectorTurns),
    addMessage: summarize(adds),
  };
}

/** Waits until the tenant has no queued or running job left. */
async function waitForJobs(strata: Strata, tenantId: string): Promise<void> {
  const handle = strata.as({ tenantId, userId: 'u1' });
  for (;;) {
    const queued = await handle.conversations.listJobs({ status: 'queued', limit: 1 });
    const running = await handle.conversations.listJobs({ status: 'running', limit: 1 });
    if (queued.items.length === 0 && running.items.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function extraction(backend: 'postgres' | 'pglite', options: Options, llmUrl: string) {
  const results: BackendResult['extraction'] = [];
  for (const workers of options.workers) {
    const store = await openStore(backend, options, `extract_${workers}`);
    const llm = { baseUrl: llmUrl, model: 'stub-chat' };
    const queueing = await store.open({ llm, extraction: { worker: false } });
    await queueing.tenants.create({ id: 'ex', settings: { extraction: { policy: 'add-only' } } });
    const user = queueing.as({ tenantId: 'ex', userId: 'u1' });
    const thread = await user.conversations.create();
    for (let index = 0; index < options.extractionJobs; index += 1) {
      await user.conversations.addMessages(thread.id, [{ role: 'user', content: sentence(index) }]);
    }
    await queueing.close();
    const [, ms] = await timed(async () => {
      const working = await store.open({ llm, extraction: { concurrency: workers, pollIntervalMs: 5 } });
      await waitForJobs(working, 'ex');
      await working.close();
    });
    results.push({ workers, jobs: options.extractionJobs, seconds: ms / 1000, jobsPerSecond: options.extractionJobs / (ms / 1000) });
    await store.drop();
  }
  return results;
}

async function fairness(options: Options, llmUrl: string) {
  const store = await openStore('postgres', options, 'fairness');
  const strata = await store.open({ llm: { baseUrl: llmUrl, model: 'stub-chat' }, extraction: { concurrency: 2, pollIntervalMs: 5 } });
  await strata.tenants.create({ id: 'small', settings: { extraction: { policy: 'add-only' } } });
  await strata.tenants.create({ id: 'large', settings: { extraction: { policy: 'add-only' } } });
  const small = strata.as({ tenantId: 'small', userId: 'u1' });
  const thread = await small.conversations.create();
  const sample = async () => {
    const samples: number[] = [];
    for (let index = 0; index < options.fairnessSamples; index += 1) {
      const started = performance.now();
      const { extraction: ticket } = await small.conversations.addMessages(thread.id, [{ role: 'user', content: sentence(index) }]);
      for (;;) {
        const job = await small.conversations.getJob(ticket.jobId ?? '');
        if (job.status === 'done' || job.status === 'failed') break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      samples.push(performance.now() - started);
    }
    return summarize(samples);
  };
  const alone = await sample();
  // The large tenant's backlog: one real conversation and message, its job queued 10,000 times.
  const large = strata.as({ tenantId: 'large', userId: 'u1' });
  const bulk = await large.conversations.create();
  await large.conversations.addMessages(bulk.id, [{ role: 'user', content: 'I live in Lyon and like trains.' }]);
  await store.owner?.(
    `INSERT INTO extraction_jobs (tenant_id, job_id, conversation_id, user_id, from_seq, to_seq, status, run_after, created_at, updated_at)
     SELECT 'large', gen_random_uuid(), $1, 'u1', 1, 1, 'queued', now(), now(), now() FROM generate_series(1, $2)`,
    [bulk.id, options.largeQueue],
  );
  const beside = await sample();
  await strata.close();
  await store.drop();
  return { alone, besideLargeQueue: beside, largeQueued: options.largeQueue, p99Ratio: beside.p99 / alone.p99 };
}

export async function runConversationsBench(options: Options): Promise<BackendResult[]> {
  const llm = await startChatCompletionsServer({ latencyMs: 50, respond: () => ({ json: { decisions: [{ action: 'NONE' }] } }) });
  const results: BackendResult[] = [];
  try {
    for (const backend of options.backends) {
      const store = await openStore(backend, options, 'turns');
      const strata = await store.open({});
      const paths = await ingestAndTurn(strata, options);
      await strata.close();
      await store.drop();
      const extractionResults = await extraction(backend, options, llm.url);
      const fair = backend === 'postgres' ? await fairness(options, llm.url) : null;
      results.push({ backend, ...paths, extraction: extractionResults, fairness: fair });
      console.log(render([results.at(-1) as BackendResult]));
    }
  } finally {
    await llm.close();
  }
  const machine = await describeMachine();
  await mkdir(options.outputDirectory, { recursive: true });
  await writeFile(join(options.outputDirectory, 'conversations.json'), `${JSON.stringify({ machine, options, results }, null, 2)}\n`);
  await writeFile(join(options.outputDirectory, 'conversations.md'), markdown(machine, options, results));
  return results;
}

function ms(summary: LatencySummary): string {
  return `${formatNumber(summary.p50)} / ${formatNumber(summary.p99)}`;
}

function render(results: readonly BackendResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`== ${result.backend}`);
    lines.push(`   ingest ${formatNumber(result.ingest.messagesPerSecond)} messages/s (batches of 50, ${result.ingest.messages} messages)`);
    lines.push(
      `   turn p50/p99 ${ms(result.turn)} ms (vector: ${ms(result.turnVector)} ms); addMessages (1) p50/p99 ${ms(result.addMessage)} ms`,
    );
    for (const row of result.extraction) lines.push(`   extraction ${row.workers} workers: ${formatNumber(row.jobsPerSecond)} jobs/s`);
    if (result.fairness !== null) {
      lines.push(
        `   small tenant job wait p50/p99: alone ${ms(result.fairness.alone)} ms; beside ${result.fairness.largeQueued} queued: ${ms(result.fairness.besideLargeQueue)} ms (p99 ×${formatNumber(result.fairness.p99Ratio)})`,
      );
    }
  }
  return lines.join('\n');
}

function markdown(machine: MachineInfo, options: Options, results: readonly BackendResult[]): string {
  const rows = results.map(
    (result) =>
      `| ${result.backend} | ${formatNumber(result.ingest.messagesPerSecond)} | ${ms(result.turn)} | ${ms(result.turnVector)} | ${ms(result.addMessage)} | ${result.extraction.map((row) => `${row.workers}: ${formatNumber(row.jobsPerSecond)}`).join(', ')} |`,
  );
  const fair = results.flatMap((result) =>
    result.fairness === null
      ? []
      : [
          `| ${result.backend} | ${ms(result.fairness.alone)} | ${ms(result.fairness.besideLargeQueue)} | ${formatNumber(result.fairness.p99Ratio)} |`,
        ],
  );
  return `# Conversations bench

\`node --import tsx bench/conversations/conversations.ts\` (also the last part of \`npm run bench\`) on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}.
The offline hash embedder; a tenant holding ${options.messages.toLocaleString('en-US')} messages (ingested in batches of 50) for the turn figures (${options.turns} turns);
the local chat-completions stub answering in a fixed 50 ms for extraction (${options.extractionJobs} jobs per run).

| store | ingest (messages/s) | turn, hybrid, p50 / p99 (ms) | turn, vector, p50 / p99 (ms) | addMessages, 1 message, p50 / p99 (ms) | extraction jobs/s by workers |
|---|---:|---:|---:|---:|---|
${rows.join('\n')}

Fairness: a small tenant's job, queued to done, ${options.fairnessSamples} samples, 2 workers, alone and then while a large tenant has ${options.largeQueue.toLocaleString('en-US')} jobs queued (target p99 ≤ 2× alone).

| store | alone p50 / p99 (ms) | beside the queue p50 / p99 (ms) | p99 ratio |
|---|---:|---:|---:|
${fair.join('\n')}
`;
}

export const defaultConversationsOptions: Options = {
  adminUrl: defaultHttpOptions.adminUrl,
  backends: ['postgres'],
  messages: 10_000,
  turns: 300,
  extractionJobs: 200,
  workers: [1, 2, 4, 8],
  largeQueue: 10_000,
  fairnessSamples: 30,
  outputDirectory: join(import.meta.dirname, '..', 'results'),
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      pglite: { type: 'boolean' },
      messages: { type: 'string' },
      turns: { type: 'string' },
      jobs: { type: 'string' },
      'admin-url': { type: 'string' },
    },
  });
  const options: Options = {
    ...defaultConversationsOptions,
    ...(values.pglite === true ? { backends: ['postgres', 'pglite'] } : {}),
    ...(values.messages === undefined ? {} : { messages: Number(values.messages) }),
    ...(values.turns === undefined ? {} : { turns: Number(values.turns) }),
    ...(values.jobs === undefined ? {} : { extractionJobs: Number(values.jobs) }),
    ...(values['admin-url'] === undefined ? {} : { adminUrl: values['admin-url'] }),
  };
  await runConversationsBench(options);
}
