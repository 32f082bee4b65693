import type { Queryable } from '../store/database.ts';
import type { MemoryTable } from '../store/memory-tables.ts';
import type { SqlParams } from '../store/sql-params.ts';

/** One query lexeme (English-stemmed) and the visible rows that hold it. */
export interface LexemeFrequency {
  lexeme: string;
  /** Visible rows holding the lexeme, counted up to the cap. */
  documentFrequency: number;
}

/** Corpus figures BM25 needs, over the caller's visible rows. */
export interface KeywordStatistics {
  /** Visible searchable rows, counted up to the cap. */
  documents: number;
  /** Mean document length in lexemes over the rows counted. */
  averageLength: number;
  lexemes: LexemeFrequency[];
}

/** Where the statistics are counted: each visible table with its WHERE terms. */
export interface StatisticsSource {
  table: MemoryTable;
  terms: string;
}

/**
 * Counts, in one statement, the visible rows and, for each distinct lexeme of `words`, the
 * visible rows holding it. Lexemes come from `to_tsvector('english', ...)` of the query words,
 * the same analysis as the `tsv` column, so they match the index exactly. Each count stops at
 * `cap` rows (see `keywordLimits`): a count is an index lookup plus a heap visit per row, and
 * past a few thousand rows a term is common enough that its exact frequency barely moves the
 * ranking.
 */
export async function keywordStatistics(
  db: Queryable,
  sources: readonly StatisticsSource[],
  words: readonly string[],
  params: SqlParams,
  cap: number,
): Promise<KeywordStatistics> {
  const text = params.add(words.join(' '));
  const sum = (expression: (source: StatisticsSource) => string) => sources.map((source) => `(${expression(source)})`).join(' + ');
  const capped = (source: StatisticsSource, condition: string) =>
    `SELECT count(*) FROM (SELECT 1 FROM ${source.table} m WHERE ${condition}${source.terms} LIMIT ${cap}) s`;
  const lengths = (source: StatisticsSource) =>
    `SELECT coalesce(sum(length(s.tsv)), 0) FROM (SELECT m.tsv FROM ${source.table} m WHERE ${source.terms} LIMIT ${cap}) s`;
  const result = await db.query<{ lexeme: string | null; frequency: string; total_length: string | null }>(
    `SELECT NULL::text AS lexeme, (${sum((source) => capped(source, ''))})::text AS frequency, (${sum(lengths)})::text AS total_length
     UNION ALL
     SELECT l.lexeme, (${sum((source) => capped(source, 'm.tsv @@ l.query AND '))})::text, NULL
     FROM (SELECT DISTINCT t.lexeme, plainto_tsquery('simple', t.lexeme) AS query FROM unnest(to_tsvector('english', ${text})) t) l`,
    params.values,
  );
  let documents = 0;
  let totalLength = 0;
  const lexemes: LexemeFrequency[] = [];
  for (const row of result.rows) {
    if (row.lexeme === null) {
      documents = Number(row.frequency);
      totalLength = Number(row.total_length ?? 0);
    } else lexemes.push({ lexeme: row.lexeme, documentFrequency: Number(row.frequency) });
  }
  return { documents, averageLength: documents > 0 ? totalLength / documents : 0, lexemes };
}
