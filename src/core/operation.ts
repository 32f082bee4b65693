import type { z } from 'zod';
import type { Permission } from './permissions.ts';
import type { FeatureName } from './plans.ts';

/**
 * Where one positional argument of a library method travels in an HTTP request: a path
 * parameter, the JSON body (whole, or one field of it), the query string (whole object, or one
 * parameter), or a header (one field of an options object).
 */
export type ArgumentPlace =
  | { in: 'path'; name: string }
  | { in: 'body'; field?: string }
  | { in: 'query'; field?: string }
  | { in: 'header'; name: string; field: string };

/** How an operation is reached over HTTP. */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI-style path: `/v1/memories/{id}`. */
  path: string;
  /** Where each positional argument of the method comes from. */
  args: ArgumentPlace[];
  /** The status of a success. */
  status: 200 | 201;
  /** The schema of the JSON body, when there is one. */
  body?: z.ZodType;
  /** The schema of the query string, when there is one. */
  query?: z.ZodType;
  /** A streamed route with a handler of its own (JSON lines: `server/export-routes.ts`), not the generic JSON one. */
  stream?: true;
}

/** The GenAI memory operation names (OpenTelemetry semantic conventions) Strata emits. */
export type GenAiMemoryOperation =
  | 'create_memory'
  | 'update_memory'
  | 'search_memory'
  | 'delete_memory'
  | 'create_memory_store'
  | 'delete_memory_store';

/**
 * One library method, declared once: the HTTP route, the client SDK, the OpenAPI document, the
 * docs page, the CLI's `call` command, the permission check, the plan feature gate and the
 * telemetry name all read this. The audit action is the operation's name.
 */
export interface OperationDeclaration {
  summary: string;
  /** How it is reached over HTTP; absent for library-only operations (`keys.authenticate`, `keys.register`). */
  http?: HttpRoute;
  /** The success body. */
  response?: z.ZodType;
  /** The right the caller's role must hold (core/permissions.ts); absent: any caller, scope rules apply. */
  permission?: Permission;
  /** The plan feature flag the tenant must have. */
  feature?: FeatureName;
  /** The GenAI operation name its span carries, for memory operations. */
  telemetryName?: GenAiMemoryOperation;
  /** Plumbing rather than a caller's request (authenticating a key): not audited, metered or rate limited. */
  plumbing?: true;
}

/** One feature's operations: `group` is the property of the Strata handle they hang off ('' for root methods). */
export interface FeatureOperations<
  Group extends string = string,
  Declarations extends Readonly<Record<string, OperationDeclaration>> = Readonly<Record<string, OperationDeclaration>>,
> {
  group: Group;
  /** The OpenAPI tag. */
  tag: string;
  operations: Declarations;
}

/** A declared operation with its full name (`memories.create`, `search`) and tag. */
export interface Operation extends OperationDeclaration {
  name: string;
  tag: string;
}

/** What every operation of a feature shares unless it says otherwise (its permission, say). */
export type SharedDeclaration = Pick<OperationDeclaration, 'permission' | 'feature'>;

/**
 * Declares a feature's operations, with what they all share (`shared`, `{}` for nothing) merged into each. The
 * literal types are kept, so the registry's operation names can be checked against the
 * `Strata` interface at compile time.
 */
export function defineOperations<const Group extends string, const Declarations extends Readonly<Record<string, OperationDeclaration>>>(
  group: Group,
  tag: string,
  shared: SharedDeclaration,
  operations: Declarations,
): FeatureOperations<Group, Declarations> {
  const merged = Object.fromEntries(Object.entries(operations).map(([name, declaration]) => [name, { ...shared, ...declaration }]));
  return { group, tag, operations: merged as Declarations };
}

/** The full name of an operation of `group`. */
export function operationName(group: string, method: string): string {
  return group === '' ? method : `${group}.${method}`;
}
