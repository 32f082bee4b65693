import { StrataError } from '../core/errors.ts';

/**
 * Turns a driver error into a StrataError by its SQLSTATE (never by message text), keeping
 * the original as `cause`. StrataErrors pass through unchanged.
 */
export function toStrataError(error: unknown): StrataError {
  if (error instanceof StrataError) return error;
  const code = sqlState(error) ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === '57014') return new StrataError('timeout', 'the statement exceeded its time limit', { cause: error });
  if (code === '23505') return new StrataError('conflict', 'a record with the same key already exists', { cause: error });
  // A deadlock victim or a serialization failure did nothing: the same call may simply be retried.
  if (code === '40P01' || code === '40001') {
    return new StrataError('conflict', 'the call collided with a concurrent change and was rolled back; retry it', { cause: error });
  }
  // A date or time the schema let through but the store cannot hold: the caller's input, not a fault.
  if (code === '22007' || code === '22008' || code === '22009') {
    return new StrataError('invalid_input', 'input: a date or time is outside the range the store accepts', {
      details: { field: 'input' },
      cause: error,
    });
  }
  if (code === '42501') return new StrataError('forbidden', 'the database refused access to that row', { cause: error });
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
    return new StrataError('unavailable', 'the database is unavailable; retry', { cause: error });
  }
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) {
    return new StrataError('unavailable', 'the database connection failed; retry', { cause: error });
  }
  return new StrataError('internal', `internal error (${code || 'no SQLSTATE'}): ${message}`, { cause: error });
}

/** The SQLSTATE (or Node error code) a driver error carries, if any. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
