/**
 * LoCoMo retrieval end to end through the real library: one tenant per conversation (all ten
 * in one store), one memory per dialogue turn ("Speaker: text", the turn's `dia_id` in
 * metadata), and `search()` in keyword, vector and hybrid modes for every question of
 * categories 1–4. Hits map back to turns through their metadata, so what is measured is what
 * a caller of the store gets: SQL BM25, pgvector cosine over the offline hash embedder, and the
 * fusion in `src/search/run-search.ts`.
 *
 * Run: npx tsx bench/locomo-store.ts
 * PGlite in memory always; with DATABASE_URL (a superuser URL) also server PostgreSQL, in a
 * database the bench creates and drops. Writes bench/results/locomo-store.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createStrata, type SearchHit, type SearchMode, type Strata } from '../src/index.ts';
import { weightedReciprocalRankFusion } from '../src/search/rrf.ts';
import { type ScoreNormalisation, scoreFusion } from '../src/search/score-fusion.ts';
import { evaluateRecall, type LocomoConversation, type LocomoDataset, loadLocomo, type RecallReport, turnDocument } from './locomo.ts';

/** Options for {@link runLocomoStoreBench}. */
export interface LocomoStoreBenchOptions {
  /** Superuser URL of a PostgreSQL server: the bench creates its own database there and drops it. Default: PGlite in memory. */
  databaseUrl?: string;
  /** The dataset; default {@link loadLocomo}() (categories 1–4). */
  dataset?: LocomoDataset;
  /** Also fetch each mode's top 100 and score fusion variants offline. Default false. */
  fusionGrid?: boolean;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
}

/** Latency of one search call, as the caller sees it (embedding the query included). */
export interface LatencyFigures {
  medianMs: number;
  p95Ms: number;
}

/** What {@link runLocomoStoreBench} measured. */
export interface LocomoStoreBenchResult {
  backend: 'pglite' | 'postgres';
  turns: number;
  questions: number;
  /** Wall time to create the tenants and store every turn. */
  ingestSeconds: number;
  /** Recall per mode at 5, 10 and 20, overall and per category. */
  recall: Record<SearchMode, RecallReport>;
  /** Per-query latency per mode over all tenants. */
  latency: Record<SearchMode, LatencyFigures>;
  /** Keyword latency on the tenant whose turn count is closest to 500. */
  keywordLatencyNear500: LatencyFigures & { tenant: string; turns: number };
  /** Fusion variants scored offline from the store's keyword and vector lists, when asked. */
  fusion?: FusionRow[];
}

/** A question's keyword and vector lists from the store, best first, with raw scores. */
export interface QuestionLists {
  keyword: { keys: string[]; scores: number[] };
  vector: { keys: string[]; scores: number[] };
}

/** One fusion variant and its recall. */
export interface FusionRow {
  name: string;
  report: RecallReport;
}

const modes: readonly SearchMode[] = ['keyword', 'vector', 'hybrid'];
const depth = 20;
const batchSize = 500;

