import type { KeywordSample } from './keyword-statistics.ts';

/** A query lexeme and its document frequency: known or estimated, or null to count it among the fetched rows. */
export interface PlannedLexeme {
  lexeme: string;
  documentFrequency: number | null;
}

/** How one keyword query is answered, decided from the sample. */
export interface KeywordPlan {
  /** Searchable rows the caller sees (exact, or estimated for a large corpus). */
  documents: number;
  /** Mean row length in distinct lexemes. */
  averageLength: number;
  lexemes: PlannedLexeme[];
  /** Every row holding any of these is fetched (up to the fetch bound). */
  fetchAny: string[];
  /**
   * Lexemes too common to fetch every row of. Rows holding all of them are fetched, and some
   * rows holding any, so that a page is never short.
   */
  common: string[];
}

/**
 * Plans a keyword query. When the sample read every visible row, the statistics are exact and
 * every row holding a query lexeme is fetched: exact BM25.
 *
 * Otherwise the corpus is large, and each lexeme's document frequency is estimated from its
 * share of the sample (a lexeme no sampled row holds counts as one). The rarest lexemes are
 * fetched in full while their estimated rows fit in `fetchBudget`, and their frequencies are then
 * counted exactly among the fetched rows (`documentFrequency: null`). The lexemes left over are
 * common: fetching all their rows would read a large part of the tenant, and each adds little
 * to a score (idf ≈ ln(N / df)). Their estimated frequency is used, and only the rows holding
 * all of them plus a few holding any are fetched. The rows missed hold common lexemes only,
 * but not all of them; they rank below rows holding a rare lexeme.
 */
export function planKeywordQuery(sample: KeywordSample, fetchBudget: number): KeywordPlan | null {
  const sampled = sample.tables.reduce((sum, table) => sum + table.rows, 0);
  if (sampled === 0) return null;
  const averageLength = Math.max(1, sample.tables.reduce((sum, table) => sum + table.lexemeTotal, 0) / sampled);
  if (sample.tables.every((table) => table.rows < sample.size)) {
    const present = sample.lexemes.filter((lexeme) => lexeme.sampleHits > 0);
    if (present.length === 0) return null;
    const lexemes = present.map((lexeme) => ({ lexeme: lexeme.lexeme, documentFrequency: lexeme.sampleHits }));
    return { documents: sampled, averageLength, lexemes, fetchAny: lexemes.map((lexeme) => lexeme.lexeme), common: [] };
  }
  if (sample.lexemes.length === 0) return null;
  const documents = sample.tables.reduce(
    (sum, table) => sum + (table.rows < sample.size ? table.rows : Math.max(table.rows, table.estimatedRows ?? 0)),
    0,
  );
  const estimated = sample.lexemes
    .map((lexeme) => ({ lexeme: lexeme.lexeme, rows: (Math.max(lexeme.sampleHits, 1) / sampled) * documents }))
    .sort((left, right) => left.rows - right.rows || left.lexeme.localeCompare(right.lexeme));
  const fetchAny: string[] = [];
  let budget = fetchBudget;
  for (const lexeme of estimated) {
    if (lexeme.rows > budget) break;
    fetchAny.push(lexeme.lexeme);
    budget -= lexeme.rows;
  }
  const fetched = new Set(fetchAny);
  return {
    documents,
    averageLength,
    lexemes: estimated.map((lexeme) => ({ lexeme: lexeme.lexeme, documentFrequency: fetched.has(lexeme.lexeme) ? null : lexeme.rows })),
    fetchAny,
    common: estimated.filter((lexeme) => !fetched.has(lexeme.lexeme)).map((lexeme) => lexeme.lexeme),
  };
}
