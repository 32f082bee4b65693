import type { Queryable } from '../../db/database.ts';
import { type MemoryTable, memoryColumns } from '../../db/memory-tables.ts';
import { SqlParams } from '../../db/sql-params.ts';
import { type KeywordPlan, planKeywordQuery } from './keyword-plan.ts';
import { type KeywordSource, sampleKeywordStatistics } from './keyword-statistics.ts';
import type { ScoredRow } from './search-rows.ts';

/**
 * Okapi BM25 parameters. k1 = 0.9, b = 0.4 are Anserini's defaults for short passages. On
 * LoCoMo through the store (bench/results/locomo-store.md) they give 61.7% recall@10 against
 * 60.3% for the textbook k1 = 1.2, b = 0.75; every setting tried with b ≤ 0.5 landed within
 * about half a point of each other.
 */
export const bm25Parameters = { k1: 0.9, b: 0.4 };

/**
 * Bounds that keep a keyword query's cost independent of the tenant's size. A tenant with fewer
 * visible rows than `sampleRows` gets exact BM25; `bench/locomo/locomo-store.ts` measures both.
 */
export const keywordLimits = {
  /** Visible rows read per table for corpus statistics. */
  sampleRows: 5_000,
  /** Rows fetched through the index for the rarer lexemes (estimated), and for rows holding every common one. */
  fetchRows: 10_000,
  /** Rows fetched holding any common lexeme, so that a page is never short. */
  fallbackRows: 1_000,
};

/** Builds a visible table's WHERE terms (alias `m`) into `params`; null when the caller reads none of it. */
export type TermsBuilder = (table: MemoryTable, params: SqlParams) => string | null;

/**
 * Ranks the visible rows holding any query lexeme by Okapi BM25 (Lucene's idf, which never
 * goes negative), computed in SQL at query time in two statements: a bounded sample for corpus
 * statistics (`sampleKeywordStatistics`), then fetching, weighing and scoring.
 *
 * Under row-level security PostgreSQL will not use `tsv @@ query` as an index condition: the
 * operator is not marked LEAKPROOF, so it may only run after the policy checks. The GIN index
 * then narrows by tenant only, and fetching rows by lexeme scans the tenant's rows (about
 * 0.6 s at 500,000 rows on a server; see bench/results/locomo-store.md, where marking the
 * operator LEAKPROOF brings it to about 0.1 s). The plan below keeps to one such scan, and is
 * bounded by `keywordLimits` once the index can be used.
 *
 * Which rows are fetched is planned from the sample (`planKeywordQuery`); every fetched row is
 * scored exactly: term frequency from the tsvector positions, length as the number of distinct
 * lexemes (`length(tsv)`; counting positions instead made no difference on LoCoMo), average
 * length from the sample.
 */
export async function bm25Candidates(
  db: Queryable,
  buildTerms: TermsBuilder,
  tenantId: string | undefined,
  words: readonly string[],
  limit: number,
): Promise<ScoredRow[]> {
  const sampleParams = new SqlParams();
  const sources: KeywordSource[] = [];
  for (const table of ['memories', 'shared_memories'] as const) {
    const terms = buildTerms(table, sampleParams);
    if (terms !== null) sources.push({ table, terms });
  }
  if (sources.length === 0) return [];
  const sample = await sampleKeywordStatistics(db, sources, words, sampleParams, keywordLimits.sampleRows, tenantId);
  const plan = planKeywordQuery(sample, keywordLimits.fetchRows);
  if (plan === null) return [];
  const params = new SqlParams();
  const result = await db.query<ScoredRow>(scoringSql(plan, buildTerms, params, limit), params.values);
  return result.rows.map((row) => ({ ...row, score: Number(row.score) }));
}

