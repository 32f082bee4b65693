import { z } from 'zod';
import {
  contextSchema,
  createApiKeySchema,
  createMemorySchema,
  createTenantSchema,
  createUserSchema,
  listApiKeysSchema,
  listAuditSchema,
  listMemoriesSchema,
  opaqueId,
  pageSchema,
  reembedOptionsSchema,
  rotateApiKeySchema,
  searchSchema,
  updateMemorySchema,
  updateTenantSchema,
  updateUserSchema,
  usageReportSchema,
  verifyAuditSchema,
} from '../core/schemas.ts';
import { createWebhookSchema, webhookPageSchema } from '../features/webhooks/webhook-schemas.ts';

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

/** One library method as an HTTP endpoint. The server, the client SDK and the OpenAPI document all read this table. */
export interface Operation {
  /** The method's path on a Strata handle: `memories.create`, `search`. */
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** OpenAPI-style path: `/v1/memories/{id}`. */
  path: string;
  summary: string;
  tag: string;
  args: ArgumentPlace[];
  /** The status of a success. */
  status: 200 | 201;
  /** The schema of the JSON body, when there is one. */
  body?: z.ZodType;
  /** The schema of the query string, when there is one. */
  query?: z.ZodType;
}

const idParam = (name = 'id'): ArgumentPlace => ({ in: 'path', name });
const body: ArgumentPlace = { in: 'body' };
const query: ArgumentPlace = { in: 'query' };
const idempotencyKey: ArgumentPlace = { in: 'header', name: 'idempotency-key', field: 'idempotencyKey' };

