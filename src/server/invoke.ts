import { type ArgumentPlace, isJsonQueryField, type Operation } from '../api/operations.ts';
import { invalidInput, StrataError } from '../core/errors.ts';
import type { Strata } from '../create-strata.ts';
import type { CallerContext } from '../kernel/caller.ts';
import type { Headers } from './auth.ts';

/** The parts of an HTTP request an operation reads. */
export interface OperationRequest {
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
  headers: Headers;
}

/**
 * Calls the library method behind `operation` for `caller`, with its arguments taken from the
 * request as the operation table places them. Validation is the library's own.
 */
export async function invokeOperation(
  strata: Strata,
  operation: Operation,
  caller: CallerContext,
  request: OperationRequest,
): Promise<unknown> {
  refuseOtherOwners(caller, request);
  const args = operation.args.map((place) => argumentFrom(operation, place, request));
  const handle = strata.as(caller) as unknown as Record<string, unknown>;
  const [group, method] = operation.name.includes('.') ? operation.name.split('.') : [undefined, operation.name];
  const target = (group === undefined ? handle : handle[group]) as Record<string, (...values: unknown[]) => Promise<unknown>>;
  const call = method === undefined ? undefined : target[method];
  if (call === undefined) throw new StrataError('internal', `operation ${operation.name} has no implementation`);
  return call.apply(target, args);
}

function argumentFrom(operation: Operation, place: ArgumentPlace, request: OperationRequest): unknown {
  if (place.in === 'path') return request.params[place.name];
  if (place.in === 'body') return place.field === undefined ? request.body : fieldOf(request.body, place.field);
  if (place.in === 'query')
    return place.field === undefined ? queryObject(operation, request.query) : queryValue(request.query, place.field);
  const value = request.headers[place.name];
  return value === undefined ? undefined : { [place.field]: Array.isArray(value) ? value[0] : value };
}

function fieldOf(body: unknown, field: string): unknown {
  if (body === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidInput('body', 'must be a JSON object');
  const extra = Object.keys(body).find((key) => key !== field);
  if (extra !== undefined) throw invalidInput(extra, 'is not a known field');
  return (body as Record<string, unknown>)[field];
}

function queryValue(query: OperationRequest['query'], field: string): string | undefined {
  const value = query[field];
  if (Array.isArray(value)) throw invalidInput(field, 'must be given once');
  return value;
}

/** The query string as the method's argument object; non-string fields travel as JSON text. */
function queryObject(operation: Operation, query: OperationRequest['query']): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of Object.keys(query)) {
    const value = queryValue(query, field);
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

/**
 * A tenant or user is named only by the key. A body or query that names another tenant (or,
 * for a user's key, another user) is refused before anything runs, so nothing is written.
 */
function refuseOtherOwners(caller: CallerContext, request: OperationRequest): void {
  // Admins (and the operator) may name users of their tenant; a user's own key may not.
  const ownUser = caller.role === 'member' || caller.role === 'reader' ? caller.userId : undefined;
  const places = [request.query, typeof request.body === 'object' && request.body !== null ? request.body : {}] as Record<
    string,
    unknown
  >[];
  for (const place of places) {
    for (const [field, own] of [
      ['tenantId', caller.tenantId],
      ['tenant_id', caller.tenantId],
      ['userId', ownUser],
      ['user_id', ownUser],
    ] as const) {
      const named = place[field];
      if (named === undefined || own === undefined || named === own) continue;
      throw new StrataError('forbidden', `${field}: names another ${field.startsWith('tenant') ? 'tenant' : 'user'} than this API key's`, {
        details: { field },
      });
    }
  }
}
