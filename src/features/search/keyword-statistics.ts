import type { Queryable } from '../../db/database.ts';
import type { MemoryTable } from '../../db/memory-tables.ts';
import type { SqlParams } from '../../db/sql-params.ts';

/** A visible table and the WHERE terms (alias `m`) that limit it to the caller's searchable rows. */
export interface KeywordSource {
  table: MemoryTable;
  terms: string;
}

/** What the sample saw of one table. */
export interface SampledTable {
  table: MemoryTable;
  /** Rows read, at most the sample size: fewer means these are all the visible rows. */
  rows: number;
  /** Sum of the rows' lengths in distinct lexemes. */
  lexemeTotal: number;
  /** Cheap count of the table's searchable rows for when the sample is full (see below). */
  estimatedRows: number | null;
}

/** Corpus statistics from a bounded sample of the visible rows. */
export interface KeywordSample {
  size: number;
  tables: SampledTable[];
  /** Each distinct query lexeme (English analysis, as the `tsv` column) and the sampled rows holding it. */
  lexemes: Array<{ lexeme: string; sampleHits: number }>;
}

/**
 * Reads the newest `size` visible rows per table (ids are time-ordered; reading by key keeps the
 * sample the same from one query to the next) once and counts, per distinct lexeme of `words`,
 * the rows that hold it, with their lengths. A tenant with fewer rows than that is read whole,
 * so its statistics are exact; a larger one gets estimates (see `planKeywordQuery`). The cost
 * is bounded by `size` whatever the tenant's size, and it needs no index that row-level
 * security could rule out.
 *
 * For a full sample, `estimatedRows` is the tenant's searchable row count kept for quotas
 * (`tenant_usage`: every user's rows, not only the caller's visible ones — it only sets the
 * scale of idf) or, for shared knowledge, the planner's row estimate.
 */
export async function sampleKeywordStatistics(
  db: Queryable,
  sources: readonly KeywordSource[],
  words: readonly string[],
  params: SqlParams,
  size: number,
  tenantId: string | undefined,
): Promise<KeywordSample> {
  const text = params.add(words.join(' '));
  const anyWord = params.add(words.join(' | '));
  const tenant = params.add(tenantId ?? null);
  const branches = sources.map(
    (source) =>
      `(SELECT '${source.table}'::text AS source, m.tsv FROM ${source.table} m WHERE ${source.terms} ORDER BY m.memory_id DESC LIMIT ${size})`,
  );
  // Lexeme counts come from one pass over the matching sampled rows: setweight marks the query's
  // lexemes, ts_filter keeps only them (the column has no weights of its own), so each row
  // unnests to a few entries. A count per lexeme instead would scan the sample once each.
  const result = await db.query<{ kind: 'table' | 'lexeme'; name: string; hits: number; lexemes: number; estimate: number | null }>(
    `WITH query AS MATERIALIZED (
       SELECT array_agg(DISTINCT t.lexeme) AS lexemes, to_tsquery('english', ${anyWord}) AS any_word
       FROM unnest(to_tsvector('english', ${text})) t
     ),
     sample AS MATERIALIZED (${branches.join(' UNION ALL ')}),
     hits AS (
       SELECT t.lexeme, count(*) AS hits FROM sample s, query q, unnest(ts_filter(setweight(s.tsv, 'A', q.lexemes), '{a}')) t
       WHERE s.tsv @@ q.any_word GROUP BY t.lexeme
     )
     SELECT 'table' AS kind, s.source AS name, count(*)::int AS hits, coalesce(sum(length(s.tsv)), 0)::int AS lexemes,
       CASE WHEN s.source = 'memories'
         THEN (SELECT u.searchable_count FROM tenant_usage u WHERE u.tenant_id = ${tenant})::float8
         ELSE (SELECT c.reltuples FROM pg_class c WHERE c.oid = 'shared_memories'::regclass)::float8 END AS estimate
     FROM sample s GROUP BY s.source
     UNION ALL
     SELECT 'lexeme', l.lexeme, coalesce(h.hits, 0)::int, 0, NULL
     FROM query q CROSS JOIN unnest(q.lexemes) AS l(lexeme) LEFT JOIN hits h ON h.lexeme = l.lexeme`,
    params.values,
  );
  const tables: SampledTable[] = [];
  const lexemes: KeywordSample['lexemes'] = [];
  for (const row of result.rows) {
    if (row.kind === 'table') {
      const estimate = row.estimate === null ? null : Number(row.estimate);
      tables.push({ table: row.name as MemoryTable, rows: Number(row.hits), lexemeTotal: Number(row.lexemes), estimatedRows: estimate });
    } else lexemes.push({ lexeme: row.name, sampleHits: Number(row.hits) });
  }
  return { size, tables, lexemes };
}
