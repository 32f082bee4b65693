import type { OperationInput } from '../api/call-operation.ts';
import type { HttpOperation } from '../api/registry.ts';
import { isJsonQueryField } from '../api/registry.ts';
import { invalidInput } from '../core/errors.ts';
import type { Headers } from './auth.ts';

/** The parts of an HTTP request an operation reads. */
export interface OperationRequest {
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
  headers: Headers;
}

/**
 * An HTTP request as an operation's one input object: path parameters, the header fields the
 * route declares, and the JSON body's fields or the query string's parameters (non-string
 * ones travel as JSON text). A body field that repeats a path parameter or header field is
 * refused, not merged.
 */
export function inputFromRequest(operation: HttpOperation, request: OperationRequest): OperationInput {
  const input: OperationInput = {};
  for (const place of operation.args) {
    if (place.in === 'path') input[place.name] = request.params[place.name];
    else if (place.in === 'header') {
      const value = request.headers[place.name];
      if (value !== undefined) input[place.field] = Array.isArray(value) ? value[0] : value;
    }
  }
  const fields = operation.args.some((place) => place.in === 'body') ? bodyFields(request.body) : queryFields(operation, request.query);
  for (const [field, value] of Object.entries(fields)) {
    if (Object.hasOwn(input, field)) throw invalidInput(field, 'is not a known field');
    input[field] = value;
  }
  return input;
}

function bodyFields(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidInput('body', 'must be a JSON object');
  return body as Record<string, unknown>;
}

function queryFields(operation: HttpOperation, query: OperationRequest['query']): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(query)) {
    if (Array.isArray(value)) throw invalidInput(field, 'must be given once');
    if (value === undefined) continue;
    if (!isJsonQueryField(operation.query, field)) {
      result[field] = value;
      continue;
    }
    try {
      result[field] = JSON.parse(value);
    } catch {
      throw invalidInput(field, 'must be JSON (a number, or an object for filter)');
    }
  }
  return result;
}
