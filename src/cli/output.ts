/** Widest content shown in a table cell before it is cut with an ellipsis. */
const contentWidth = 60;

/** Exactly one JSON document, as `--json` promises. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * An aligned table with a header row. The last column is not padded, so long content does not
 * leave trailing spaces.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `key: value` lines with the values aligned; undefined values are left out. */
export function formatRecord(entries: readonly (readonly [string, string | undefined])[]): string {
  const shown = entries.filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  const width = Math.max(0, ...shown.map(([key]) => key.length + 1));
  return shown.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`).join('\n');
}

/** A listing: the table, or a note that it is empty, and the cursor to continue from. */
export function formatPage(noun: string, table: string, count: number, nextCursor: string | null): string {
  const body = count === 0 ? `(no ${noun})` : table;
  return nextCursor === null ? body : `${body}\nnext page: --cursor ${nextCursor}`;
}

/** Content on one line, cut to fit a table cell. */
export function truncate(text: string, width = contentWidth): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

/** An ISO timestamp to the minute, for tables: `2025-01-31 14:05`. */
export function shortTime(iso: string | null): string {
  return iso === null ? '-' : iso.slice(0, 16).replace('T', ' ');
}

/** A nullable value for a record line. */
export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined ? '-' : String(value);
}

/** Small JSON values (metadata, settings) inline on one line. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value);
}
