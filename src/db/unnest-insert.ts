import type { Queryable } from './database.ts';
import { SqlParams } from './sql-params.ts';

/** How a column's values travel: as an array of this SQL type, cast per row where needed. */
export type ColumnType = 'text' | 'uuid' | 'int4' | 'timestamptz' | 'jsonb' | 'vector';

/** One column of a bulk insert: its name, type and value per row. */
export interface InsertColumn<Row> {
  name: string;
  type: ColumnType;
  value: (row: Row) => unknown;
}

/**
 * Inserts many rows in one statement by unnesting one array per column: a batch of 500
 * memories is one round trip, not 500. `suffix` carries ON CONFLICT / RETURNING.
 */
export async function insertUnnest<Row, Result>(
  db: Queryable,
  table: string,
  columns: readonly InsertColumn<Row>[],
  rows: readonly Row[],
  suffix = '',
): Promise<Result[]> {
  if (rows.length === 0) return [];
  const params = new SqlParams();
  const arrays = columns.map((column) => {
    // jsonb and vector travel as text and are cast per row: drivers serialise text arrays alike.
    const arrayType = column.type === 'jsonb' || column.type === 'vector' ? 'text' : column.type;
    return `${params.add(rows.map(column.value))}::${arrayType}[]`;
  });
  const selected = columns.map((column, index) => {
    const value = `x.c${index}`;
    return column.type === 'jsonb' || column.type === 'vector' ? `${value}::${column.type}` : value;
  });
  const aliases = columns.map((_, index) => `c${index}`).join(', ');
  const sql = `INSERT INTO ${table} (${columns.map((column) => column.name).join(', ')})
    SELECT ${selected.join(', ')} FROM unnest(${arrays.join(', ')}) AS x(${aliases}) ${suffix}`;
  const result = await db.query<Result>(sql, params.values);
  return result.rows;
}