/** Runs the benchmark on one back end and returns the figures. */
export async function runLocomoStoreBench(options: LocomoStoreBenchOptions = {}): Promise<LocomoStoreBenchResult> {
  const dataset = options.dataset ?? (await loadLocomo());
  const log = options.log ?? (() => {});
  const server = options.databaseUrl === undefined ? null : await createBenchDatabase(options.databaseUrl);
  const strata = await createStrata(server === null ? { inMemory: true } : { databaseUrl: server.url, autoIndex: false });
  try {
    const ingestStarted = performance.now();
    for (const conversation of dataset.conversations) await storeConversation(strata, conversation);
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    log(`${strata.info.backend}: stored ${countTurns(dataset)} turns in ${ingestSeconds.toFixed(1)} s`);

    const rankings = new Map<LocomoConversation, Record<SearchMode, string[][]>>();
    const timings: Record<SearchMode, number[]> = { keyword: [], vector: [], hybrid: [] };
    const timingsByTenant = new Map<LocomoConversation, number[]>();
    const lists = new Map<LocomoConversation, QuestionLists[]>();
    for (const conversation of dataset.conversations) {
      const tenant = strata.as({ tenantId: tenantId(conversation) });
      const ranked: Record<SearchMode, string[][]> = { keyword: [], vector: [], hybrid: [] };
      const keywordTimes: number[] = [];
      for (const question of conversation.questions) {
        for (const mode of modes) {
          const started = performance.now();
          const { hits } = await tenant.search({ query: question.question, mode, limit: depth });
          const elapsed = performance.now() - started;
          timings[mode].push(elapsed);
          if (mode === 'keyword') keywordTimes.push(elapsed);
          ranked[mode].push(hits.map(turnId));
        }
      }
      if (options.fusionGrid === true) lists.set(conversation, await fetchLists(tenant, conversation));
      rankings.set(conversation, ranked);
      timingsByTenant.set(conversation, keywordTimes);
      log(`${strata.info.backend}: ${conversation.sampleId} searched (${conversation.questions.length} questions)`);
    }

    const recall = {} as Record<SearchMode, RecallReport>;
    for (const mode of modes)
      recall[mode] = await evaluateRecall(dataset, async (conversation) => rankings.get(conversation)?.[mode] ?? []);
    const near500 = [...dataset.conversations].sort(
      (left, right) => Math.abs(left.turns.length - 500) - Math.abs(right.turns.length - 500),
    )[0];
    const result: LocomoStoreBenchResult = {
      backend: strata.info.backend === 'pglite' ? 'pglite' : 'postgres',
      turns: countTurns(dataset),
      questions: recall.keyword.questions,
      ingestSeconds,
      recall,
      latency: {
        keyword: latencyOf(timings.keyword),
        vector: latencyOf(timings.vector),
        hybrid: latencyOf(timings.hybrid),
      },
      keywordLatencyNear500: {
        tenant: near500 === undefined ? '' : tenantId(near500),
        turns: near500?.turns.length ?? 0,
        ...latencyOf(near500 === undefined ? [] : (timingsByTenant.get(near500) ?? [])),
      },
    };
    if (options.fusionGrid === true) result.fusion = await evaluateFusionVariants(dataset, lists);
    return result;
  } finally {
    await strata.close();
    await server?.drop();
  }
}

function tenantId(conversation: LocomoConversation): string {
  return `locomo-${conversation.sampleId}`;
}

async function storeConversation(strata: Strata, conversation: LocomoConversation): Promise<void> {
  await strata.tenants.create({ id: tenantId(conversation) });
  const tenant = strata.as({ tenantId: tenantId(conversation) });
  for (let start = 0; start < conversation.turns.length; start += batchSize) {
    const turns = conversation.turns.slice(start, start + batchSize);
    await tenant.memories.createMany(
      turns.map((turn) => ({
        content: turnDocument(turn, { speaker: true }),
        documentType: 'ai-chat-conversation',
        metadata: { diaId: turn.id, speaker: turn.speaker },
      })),
    );
  }
}

/** Each question's keyword and vector lists at the deepest a search allows, with raw scores. */
async function fetchLists(tenant: Strata, conversation: LocomoConversation): Promise<QuestionLists[]> {
  const lists: QuestionLists[] = [];
  for (const question of conversation.questions) {
    const keyword = (await tenant.search({ query: question.question, mode: 'keyword', limit: 100 })).hits;
    const vector = (await tenant.search({ query: question.question, mode: 'vector', limit: 100 })).hits;
    lists.push({
      keyword: { keys: keyword.map(turnId), scores: keyword.map((hit) => hit.scores.keyword ?? 0) },
      vector: { keys: vector.map(turnId), scores: vector.map((hit) => hit.scores.vector ?? 0) },
    });
  }
  return lists;
}

function turnId(hit: SearchHit): string {
  const id = hit.metadata.diaId;
  return typeof id === 'string' ? id : '';
}

function countTurns(dataset: LocomoDataset): number {
  return dataset.conversations.reduce((sum, conversation) => sum + conversation.turns.length, 0);
}

function latencyOf(times: readonly number[]): LatencyFigures {
  const sorted = [...times].sort((left, right) => left - right);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
  return { medianMs: at(0.5), p95Ms: at(0.95) };
}

