import type { z } from 'zod';
import { type HttpRoute, type Operation, operationName } from '../core/operation.ts';
import { agentsFeature } from '../features/agents/index.ts';
import { auditFeature } from '../features/audit/index.ts';
import { collectionsFeature } from '../features/collections/index.ts';
import { conversationsFeature } from '../features/conversations/index.ts';
import { exportFeature } from '../features/export/index.ts';
import { keysFeature } from '../features/keys/index.ts';
import { knowledgeBasesFeature } from '../features/knowledge-bases/index.ts';
import { maintenanceFeature } from '../features/maintenance/index.ts';
import { memoriesFeature } from '../features/memories/index.ts';
import { searchFeature } from '../features/search/index.ts';
import { statsFeature } from '../features/stats/index.ts';
import { tenantsFeature } from '../features/tenants/index.ts';
import { usageFeature } from '../features/usage/index.ts';
import { usersFeature } from '../features/users/index.ts';
import { webhooksFeature } from '../features/webhooks/index.ts';

/** Every feature. A new feature adds one entry here; the `Strata` handle, its routes, the SDK and the docs follow. */
export const features = [
  tenantsFeature,
  usersFeature,
  keysFeature,
  memoriesFeature,
  searchFeature,
  conversationsFeature,
  knowledgeBasesFeature,
  agentsFeature,
  collectionsFeature,
  maintenanceFeature,
  exportFeature,
  usageFeature,
  auditFeature,
  webhooksFeature,
  statsFeature,
] as const;

type Declared = (typeof features)[number]['operations'];
type Qualified<G extends string, K extends string> = G extends '' ? K : `${G}.${K}`;
type NamesOf<F, Where = unknown> = F extends { group: infer G extends string; operations: infer O }
  ? { [K in Extract<keyof O, string>]: O[K] extends Where ? Qualified<G, K> : never }[Extract<keyof O, string>]
  : never;

/** The name of every declared operation: `memories.create`, `search`, ... */
export type OperationName = NamesOf<Declared>;
/** The operations reachable over HTTP (and so in the client SDK). */
export type HttpOperationName = NamesOf<Declared, { http: object }>;

/** The merged registry: every operation of every feature, with its full name and tag. */
export const operations: readonly Operation[] = features.flatMap(({ operations: declared }) =>
  Object.entries(declared.operations).map(([method, declaration]) => ({
    ...declaration,
    name: operationName(declared.group, method),
    tag: declared.tag,
  })),
);

/** Operations by name. */
export const operationsByName: ReadonlyMap<string, Operation> = new Map(operations.map((operation) => [operation.name, operation]));

/** An operation with an HTTP route, flattened for the surfaces that speak HTTP. */
export type HttpOperation = Operation & HttpRoute;

/** The operations of API v1 with a generic JSON route (the streamed export routes are `server/export-routes.ts`). */
export const httpOperations: readonly HttpOperation[] = operations.flatMap((operation) =>
  operation.http === undefined || operation.http.stream === true ? [] : [{ ...operation, ...operation.http }],
);

/** The success body of each operation, by name: OpenAPI describes responses with them, and the HTTP tests check real responses against them. */
export const responseSchemas: Readonly<Record<string, z.ZodType>> = Object.fromEntries(
  operations.flatMap((operation) => (operation.response === undefined ? [] : [[operation.name, operation.response]])),
);

/** Query parameters whose schema is not a string travel as JSON text (`limit=10`, `filter={"a":1}`). */
export function isJsonQueryField(schema: z.ZodType | undefined, field: string): boolean {
  const shape = (schema as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
  let fieldSchema = shape?.[field] as { def?: { type?: string; innerType?: unknown } } | undefined;
  while (fieldSchema?.def?.type === 'optional' || fieldSchema?.def?.type === 'nullable') {
    fieldSchema = fieldSchema.def.innerType as typeof fieldSchema;
  }
  const type = fieldSchema?.def?.type;
  return type !== undefined && type !== 'string' && type !== 'enum';
}
