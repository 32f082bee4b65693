import type { Queryable } from '../store/database.ts';
import { type MemoryTable, memoryColumns } from '../store/memory-tables.ts';
import { SqlParams } from '../store/sql-params.ts';
import { bm25Defaults, inverseDocumentFrequency } from './bm25-weights.ts';
import { type KeywordStatistics, keywordStatistics, type LexemeFrequency, type StatisticsSource } from './keyword-statistics.ts';
import type { ScoredRow } from './search-rows.ts';

/** Bounds that keep keyword search fast on a tenant with hundreds of thousands of rows. */
export const keywordLimits = {
  /** Rows counted per statistic (visible rows, rows per lexeme). */
  statisticsCap: 10_000,
  /** Rows fetched by the index and ranked by the cheap prefilter: the lexemes whose rows fit. */
  scanBudget: 20_000,
  /** Rows scored exactly by BM25, the best by the prefilter. */
  scoredPool: 2_000,
};

/** A query lexeme with its weight. */
export interface WeightedLexeme extends LexemeFrequency {
  idf: number;
}

/** Builds each visible table's WHERE terms into `params`; null for a table the caller cannot read. */
export type TermsBuilder = (table: MemoryTable, params: SqlParams) => string | null;

/**
 * Okapi BM25 over the `tsv` column, computed in SQL at query time, with OR semantics over the
 * query's lexemes. Two statements in the caller's transaction: corpus statistics over the
 * visible rows, then retrieval and scoring.
 *
 * Large tenants stay bounded. Retrieval goes through the GIN index with only the rarest
 * lexemes whose rows fit in `scanBudget` (always at least the rarest one): a common lexeme
 * ("Caroline" in a chat with Caroline) would otherwise pull in half the tenant, and rows that
 * hold only common lexemes score too low to matter once any rare lexeme matches. The rows
 * fetched are ordered by a cheap prefilter, the idf-weighted count of query lexemes they hold
 * (one tsvector lookup per lexeme, no unnesting), and only the best `scoredPool` are scored
 * exactly with term frequencies and length normalisation. Below those sizes (every tenant
 * under ~2,000 matching rows) the result is exact BM25.
 */
export async function bm25Candidates(
  db: Queryable,
  buildTerms: TermsBuilder,
  words: readonly string[],
  limit: number,
): Promise<ScoredRow[]> {
  const statisticsParams = new SqlParams();
  const sources: StatisticsSource[] = [];
  for (const table of ['memories', 'shared_memories'] as const) {
    const terms = buildTerms(table, statisticsParams);
    if (terms !== null) sources.push({ table, terms });
  }
  if (sources.length === 0) return [];
  const statistics = await keywordStatistics(db, sources, words, statisticsParams, keywordLimits.statisticsCap);
  const lexemes = weighLexemes(statistics);
  if (lexemes.length === 0) return [];
  const retrieval = retrievalLexemes(lexemes, keywordLimits.scanBudget);

  const params = new SqlParams();
  const lexemeQuery = (lexeme: string) => `plainto_tsquery('simple', ${params.add(lexeme)})`;
  const retrievalQuery = retrieval.map((lexeme) => lexemeQuery(lexeme.lexeme)).join(' || ');
  const prefilter = lexemes.map((lexeme) => `(m.tsv @@ ${lexemeQuery(lexeme.lexeme)})::int * ${lexeme.idf}`).join(' + ');
  const queryTable = `SELECT * FROM unnest(${params.add(lexemes.map((lexeme) => lexeme.lexeme))}::text[], ${params.add(lexemes.map((lexeme) => lexeme.idf))}::float8[]) AS q(lexeme, idf)`;
  const { k1, b } = bm25Defaults;
  const averageLength = Math.max(statistics.averageLength, 1);
  const parts: string[] = [];
  for (const table of ['memories', 'shared_memories'] as const) {
    const terms = buildTerms(table, params);
    if (terms === null) continue;
    const key = table === 'memories' ? 'm.tenant_id = top.tenant_id AND m.memory_id = top.memory_id' : 'm.memory_id = top.memory_id';
    parts.push(`(SELECT ${memoryColumns(table)}, top.score FROM (
        SELECT c.tenant_id, c.memory_id, s.score FROM (
          SELECT ${table === 'memories' ? 'm.tenant_id' : 'NULL::text AS tenant_id'}, m.memory_id, m.tsv FROM ${table} m
          WHERE m.tsv @@ (${retrievalQuery}) AND ${terms}
          ORDER BY ${prefilter} DESC LIMIT ${keywordLimits.scoredPool}
        ) c CROSS JOIN LATERAL (
          SELECT sum(q.idf * cardinality(t.positions) * ${k1 + 1}
            / (cardinality(t.positions) + ${k1} * (${1 - b} + ${b} * length(c.tsv) / ${averageLength}::float8))) AS score
          FROM unnest(c.tsv) t JOIN query q ON q.lexeme = t.lexeme
        ) s ORDER BY s.score DESC LIMIT ${limit}
      ) top JOIN ${table} m ON ${key})`);
  }
  const result = await db.query<ScoredRow>(
    `WITH query AS (${queryTable}) SELECT * FROM (${parts.join(' UNION ALL ')}) ranked ORDER BY score DESC LIMIT ${limit}`,
    params.values,
  );
  return result.rows.map((row) => ({ ...row, score: Number(row.score) }));
}

/** Query lexemes present in some visible row, with Lucene's idf, rarest first. */
export function weighLexemes(statistics: KeywordStatistics): WeightedLexeme[] {
  const present = statistics.lexemes.filter((lexeme) => lexeme.documentFrequency > 0);
  // Capped counts can leave the row count below a lexeme's: never let df exceed N.
  const documents = Math.max(statistics.documents, ...present.map((lexeme) => lexeme.documentFrequency));
  return present
    .map((lexeme) => ({ ...lexeme, idf: inverseDocumentFrequency(documents, lexeme.documentFrequency) }))
    .sort((left, right) => left.documentFrequency - right.documentFrequency || left.lexeme.localeCompare(right.lexeme));
}

/** The rarest lexemes whose rows together fit in `budget`; at least the rarest one. */
export function retrievalLexemes(lexemes: readonly WeightedLexeme[], budget: number): WeightedLexeme[] {
  const chosen: WeightedLexeme[] = [];
  let rows = 0;
  for (const lexeme of lexemes) {
    if (chosen.length > 0 && rows + lexeme.documentFrequency > budget) break;
    chosen.push(lexeme);
    rows += lexeme.documentFrequency;
  }
  return chosen;
}