/** Creates a throwaway database on the server; `drop` removes it (closing any leftover connection). */
async function createBenchDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `strata_locomo_${process.pid}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

type Fuser = (lists: QuestionLists) => string[];

/** The fusion variants compared: each fuses the store's lists cut at a depth. */
function fusionVariants(): Array<[string, Fuser]> {
  const cut = (list: { keys: string[]; scores: number[] }, at: number) => ({
    keys: list.keys.slice(0, at),
    scores: list.scores.slice(0, at),
  });
  const variants: Array<[string, Fuser]> = [
    ['keyword alone', (lists) => lists.keyword.keys],
    ['vector alone', (lists) => lists.vector.keys],
  ];
  for (const at of [20, 40, 100]) {
    for (const k of [5, 20, 60]) {
      for (const keywordWeight of [1, 1.5, 2, 3, 4]) {
        variants.push([
          `RRF k=${k}, keyword×${keywordWeight}, depth ${at}`,
          (lists) =>
            weightedReciprocalRankFusion(
              [
                { keys: lists.keyword.keys.slice(0, at), weight: keywordWeight },
                { keys: lists.vector.keys.slice(0, at), weight: 1 },
              ],
              k,
            ).map(({ key }) => key),
        ]);
      }
    }
  }
  const normalisations: Array<[string, ScoreNormalisation, ScoreNormalisation]> = [
    ['BM25/max + cosine', 'max', 'none'],
    ['min-max both', 'min-max', 'min-max'],
    ['BM25/max + cosine/max', 'max', 'max'],
  ];
  for (const at of [20, 40, 100]) {
    for (const [label, keywordNormalisation, vectorNormalisation] of normalisations) {
      for (const keywordShare of [0.5, 0.6, 0.7, 0.8, 0.9]) {
        variants.push([
          `${label}, keyword ${keywordShare}, depth ${at}`,
          (lists) =>
            scoreFusion([
              { ...cut(lists.keyword, at), weight: keywordShare, normalisation: keywordNormalisation },
              { ...cut(lists.vector, at), weight: 1 - keywordShare, normalisation: vectorNormalisation },
            ]).map(({ key }) => key),
        ]);
      }
    }
  }
  return variants;
}

/** Recall of every fusion variant over the stored lists, best recall@10 first. */
export async function evaluateFusionVariants(
  dataset: LocomoDataset,
  lists: ReadonlyMap<LocomoConversation, QuestionLists[]>,
): Promise<FusionRow[]> {
  const rows: FusionRow[] = [];
  for (const [name, fuse] of fusionVariants()) {
    const report = await evaluateRecall(dataset, async (conversation) => (lists.get(conversation) ?? []).map(fuse));
    rows.push({ name, report });
  }
  return rows.sort((left, right) => (right.report.recall[10] ?? 0) - (left.report.recall[10] ?? 0));
}

async function main(): Promise<void> {
  const dataset = await loadLocomo();
  const log = (line: string) => console.log(line);
  const results = [await runLocomoStoreBench({ dataset, fusionGrid: true, log })];
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl !== undefined && databaseUrl !== '')
    results.push(await runLocomoStoreBench({ dataset, databaseUrl, fusionGrid: true, log }));
  for (const result of results) {
    for (const mode of modes) {
      const recall = [5, 10, 20].map((k) => percent(result.recall[mode].recall[k])).join(' ');
      console.log(`${result.backend.padEnd(8)} ${mode.padEnd(7)} ${recall}  median ${result.latency[mode].medianMs.toFixed(1)} ms`);
    }
  }
  const output = new URL('./results/locomo-store.md', import.meta.url);
  await mkdir(new URL('.', output), { recursive: true });
  await writeFile(output, renderReport(dataset, results));
  console.log(`wrote ${output.pathname}`);
}

function percent(value: number | undefined): string {
  return ((value ?? 0) * 100).toFixed(1);
}

function renderReport(dataset: LocomoDataset, results: readonly LocomoStoreBenchResult[]): string {
  const lines = [
    '# LoCoMo retrieval through the store',
    '',
    `Generated by \`npx tsx bench/locomo-store.ts\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
  ];
  for (const result of results) {
    lines.push(`| ${result.backend} | R@5 | R@10 | R@20 | median ms | p95 ms |`, '|---|---:|---:|---:|---:|---:|');
    for (const mode of modes) {
      const recall = [5, 10, 20].map((k) => percent(result.recall[mode].recall[k])).join(' | ');
      lines.push(`| ${mode} | ${recall} | ${result.latency[mode].medianMs.toFixed(1)} | ${result.latency[mode].p95Ms.toFixed(1)} |`);
    }
    lines.push('');
    if (result.fusion !== undefined) {
      lines.push('| fusion | R@5 | R@10 | R@20 |', '|---|---:|---:|---:|');
      for (const row of result.fusion) lines.push(`| ${row.name} | ${[5, 10, 20].map((k) => percent(row.report.recall[k])).join(' | ')} |`);
      lines.push('');
    }
  }
  void dataset;
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
