import { StrataError, type StrataErrorCode } from '../core/errors.ts';

/** An RFC 9457 problem document, with Strata's stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: StrataErrorCode;
  requestId: string;
  [extension: string]: unknown;
}

const titles: Record<StrataErrorCode, string> = {
  invalid_input: 'Invalid input',
  not_found: 'Not found',
  forbidden: 'Forbidden',
  unauthenticated: 'Unauthenticated',
  limit_exceeded: 'Limit exceeded',
  rate_limited: 'Rate limited',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  tenant_suspended: 'Tenant suspended',
  store_locked: 'Store locked',
  model_mismatch: 'Embedding model mismatch',
  misconfigured: 'Misconfigured',
  invalid_model_output: 'Invalid model output',
  unavailable: 'Unavailable',
  timeout: 'Timeout',
  internal: 'Internal error',
};

/**
 * The problem document for an error. An `internal` error (a bug, or anything that is not a
 * StrataError) is reported without its message or details, which may hold driver text.
 */
export function toProblem(error: unknown, requestId: string): Problem {
  const internal = !(error instanceof StrataError) || error.code === 'internal';
  const strataError = internal ? new StrataError('internal', `internal error; the server log has it under request id ${requestId}`) : error;
  return {
    type: `/docs#error-${strataError.code}`,
    title: titles[strataError.code],
    status: strataError.status,
    detail: strataError.message,
    code: strataError.code,
    requestId,
    ...(Object.keys(strataError.details).length > 0 ? { details: strataError.details } : {}),
  };
}

/** The codes and their titles, for the docs page. */
export const problemTitles: Readonly<Record<StrataErrorCode, string>> = titles;