function scoringSql(plan: KeywordPlan, buildTerms: TermsBuilder, params: SqlParams, limit: number): string {
  const { k1, b } = bm25Parameters;
  const lexemes = params.add(plan.lexemes.map((lexeme) => lexeme.lexeme));
  const frequencies = params.add(plan.lexemes.map((lexeme) => lexeme.documentFrequency));
  const documents = `${params.add(plan.documents)}::float8`;
  const averageLength = `${params.add(plan.averageLength)}::float8`;
  // Rows wanted in full are fetched under one condition: where the index cannot apply `@@` (see
  // `bm25Candidates`) each condition is a scan of the tenant. The fallback scan stops as soon as
  // it has its few rows. A tsquery cast from a bound literal is folded once at planning, where
  // a function building it would run again for every row a scan filters.
  const wanted = [
    ...(plan.fetchAny.length > 0 ? [tsqueryText(plan.fetchAny, '|')] : []),
    ...(plan.common.length > 1 ? [`(${tsqueryText(plan.common, '&')})`] : []),
  ];
  const branches: Array<[string, number]> = [];
  if (wanted.length > 0) branches.push([`${params.add(wanted.join(' | '))}::tsquery`, keywordLimits.fetchRows]);
  if (plan.common.length > 0) branches.push([`${params.add(tsqueryText(plan.common, '|'))}::tsquery`, keywordLimits.fallbackRows]);
  const fetches: string[] = [];
  const joins: string[] = [];
  for (const table of ['memories', 'shared_memories'] as const) {
    const terms = buildTerms(table, params);
    if (terms === null) continue;
    const keys = table === 'memories' ? 'm.tenant_id, m.memory_id' : 'NULL::text AS tenant_id, m.memory_id';
    // Each branch leaves out the rows of the branches before it, so they can be appended as they are.
    branches.forEach(([condition, rows], index) => {
      const earlier = branches.slice(0, index).map(([previous]) => ` AND NOT (m.tsv @@ ${previous})`);
      fetches.push(
        `(SELECT '${table}'::text AS source, ${keys}, m.tsv FROM ${table} m
          WHERE m.tsv @@ ${condition}${earlier.join('')} AND ${terms} LIMIT ${rows})`,
      );
    });
    const match = table === 'memories' ? 'm.tenant_id = s.tenant_id AND m.memory_id = s.memory_id' : 'm.memory_id = s.memory_id';
    joins.push(`SELECT ${memoryColumns(table)}, s.score FROM scored s JOIN ${table} m ON s.source = '${table}' AND ${match}`);
  }
  // `matches` holds, per fetched row, the query lexemes it holds with their counts: setweight
  // marks the query's lexemes and ts_filter keeps only those (the column carries no weights of
  // its own), so a row unnests to a few entries, not to its whole vocabulary (in PGlite, 8 times
  // faster than unnesting every lexeme and joining).
  return `WITH query AS (
      SELECT q.lexeme, q.frequency FROM unnest(${lexemes}::text[], ${frequencies}::float8[]) AS q(lexeme, frequency)
    ),
    fetched AS MATERIALIZED (${fetches.join(' UNION ALL ')}),
    matches AS MATERIALIZED (
      SELECT f.source, f.tenant_id, f.memory_id, length(f.tsv) AS length, t.lexeme, cardinality(t.positions) AS frequency
      FROM fetched f, unnest(ts_filter(setweight(f.tsv, 'A', ${lexemes}::text[]), '{a}')) t
    ),
    counted AS (SELECT x.lexeme, count(*) AS frequency FROM matches x GROUP BY x.lexeme),
    weighted AS MATERIALIZED (
      SELECT q.lexeme, ln(1 + (${documents} - d.frequency + 0.5) / (d.frequency + 0.5)) AS idf
      FROM query q LEFT JOIN counted c ON c.lexeme = q.lexeme
        CROSS JOIN LATERAL (SELECT least(${documents}, coalesce(q.frequency, c.frequency, 0)) AS frequency) d
    ),
    scored AS (
      SELECT x.source, x.tenant_id, x.memory_id,
        sum(w.idf * x.frequency * ${k1 + 1} / (x.frequency + ${k1} * (${1 - b} + ${b} * x.length / ${averageLength}))) AS score
      FROM matches x JOIN weighted w ON w.lexeme = x.lexeme
      GROUP BY x.source, x.tenant_id, x.memory_id ORDER BY score DESC, x.memory_id LIMIT ${limit}
    )
    SELECT * FROM (${joins.join(' UNION ALL ')}) ranked ORDER BY score DESC, memory_id LIMIT ${limit}`;
}

/**
 * tsquery text matching `lexemes` exactly (no parsing or stemming), joined by `operator`. Each
 * lexeme is quoted, with quotes and backslashes escaped, so no tsquery syntax can get through.
 */
export function tsqueryText(lexemes: readonly string[], operator: '|' | '&'): string {
  return lexemes.map((lexeme) => `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`).join(` ${operator} `);
}
