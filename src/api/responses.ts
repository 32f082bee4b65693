import { z } from 'zod';
import { apiKeyKinds } from '../core/api-key.ts';
import { roles, scopes } from '../core/scope.ts';
import { deliveryFailureReasons } from '../features/webhooks/webhook-transport.ts';

// What each operation answers, as zod schemas: the OpenAPI document describes responses with
// them, and the HTTP tests check real responses against them, so the document cannot drift.

const json = z.record(z.string(), z.unknown());
const timestamp = z.iso.datetime({ offset: true });
const page = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });

const tenant = z.strictObject({
  id: z.string(),
  clientId: z.string(),
  name: z.string().nullable(),
  plan: z.string(),
  status: z.enum(['active', 'suspended', 'offboarding', 'deleted']),
  limits: z.record(z.string(), z.number().nullable()),
  limitOverrides: z.record(z.string(), z.union([z.number(), z.literal('unlimited')])),
  features: z.record(z.string(), z.boolean()),
  settings: json,
  createdAt: timestamp,
  updatedAt: timestamp,
});

const tenantDeletion = z.strictObject({
  tenantId: z.string(),
  status: z.literal('deleted'),
  deleted: z.record(z.string(), z.number().int()),
  keysRevoked: z.number().int(),
});

const user = z.strictObject({
  tenantId: z.string(),
  id: z.string(),
  role: z.enum(['admin', 'member', 'reader']),
  metadata: json,
  createdAt: timestamp,
});

const memory = z.strictObject({
  id: z.uuid(),
  scope: z.enum(scopes),
  tenantId: z.string().nullable(),
  clientId: z.string().nullable(),
  userId: z.string().nullable(),
  documentType: z.string(),
  content: z.string(),
  metadata: json,
  agentId: z.string().nullable(),
  conversationId: z.string().nullable(),
  chunkCount: z.number().int(),
  version: z.number().int(),
  embeddingModel: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
  expiresAt: timestamp.nullable(),
});

const created = z.strictObject({ memory, deduplicated: z.boolean() });

const memoryVersion = z.strictObject({
  memoryId: z.uuid(),
  version: z.number().int(),
  content: z.string(),
  metadata: json,
  documentType: z.string(),
  replacedAt: timestamp,
});

const hit = z.strictObject({
  memoryId: z.uuid(),
  scope: z.enum(scopes),
  content: z.string(),
  score: z.number(),
  scores: z.strictObject({ vector: z.number().optional(), keyword: z.number().optional() }),
  documentType: z.string(),
  metadata: json,
  agentId: z.string().nullable(),
  conversationId: z.string().nullable(),
  userId: z.string().nullable(),
  chunk: z.strictObject({ documentId: z.uuid(), index: z.number().int() }).nullable(),
  createdAt: timestamp,
});

const apiKey = z.strictObject({
  id: z.uuid(),
  kind: z.enum(apiKeyKinds),
  prefix: z.string(),
  name: z.string().nullable(),
  clientId: z.string().nullable(),
  tenantId: z.string().nullable(),
  userId: z.string().nullable(),
  role: z.enum(roles),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
});

const createdKey = z.strictObject({ key: apiKey, secret: z.string() });
const erasure = z.strictObject({ userId: z.string(), memories: z.number().int(), history: z.number().int() });
const userErasure = erasure.extend({ keys: z.number().int() });

const usageTotals = {
  calls: z.number().int(),
  errors: z.number().int(),
  embeddingTokens: z.number().int(),
  llmTokens: z.number().int(),
  estimatedCost: z.number(),
};
const day = z.iso.date();
const usageReport = z.strictObject({
  tenantId: z.string(),
  from: day,
  to: day,
  currency: z.literal('USD'),
  totals: z.strictObject({ ...usageTotals, unpricedModels: z.array(z.string()) }),
  byDay: z.array(z.strictObject({ day, ...usageTotals, storageBytes: z.number().int().nullable(), memories: z.number().int().nullable() })),
  byOperation: z.array(z.strictObject({ operation: z.string(), ...usageTotals })),
  byModel: z.array(z.strictObject({ model: z.string(), ...usageTotals })),
  current: z.strictObject({ memories: z.number().int(), storageBytes: z.number().int(), users: z.number().int() }),
  limits: z.record(z.string(), z.number().nullable()).optional(),
});
const auditEvent = z.strictObject({
  seq: z.number().int().positive(),
  at: timestamp,
  tenantId: z.string().nullable(),
  actorRole: z.string(),
  actorClient: z.string().nullable(),
  actorUser: z.string().nullable(),
  keyId: z.string().nullable(),
  action: z.string(),
  targetIds: z.array(z.string()),
  outcome: z.enum(['ok', 'error']),
  errorCode: z.string().nullable(),
  requestId: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
});
const auditVerification = z.strictObject({
  chain: z.string(),
  entries: z.number().int(),
  ok: z.boolean(),
  firstBreak: z
    .strictObject({ seq: z.number().int(), reason: z.enum(['gap', 'previous_hash', 'hash', 'head']), detail: z.string() })
    .nullable(),
  headSeq: z.number().int(),
});

const webhook = z.strictObject({
  id: z.uuid(),
  tenantId: z.string().nullable(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  active: z.boolean(),
  createdAt: timestamp,
});
const webhookDelivery = z.strictObject({
  id: z.uuid(),
  webhookId: z.uuid(),
  event: z.string(),
  eventId: z.uuid(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: timestamp,
  lastStatus: z.number().int().nullable(),
  lastError: z.enum(deliveryFailureReasons).nullable(),
  createdAt: timestamp,
  deliveredAt: timestamp.nullable(),
});

/** The success body of each operation, by operation name. */
export const responseSchemas: Readonly<Record<string, z.ZodType>> = {
  'tenants.create': tenant,
  'tenants.list': page(tenant),
  'tenants.get': tenant,
  'tenants.update': tenant,
  'tenants.delete': tenantDeletion,
  'tenants.offboard': tenantDeletion,
  'maintenance.buildIndex': z.strictObject({ tenantId: z.string(), index: z.string() }),
  'users.create': user,
  'users.list': page(user),
  'users.get': user,
  'users.update': user,
  'users.delete': userErasure,
  'keys.create': createdKey,
  'keys.list': page(apiKey),
  'keys.get': apiKey,
  'keys.revoke': apiKey,
  'keys.rotate': createdKey,
  'memories.create': created,
  'memories.createMany': z.array(created),
  'memories.list': page(memory),
  'memories.deleteAllForUser': erasure,
  'memories.get': memory,
  'memories.update': memory,
  'memories.delete': z.strictObject({ id: z.uuid(), deleted: z.literal(true) }),
  'memories.history': z.array(memoryVersion),
  search: z.strictObject({ mode: z.enum(['vector', 'keyword', 'hybrid']), hits: z.array(hit) }),
  context: z.strictObject({ memories: z.array(hit), recent: z.array(memory), tokenCount: z.number().int(), text: z.string() }),
  'maintenance.reembed': z.strictObject({ model: z.string(), tenants: z.number().int(), rows: z.number().int() }),
  'maintenance.indexLargeTenants': z.array(z.string()),
  'usage.report': usageReport,
  'audit.list': page(auditEvent),
  'audit.verify': auditVerification,
  'webhooks.create': webhook.extend({ secret: z.string() }),
  'webhooks.list': page(webhook),
  'webhooks.get': webhook,
  'webhooks.delete': webhook,
  'webhooks.deliveries': page(webhookDelivery),
  'webhooks.test': webhookDelivery,
};
