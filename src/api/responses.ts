import { z } from 'zod';
import { apiKeyKinds } from '../core/api-key.ts';
import { roles, scopes } from '../core/scope.ts';

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
  status: z.enum(['active', 'suspended']),
  settings: json,
  createdAt: timestamp,
  updatedAt: timestamp,
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

/** The success body of each operation, by operation name. */
export const responseSchemas: Readonly<Record<string, z.ZodType>> = {
  'tenants.create': tenant,
  'tenants.list': page(tenant),
  'tenants.get': tenant,
  'tenants.update': tenant,
  'tenants.delete': z.strictObject({ tenantId: z.string(), deleted: z.record(z.string(), z.number().int()) }),
  'maintenance.buildIndex': z.strictObject({ tenantId: z.string(), index: z.string() }),
  'users.create': user,
  'users.list': page(user),
  'users.get': user,
  'users.update': user,
  'users.delete': erasure,
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
};