/** Every operation of API v1. */
export const operations: readonly Operation[] = [
  {
    name: 'tenants.create',
    method: 'POST',
    path: '/v1/tenants',
    summary: 'Create a tenant',
    tag: 'tenants',
    args: [body],
    status: 201,
    body: createTenantSchema,
  },
  {
    name: 'tenants.list',
    method: 'GET',
    path: '/v1/tenants',
    summary: 'List tenants',
    tag: 'tenants',
    args: [query],
    status: 200,
    query: pageSchema,
  },
  { name: 'tenants.get', method: 'GET', path: '/v1/tenants/{id}', summary: 'Get a tenant', tag: 'tenants', args: [idParam()], status: 200 },
  {
    name: 'tenants.update',
    method: 'PATCH',
    path: '/v1/tenants/{id}',
    summary: 'Update a tenant (name, plan, settings, status)',
    tag: 'tenants',
    args: [idParam(), body],
    status: 200,
    body: updateTenantSchema,
  },
  {
    name: 'tenants.delete',
    method: 'DELETE',
    path: '/v1/tenants/{id}',
    summary: 'Offboard a tenant: purge every row it owns and revoke its keys (same as POST /v1/tenants/{id}/offboard)',
    tag: 'tenants',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'tenants.offboard',
    method: 'POST',
    path: '/v1/tenants/{id}/offboard',
    summary: 'Offboard a tenant: purge every row it owns, revoke its keys, keep a content-free tombstone in the platform audit',
    tag: 'tenants',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'maintenance.buildIndex',
    method: 'POST',
    path: '/v1/tenants/{id}/index',
    summary: "Build a tenant's own vector index",
    tag: 'maintenance',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'users.create',
    method: 'POST',
    path: '/v1/users',
    summary: 'Create a user',
    tag: 'users',
    args: [body],
    status: 201,
    body: createUserSchema,
  },
  {
    name: 'users.list',
    method: 'GET',
    path: '/v1/users',
    summary: 'List users',
    tag: 'users',
    args: [query],
    status: 200,
    query: pageSchema.omit({ clientId: true }),
  },
  { name: 'users.get', method: 'GET', path: '/v1/users/{id}', summary: 'Get a user', tag: 'users', args: [idParam()], status: 200 },
  {
    name: 'users.update',
    method: 'PATCH',
    path: '/v1/users/{id}',
    summary: 'Update a user',
    tag: 'users',
    args: [idParam(), body],
    status: 200,
    body: updateUserSchema,
  },
  {
    name: 'users.delete',
    method: 'DELETE',
    path: '/v1/users/{id}',
    summary: 'Delete a user and erase its memories',
    tag: 'users',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'keys.create',
    method: 'POST',
    path: '/v1/keys',
    summary: 'Create an API key (the secret is shown once)',
    tag: 'keys',
    args: [body],
    status: 201,
    body: createApiKeySchema,
  },
  {
    name: 'keys.list',
    method: 'GET',
    path: '/v1/keys',
    summary: 'List API keys (never secrets)',
    tag: 'keys',
    args: [query],
    status: 200,
    query: listApiKeysSchema,
  },
  { name: 'keys.get', method: 'GET', path: '/v1/keys/{id}', summary: 'Get an API key', tag: 'keys', args: [idParam()], status: 200 },
  {
    name: 'keys.revoke',
    method: 'DELETE',
    path: '/v1/keys/{id}',
    summary: 'Revoke an API key at once',
    tag: 'keys',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'keys.rotate',
    method: 'POST',
    path: '/v1/keys/{id}/rotate',
    summary: 'Replace an API key; the old one works until the overlap ends',
    tag: 'keys',
    args: [idParam(), body],
    status: 201,
    body: rotateApiKeySchema,
  },
  {
    name: 'memories.create',
    method: 'POST',
    path: '/v1/memories',
    summary: 'Store a memory or document',
    tag: 'memories',
    args: [body, idempotencyKey],
    status: 201,
    body: createMemorySchema,
  },
  {
    name: 'memories.createMany',
    method: 'POST',
    path: '/v1/memories/batch',
    summary: 'Store up to 500 memories atomically',
    tag: 'memories',
    args: [{ in: 'body', field: 'items' }, idempotencyKey],
    status: 201,
    body: z.strictObject({ items: z.array(createMemorySchema) }),
  },
  {
    name: 'memories.list',
    method: 'GET',
    path: '/v1/memories',
    summary: 'List visible memories, newest first',
    tag: 'memories',
    args: [query],
    status: 200,
    query: listMemoriesSchema,
  },
  {
    name: 'memories.deleteAllForUser',
    method: 'DELETE',
    path: '/v1/memories',
    summary: 'Erase every memory of a user (query userId; a user key erases its own)',
    tag: 'memories',
    args: [{ in: 'query', field: 'userId' }],
    status: 200,
    query: z.strictObject({ userId: opaqueId.optional() }),
  },
  {
    name: 'memories.get',
    method: 'GET',
    path: '/v1/memories/{id}',
    summary: 'Get a memory',
    tag: 'memories',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'memories.update',
    method: 'PATCH',
    path: '/v1/memories/{id}',
    summary: 'Update a memory (history is kept)',
    tag: 'memories',
    args: [idParam(), body],
    status: 200,
    body: updateMemorySchema,
  },
  {
    name: 'memories.delete',
    method: 'DELETE',
    path: '/v1/memories/{id}',
    summary: 'Delete a memory',
    tag: 'memories',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'memories.history',
    method: 'GET',
    path: '/v1/memories/{id}/history',
    summary: "A memory's previous versions",
    tag: 'memories',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'search',
    method: 'POST',
    path: '/v1/search',
    summary: 'Search across the scope chain',
    tag: 'search',
    args: [body],
    status: 200,
    body: searchSchema,
  },
  {
    name: 'context',
    method: 'POST',
    path: '/v1/context',
    summary: 'Memories and recent turns for an agent turn, within a token budget',
    tag: 'search',
    args: [body],
    status: 200,
    body: contextSchema,
  },
  {
    name: 'maintenance.reembed',
    method: 'POST',
    path: '/v1/maintenance/reembed',
    summary: 'Re-embed every row with the configured model (operator)',
    tag: 'maintenance',
    args: [body],
    status: 200,
    body: reembedOptionsSchema,
  },
  {
    name: 'maintenance.indexLargeTenants',
    method: 'POST',
    path: '/v1/maintenance/index-large-tenants',
    summary: 'Build indexes for every tenant past the threshold (operator)',
    tag: 'maintenance',
    args: [],
    status: 200,
  },
  // Usage and audit (read paths).
  {
    name: 'usage.report',
    method: 'GET',
    path: '/v1/usage',
    summary: "A tenant's metered usage and estimated cost by day, operation and model",
    tag: 'usage',
    args: [query],
    status: 200,
    query: usageReportSchema,
  },
  {
    name: 'audit.list',
    method: 'GET',
    path: '/v1/audit',
    summary: 'Audit entries, newest first (filters: from, to, actor, action, outcome)',
    tag: 'audit',
    args: [query],
    status: 200,
    query: listAuditSchema,
  },
  {
    name: 'audit.verify',
    method: 'GET',
    path: '/v1/audit/verify',
    summary: "Verify a tenant's (or the platform's) audit hash chain",
    tag: 'audit',
    args: [query],
    status: 200,
    query: verifyAuditSchema,
  },
  // Webhooks: a customer admin's for its tenant, the operator's platform-wide.
  {
    name: 'webhooks.create',
    method: 'POST',
    path: '/v1/webhooks',
    summary: 'Subscribe a URL to events (the signing secret is shown once)',
    tag: 'webhooks',
    args: [body],
    status: 201,
    body: createWebhookSchema,
  },
  {
    name: 'webhooks.list',
    method: 'GET',
    path: '/v1/webhooks',
    summary: 'List webhooks (never secrets)',
    tag: 'webhooks',
    args: [query],
    status: 200,
    query: webhookPageSchema,
  },
  {
    name: 'webhooks.get',
    method: 'GET',
    path: '/v1/webhooks/{id}',
    summary: 'Get a webhook',
    tag: 'webhooks',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'webhooks.delete',
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    summary: 'Delete a webhook and its delivery log',
    tag: 'webhooks',
    args: [idParam()],
    status: 200,
  },
  {
    name: 'webhooks.deliveries',
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    summary: "A webhook's delivery log, newest first: status, attempts, last status code and error",
    tag: 'webhooks',
    args: [idParam(), query],
    status: 200,
    query: webhookPageSchema,
  },
  {
    name: 'webhooks.test',
    method: 'POST',
    path: '/v1/webhooks/{id}/test',
    summary: 'Queue a webhook.test event for this webhook',
    tag: 'webhooks',
    args: [idParam()],
    status: 201,
  },
];

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
