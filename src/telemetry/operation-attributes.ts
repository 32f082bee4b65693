import type { Attributes } from '@opentelemetry/api';
import type { GenAiMemoryOperation } from '../core/operation.ts';
import { defaultWriteScope, readableScopes } from '../core/scope.ts';
import type { OperationCall } from './types.ts';

/**
 * Span attributes for Strata operations, named per the OpenTelemetry GenAI memory semantic
 * conventions (`gen_ai.operation.name`, `gen_ai.memory.*`) plus `strata.*` extras. Only ids,
 * counts, scopes and the size class: never memory content or key material; the search query
 * text only when content capture is on.
 */

/** Actions whose first argument is a memory id. */
const singleRecordActions = new Set(['memories.get', 'memories.update', 'memories.delete', 'memories.history']);

/** The tenant (memory store) an operation concerns: the target of a `tenants.*` call, else the caller's. */
export function storeId(call: Pick<OperationCall, 'action' | 'identity' | 'args' | 'genAiOperation'>): string | undefined {
  if (call.action.startsWith('tenants.')) {
    const [first] = call.args;
    if (typeof first === 'string') return first;
    const id = field(first, 'id');
    if (typeof id === 'string') return id;
  }
  return call.identity.tenantId;
}

/** `<gen_ai.operation.name> <store id>` for memory operations (the convention's form), else `strata <action>`. */
export function spanName(call: Pick<OperationCall, 'action' | 'identity' | 'args' | 'genAiOperation'>): string {
  const operation = call.genAiOperation;
  if (operation === undefined) return `strata ${call.action}`;
  const store = storeId(call);
  return store === undefined ? operation : `${operation} ${store}`;
}

/** Attributes known before the work runs, from the action, caller and arguments. */
export function startAttributes(
  call: Pick<OperationCall, 'action' | 'identity' | 'args' | 'genAiOperation'>,
  captureContent: boolean,
): Attributes {
  const attributes: Attributes = { 'strata.operation': call.action };
  const operation = call.genAiOperation;
  const store = storeId(call);
  if (operation !== undefined) {
    attributes['gen_ai.operation.name'] = operation;
    attributes['gen_ai.provider.name'] = 'strata';
    // Everything Strata keeps is long-term memory (conversation turns, when they exist, are short-term).
    attributes['gen_ai.memory.type'] = 'long_term';
    if (store !== undefined) {
      attributes['gen_ai.memory.store.id'] = store;
      attributes['gen_ai.memory.store.name'] = store;
      attributes['gen_ai.memory.namespace'] = store;
    }
    const scopes = memoryScopes(call, operation);
    if (scopes !== undefined) attributes['gen_ai.memory.scope'] = scopes;
  }
  if (store !== undefined) attributes['strata.tenant.id'] = store;
  const [first] = call.args;
  if (singleRecordActions.has(call.action) && typeof first === 'string') attributes['gen_ai.memory.record.id'] = first;
  const scope = field(first, 'scope');
  if (typeof scope === 'string') attributes['strata.memory.scope'] = scope;
  if (call.action === 'memories.createMany' && Array.isArray(first)) attributes['gen_ai.memory.record.count'] = first.length;
  if (captureContent && operation === 'search_memory') {
    const query = field(first, 'query');
    if (typeof query === 'string') attributes['gen_ai.memory.query.text'] = query;
  }
  return attributes;
}

/**
 * The scopes an operation touches: on a write the one it writes (given or the caller's
 * default), on a search every scope it reads (given, or the caller's whole chain).
 */
function memoryScopes(
  call: Pick<OperationCall, 'action' | 'identity' | 'args' | 'genAiOperation'>,
  operation: GenAiMemoryOperation,
): string[] | undefined {
  const [first] = call.args;
  if (operation === 'search_memory') {
    const given = field(first, 'scopes');
    if (Array.isArray(given) && given.every((scope) => typeof scope === 'string')) return given as string[];
    return readableScopes(call.identity);
  }
  if (call.action === 'memories.create') {
    const given = field(first, 'scope');
    return [typeof given === 'string' ? given : defaultWriteScope(call.identity)];
  }
  if (call.action === 'memories.createMany' && Array.isArray(first)) {
    const written = first.map((item) => field(item, 'scope'));
    return [...new Set(written.map((scope) => (typeof scope === 'string' ? scope : defaultWriteScope(call.identity))))];
  }
  return undefined;
}

/** Attributes read from a successful operation's result: record id, counts, scope. */
export function resultAttributes(action: string, result: unknown): Attributes {
  switch (action) {
    case 'memories.create':
      return recordAttributes(field(result, 'memory'), 1);
    case 'memories.update':
    case 'memories.get':
      return recordAttributes(result, action === 'memories.update' ? 1 : undefined);
    case 'memories.delete':
      return recordAttributes(result, 1);
    case 'memories.createMany':
      return Array.isArray(result) ? { 'gen_ai.memory.record.count': result.length, ...commonScope(result) } : {};
    case 'memories.deleteAllForUser':
    case 'users.delete':
      return countAttribute(field(result, 'memories'));
    case 'memories.list':
      return countAttribute(lengthOf(field(result, 'items')));
    case 'search':
      return searchAttributes(lengthOf(field(result, 'hits')));
    case 'context':
      return searchAttributes(lengthOf(field(result, 'memories')));
    default:
      return {};
  }
}

function recordAttributes(memory: unknown, count: number | undefined): Attributes {
  const attributes: Attributes = {};
  const id = field(memory, 'id');
  if (typeof id === 'string') attributes['gen_ai.memory.record.id'] = id;
  const scope = field(memory, 'scope');
  if (typeof scope === 'string') attributes['strata.memory.scope'] = scope;
  if (count !== undefined) attributes['gen_ai.memory.record.count'] = count;
  return attributes;
}

function commonScope(results: readonly unknown[]): Attributes {
  const scopes = new Set(results.map((result) => field(field(result, 'memory'), 'scope')));
  const [only] = scopes;
  return scopes.size === 1 && typeof only === 'string' ? { 'strata.memory.scope': only } : {};
}

function countAttribute(count: unknown): Attributes {
  return typeof count === 'number' ? { 'gen_ai.memory.record.count': count } : {};
}

function searchAttributes(count: number | undefined): Attributes {
  return count === undefined ? {} : { 'gen_ai.memory.record.count': count, 'gen_ai.memory.search.result.count': count };
}

function lengthOf(value: unknown): number | undefined {
  return Array.isArray(value) ? value.length : undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}
