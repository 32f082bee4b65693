import { z } from 'zod';
import type { Json } from './json.ts';
import { scopes } from './scope.ts';

// What the API returns, described once: the library's types are inferred from these schemas,
// the OpenAPI document describes responses with them, and the HTTP tests check every real
// response against them.

/** A JSON object (metadata, settings). */
export const jsonObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<Record<string, Json>, Record<string, Json>>;
/** A timestamp as the API returns it. */
export const timestampSchema = z.iso.datetime({ offset: true });
/** A cursor page of `item`. */
export const pageOf = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });

/** A customer organisation: the unit of isolation. */
export const tenantSchema = z.strictObject({
  id: z.string(),
  clientId: z.string(),
  name: z.string().nullable(),
  plan: z.string(),
  status: z.enum(['active', 'suspended', 'offboarding', 'deleted']),
  /** The limits in force (the plan's preset, then the tenant's own); null is unlimited. */
  limits: z.record(z.string(), z.number().nullable()),
  /** The tenant's own limits over its plan's (`unlimited` lifts one). */
  limitOverrides: z.record(z.string(), z.union([z.number(), z.literal('unlimited')])),
  /** Feature flags in force (the plan's, then `settings.features`). */
  features: z.record(z.string(), z.boolean()),
  settings: jsonObject,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

/** A user inside one tenant. The same id in another tenant is a different person. */
export const userSchema = z.strictObject({
  tenantId: z.string(),
  id: z.string(),
  role: z.enum(['admin', 'member', 'reader']),
  metadata: jsonObject,
  createdAt: timestampSchema,
});

/**
 * Where a memory came from, when Strata made it: a conversation message stored as a searchable
 * memory, a fact an extraction job drew from messages, or a knowledge base's document.
 */
export const memorySourceSchema = z.union([
  z.strictObject({
    kind: z.enum(['message', 'extraction']),
    conversationId: z.string(),
    /** The messages it came from, oldest first. */
    messageIds: z.array(z.uuid()),
    /** The extraction job, for an extracted memory. */
    jobId: z.uuid().optional(),
  }),
  /** A knowledge base's document (and each of its chunks): which knowledge base, which document. */
  z.strictObject({
    kind: z.literal('document'),
    knowledgeBaseId: z.uuid(),
    documentId: z.string(),
    title: z.string().nullable(),
    contentType: z.enum(['text', 'markdown']),
  }),
]);

/** Why a fact stopped being served: the extraction job and the message that contradicted it. */
export const invalidationSchema = z.strictObject({
  jobId: z.uuid(),
  conversationId: z.string(),
  messageId: z.uuid().nullable(),
  reason: z.string(),
});

/** A stored memory (or document) as callers see it. */
export const memorySchema = z.strictObject({
  id: z.uuid(),
  scope: z.enum(scopes),
  /** Owning tenant; null for world and client scope. */
  tenantId: z.string().nullable(),
  /** Owning client application; null for world scope. */
  clientId: z.string().nullable(),
  /** Owning user; set only for user scope. */
  userId: z.string().nullable(),
  documentType: z.string(),
  content: z.string(),
  metadata: jsonObject,
  agentId: z.string().nullable(),
  conversationId: z.string().nullable(),
  /** Provenance, for a memory Strata made from a conversation; null for one stored by a caller. */
  source: memorySourceSchema.nullable(),
  /** Number of searchable chunks a long document was split into (1 for a plain memory). */
  chunkCount: z.number().int(),
  version: z.number().int(),
  embeddingModel: z.string(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  expiresAt: timestampSchema.nullable(),
});

/** The outcome of a create: the memory, and whether identical content already existed. */
export const createdMemorySchema = z.strictObject({
  memory: memorySchema,
  /** True when the same content already existed in that scope and was returned instead. */
  deduplicated: z.boolean(),
});

/** A previous version of a memory, kept on every update. */
export const memoryVersionSchema = z.strictObject({
  memoryId: z.uuid(),
  version: z.number().int(),
  content: z.string(),
  metadata: jsonObject,
  documentType: z.string(),
  /** When this version was replaced. */
  replacedAt: timestampSchema,
});

/** Search modes. */
export const searchModeSchema = z.enum(['vector', 'keyword', 'hybrid']);

/** One search result with its score and where it came from. */
export const searchHitSchema = z.strictObject({
  memoryId: z.uuid(),
  scope: z.enum(scopes),
  content: z.string(),
  score: z.number(),
  /** Per-mode details: cosine similarity, keyword rank, fused rank. */
  scores: z.strictObject({ vector: z.number().optional(), keyword: z.number().optional() }),
  documentType: z.string(),
  metadata: jsonObject,
  agentId: z.string().nullable(),
  conversationId: z.string().nullable(),
  userId: z.string().nullable(),
  /** Provenance, for a memory Strata made from a conversation. */
  source: memorySourceSchema.nullable(),
  /** For a chunk of a long document: the document and the chunk's position in it. */
  chunk: z.strictObject({ documentId: z.uuid(), index: z.number().int() }).nullable(),
  createdAt: timestampSchema,
});

/** Message roles, as chat APIs name them. */
export const messageRoles = ['user', 'assistant', 'system', 'tool'] as const;

/** A conversation (a thread): one user's, or the tenant's as a whole when it has no user. */
export const conversationSchema = z.strictObject({
  id: z.string(),
  tenantId: z.string(),
  /** The user it belongs to; null for a tenant-level conversation (visible to every user of the tenant). */
  userId: z.string().nullable(),
  agentId: z.string().nullable(),
  title: z.string().nullable(),
  metadata: jsonObject,
  status: z.enum(['active', 'archived']),
  messageCount: z.number().int(),
  lastMessageAt: timestampSchema.nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

/** One message of a conversation, in a stable order (`seq` from 1). */
export const messageSchema = z.strictObject({
  id: z.uuid(),
  conversationId: z.string(),
  seq: z.number().int(),
  role: z.enum(messageRoles),
  /** Who spoke, when the caller said (a speaker's name, a tool's name). */
  name: z.string().nullable(),
  content: z.string(),
  metadata: jsonObject,
  /** Estimated tokens of `content`. */
  tokenCount: z.number().int(),
  /** The searchable memory holding this message (user and assistant messages), if it still exists. */
  memoryId: z.uuid().nullable(),
  createdAt: timestampSchema,
});

/** Memories chosen for an agent turn, and the same as a ready-to-use text block. */
export const contextResultSchema = z.strictObject({
  memories: z.array(searchHitSchema),
  /** The conversation's latest messages within the budget, oldest first (for a `conversationId` that names a conversation). */
  messages: z.array(messageSchema),
  /** Memories tied to a `conversationId` that names no conversation (callers that keep turns as memories), oldest first. */
  recent: z.array(memorySchema),
  tokenCount: z.number().int(),
  text: z.string(),
});

/** A knowledge base: a named store of documents, a tenant's own or shared by a client or the operator. */
export const knowledgeBaseSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  /** `customer`: the tenant's own; `client`: readable by all the client's tenants; `world`: readable by everyone. */
  scope: z.enum(['world', 'client', 'customer']),
  tenantId: z.string().nullable(),
  clientId: z.string().nullable(),
  metadata: jsonObject,
  documentCount: z.number().int(),
  chunkCount: z.number().int(),
  /** UTF-8 bytes of its documents' content. */
  bytes: z.number().int(),
  /** False when the caller can read it but not change it (a shared knowledge base it does not own). */
  writable: z.boolean(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

/** A knowledge base's document, traced by its own id. */
export const knowledgeBaseDocumentSchema = z.strictObject({
  id: z.string(),
  knowledgeBaseId: z.uuid(),
  /** The memory holding it (its chunks point to it). */
  memoryId: z.uuid(),
  title: z.string().nullable(),
  contentType: z.enum(['text', 'markdown']),
  documentType: z.string(),
  metadata: jsonObject,
  chunkCount: z.number().int(),
  bytes: z.number().int(),
  /** The text; left out of listings. */
  content: z.string().optional(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

/** An agent registered by a tenant: its model, prompt and the knowledge bases it reads. */
export const agentSchema = z.strictObject({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  model: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  /** Attached knowledge bases that still exist and the tenant can read. */
  knowledgeBaseIds: z.array(z.uuid()),
  settings: jsonObject,
  metadata: jsonObject,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

/** A tenant's collection of JSON documents. */
export const collectionSchema = z.strictObject({
  name: z.string(),
  tenantId: z.string(),
  description: z.string().nullable(),
  /** Indexed fields (dotted paths): `find` filters and sorts on them use an index. */
  indexes: z.array(z.string()),
  documentCount: z.number().int(),
  /** Bytes of its documents as JSON (they count toward the storage quota). */
  bytes: z.number().int(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

/** One document of a collection. */
export const collectionDocumentSchema = z.strictObject({
  id: z.string(),
  collection: z.string(),
  document: jsonObject,
  /** 1 when inserted, one more at each replace or patch (the `ifVersion` guard compares it). */
  version: z.number().int(),
  bytes: z.number().int(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
