import { invalidInput } from '../core/errors.ts';

/** Wraps a position in an opaque cursor; callers must not build or parse cursors. */
export function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ after: position }), 'utf8').toString('base64url');
}

/** Reads a cursor made by {@link encodeCursor}; anything else is `invalid_input` on `cursor`. */
export function decodeCursor(cursor: string, maxLength = 300): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = (parsed as { after?: unknown }).after;
    if (typeof after === 'string' && after.length > 0 && after.length <= maxLength) return after;
  } catch {
    // fall through to the typed error
  }
  throw invalidInput('cursor', 'is not a cursor returned by this API');
}
