import type { ExportRecord } from './export-records.ts';

/**
 * Splits a stream of text or bytes into lines (without their `\n` or `\r\n`), decoding UTF-8
 * across chunk boundaries. A last line without a line break is still yielded.
 */
export async function* splitLines(chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    let end = pending.indexOf('\n');
    while (end !== -1) {
      yield pending.slice(start, end).replace(/\r$/, '');
      start = end + 1;
      end = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending.length > 0) yield pending.replace(/\r$/, '');
}

/** One record as a line of JSON lines (`application/x-ndjson`), with its line break. */
export function toJsonLine(record: ExportRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** The records of an export as JSON lines, one string per record. */
export async function* toJsonLines(records: AsyncIterable<ExportRecord>): AsyncGenerator<string> {
  for await (const record of records) yield toJsonLine(record);
}
