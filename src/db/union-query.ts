/**
 * Combines per-table SELECTs (each already ordered and limited) into one ordered, limited
 * result. Wrapping in a subquery keeps a single part valid too.
 */
export function unionOrdered(parts: readonly string[], orderBy: string, limit: number): string {
  return `SELECT * FROM (${parts.map((part) => `(${part})`).join(' UNION ALL ')}) AS merged ORDER BY ${orderBy} LIMIT ${limit}`;
}
