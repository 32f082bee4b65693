import { invalidInput, StrataError } from '../core/errors.ts';
import type { ArgumentPlace, Operation } from '../core/operation.ts';
import type { Strata } from '../create-strata.ts';
import type { CallerContext } from '../kernel/caller.ts';
import { operationsByName } from './registry.ts';

/** An operation's input as one object: its path parameters, header fields and body or query fields side by side. */
export type OperationInput = Record<string, unknown>;

/**
 * Calls the library method behind `operation` (a declaration or its name) for `caller`, with
 * its positional arguments taken from the one `input` object as its declaration places them.
 * Transport-neutral: the HTTP server, and any other surface, call operations through here.
 * A field naming another tenant (or, for a user's key, another user) is refused before
 * anything runs. Validation is the library's own.
 *
 * @example
 * await callOperation(strata, 'memories.create', { content: 'Prefers email' }, { tenantId: 'acme', userId: 'john' });
 */
export async function callOperation(
  strata: Strata,
  operation: Operation | string,
  input: OperationInput,
  caller: CallerContext,
): Promise<unknown> {
  const declared = declaredOperation(operation);
  refuseOtherOwners(caller, input);
  return invokeOperation(strata.as(caller), declared, input);
}

/** The declaration of `operation` (itself, or the one of that name); `invalid_input` naming `operation` if there is none. */
export function declaredOperation(operation: Operation | string): Operation {
  const declared = typeof operation === 'string' ? operationsByName.get(operation) : operation;
  if (declared === undefined) throw invalidInput('operation', `${JSON.stringify(operation)} is not an operation`);
  return declared;
}

/**
 * Calls `operation`'s method on a handle already bound to its caller (the library's, or the
 * client SDK's: both have every method at the same path), with arguments from `input`.
 */
export async function invokeOperation(handle: object, operation: Operation, input: OperationInput): Promise<unknown> {
  const places = operation.http?.args;
  if (places === undefined) throw invalidInput('operation', `${operation.name} cannot be called by name; use its own method`);
  const args = argumentsFrom(places, input);
  const [group, method] = operation.name.includes('.') ? operation.name.split('.') : [undefined, operation.name];
  const methods = handle as Record<string, unknown>;
  const target = (group === undefined ? methods : methods[group]) as Record<string, (...values: unknown[]) => Promise<unknown>> | undefined;
  const call = method === undefined ? undefined : target?.[method];
  if (target === undefined || call === undefined) throw new StrataError('internal', `operation ${operation.name} has no implementation`);
  return call.apply(target, args);
}

/** The method's arguments: named places take their field; a whole body or query takes every field the others did not. */
function argumentsFrom(places: readonly ArgumentPlace[], input: OperationInput): unknown[] {
  const named = new Set(
    places.flatMap((place) => (place.in === 'path' ? [place.name] : 'field' in place && place.field !== undefined ? [place.field] : [])),
  );
  const whole = places.some((place) => (place.in === 'body' || place.in === 'query') && place.field === undefined);
  const unknown = whole ? undefined : Object.keys(input).find((key) => !named.has(key) && input[key] !== undefined);
  if (unknown !== undefined) throw invalidInput(unknown, 'is not a known field');
  return places.map((place) => {
    if (place.in === 'path') return input[place.name];
    if (place.in === 'header') return input[place.field] === undefined ? undefined : { [place.field]: input[place.field] };
    if (place.field !== undefined) return input[place.field];
    return Object.fromEntries(Object.entries(input).filter(([key]) => !named.has(key)));
  });
}

/**
 * A tenant or user is named only by the credential. An input that names another tenant (or,
 * for a user's key, another user) is refused before anything runs, so nothing is written.
 */
function refuseOtherOwners(caller: CallerContext, input: OperationInput): void {
  // Admins (and the operator) may name users of their tenant; a user's own key may not.
  const ownUser = caller.role === 'member' || caller.role === 'reader' ? caller.userId : undefined;
  for (const [field, own] of [
    ['tenantId', caller.tenantId],
    ['tenant_id', caller.tenantId],
    ['userId', ownUser],
    ['user_id', ownUser],
  ] as const) {
    const named = input[field];
    if (named === undefined || own === undefined || named === own) continue;
    throw new StrataError('forbidden', `${field}: names another ${field.startsWith('tenant') ? 'tenant' : 'user'} than this API key's`, {
      details: { field },
    });
  }
}
