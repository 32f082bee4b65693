/**
 * Stable error codes. Every failure a caller can cause carries one of these; the code is
 * part of the public contract (HTTP status, CLI exit, client SDK) and never changes meaning.
 */
export type StrataErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'forbidden'
  | 'unauthenticated'
  | 'limit_exceeded'
  | 'rate_limited'
  | 'conflict'
  | 'payload_too_large'
  | 'tenant_suspended'
  | 'store_locked'
  | 'model_mismatch'
  | 'misconfigured'
  | 'invalid_model_output'
  | 'unavailable'
  | 'timeout'
  | 'internal';

/** The one table that maps an error code to its HTTP status. */
export const httpStatusByCode: Readonly<Record<StrataErrorCode, number>> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  limit_exceeded: 403,
  tenant_suspended: 403,
  not_found: 404,
  conflict: 409,
  model_mismatch: 409,
  payload_too_large: 413,
  store_locked: 423,
  rate_limited: 429,
  internal: 500,
  misconfigured: 500,
  invalid_model_output: 502,
  unavailable: 503,
  timeout: 504,
};

/** Options for {@link StrataError}. */
export interface StrataErrorOptions {
  /** Structured facts about the failure (field name, limit, current value, ...). */
  details?: Record<string, unknown>;
  /** The underlying error; a PostgreSQL error keeps its SQLSTATE in `cause.code`. */
  cause?: unknown;
  /** The id of the HTTP request that failed, when the error came from the service. */
  requestId?: string;
}

/**
 * The one error class Strata throws for anything a caller can cause or must handle.
 *
 * @example
 * try { await strata.memories.get(id) } catch (error) {
 *   if (error instanceof StrataError && error.code === 'not_found') { ... }
 * }
 */
export class StrataError extends Error {
  override readonly name = 'StrataError';
  readonly code: StrataErrorCode;
  readonly details: Record<string, unknown>;
  /** The id of the HTTP request that failed (client SDK only). */
  readonly requestId: string | undefined;

  constructor(code: StrataErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.requestId = options.requestId;
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return httpStatusByCode[this.code];
  }
}

/** An `invalid_input` error that names the offending field. */
export function invalidInput(field: string, problem: string, details: Record<string, unknown> = {}): StrataError {
  return new StrataError('invalid_input', `${field}: ${problem}`, { details: { field, ...details } });
}

/** A `not_found` error; identical whether the thing is missing or belongs to another tenant. */
export function notFound(kind: string, id: string): StrataError {
  return new StrataError('not_found', `${kind} ${JSON.stringify(id)} not found`, { details: { kind, id } });
}

/** True when `error` is a {@link StrataError}, optionally with the given code. */
export function isStrataError(error: unknown, code?: StrataErrorCode): error is StrataError {
  return error instanceof StrataError && (code === undefined || error.code === code);
}
