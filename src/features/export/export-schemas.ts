import { z } from 'zod';
import { invalidationSchema, memorySourceSchema, messageRoles } from '../../core/entities.ts';
import { limitOverridesSchema } from '../../core/plans.ts';
import {
  daySchema,
  documentType,
  inputLimits,
  isoTimestamp,
  metadataSchema,
  opaqueId,
  userRole,
  uuidText,
  wellFormedText,
} from '../../core/schemas.ts';

const exportCount = z.number().int().min(0);

/** The first line of an export: what wrote it, and the embedding model its vectors come from. */
export const exportHeaderSchema = z.strictObject({
  type: z.literal('strata-export'),
  version: z.literal(1, 'must be 1 (the only export format this version reads)'),
  tenantId: opaqueId,
  exportedAt: isoTimestamp,
  embeddingModel: z.string().min(1).max(255),
  dimensions: z.number().int().min(1).max(16_000),
});

/** Every record an export holds between its header and its trailer, and the trailer itself. */
export const exportRecordSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('tenant'),
    id: opaqueId,
    clientId: opaqueId,
    name: z.string().max(255).nullable(),
    plan: z.string().min(1).max(64),
    status: z.string().max(32),
    settings: metadataSchema,
    limits: limitOverridesSchema,
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('usage'),
    memoryCount: exportCount,
    searchableCount: exportCount,
    contentBytes: exportCount,
    userCount: exportCount,
  }),
  z.strictObject({ type: z.literal('user'), id: opaqueId, role: userRole, metadata: metadataSchema, createdAt: isoTimestamp }),
  z.strictObject({
    type: z.literal('memory'),
    id: uuidText,
    kind: z.enum(['memory', 'document', 'chunk']),
    parentId: uuidText.nullable(),
    chunkIndex: exportCount,
    chunkCount: z.number().int().min(1),
    scope: z.enum(['customer', 'user']),
    userId: opaqueId.nullable(),
    documentType,
    content: wellFormedText('content').max(inputLimits.contentLength),
    contentHash: z.string().max(128),
    metadata: metadataSchema,
    agentId: opaqueId.nullable(),
    conversationId: opaqueId.nullable(),
    version: z.number().int().min(1),
    embedding: z.array(z.number()).nullable(),
    embeddingModel: z.string().min(1).max(255),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    expiresAt: isoTimestamp.nullable(),
    // Absent in files written before conversations existed.
    source: memorySourceSchema.nullable().optional(),
    invalidatedAt: isoTimestamp.nullable().optional(),
    invalidatedBy: invalidationSchema.nullable().optional(),
  }),
  z.strictObject({
    type: z.literal('history'),
    memoryId: uuidText,
    version: z.number().int().min(1),
    userId: opaqueId.nullable(),
    documentType,
    content: wellFormedText('content').max(inputLimits.contentLength),
    metadata: metadataSchema,
    replacedAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('conversation'),
    id: opaqueId,
    userId: opaqueId.nullable(),
    agentId: opaqueId.nullable(),
    title: wellFormedText('title').max(500).nullable(),
    metadata: metadataSchema,
    status: z.enum(['active', 'archived']),
    messageCount: exportCount,
    lastSeq: exportCount,
    lastMessageAt: isoTimestamp.nullable(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('message'),
    conversationId: opaqueId,
    seq: z.number().int().min(1),
    id: uuidText,
    userId: opaqueId.nullable(),
    role: z.enum(messageRoles),
    name: wellFormedText('name').max(200).nullable(),
    content: wellFormedText('content').max(inputLimits.contentLength),
    metadata: metadataSchema,
    tokenCount: exportCount,
    memoryId: uuidText.nullable(),
    createdAt: isoTimestamp,
  }),
  z
    .strictObject({
      type: z.literal('usage_daily'),
      day: daySchema,
      operation: z.string().min(1).max(100),
      model: z.string().max(255),
      calls: exportCount,
      errors: exportCount,
      embeddingTokens: exportCount,
      llmInputTokens: exportCount.optional(),
      llmOutputTokens: exportCount.optional(),
      // Files written before LLM tokens were split carry this one figure instead (imported as input).
      llmTokens: exportCount.optional(),
    })
    .refine((record) => record.llmTokens === undefined || (record.llmInputTokens === undefined && record.llmOutputTokens === undefined), {
      message: 'llmTokens (an older file) cannot be given with llmInputTokens or llmOutputTokens',
      path: ['llmTokens'],
    }),
  z.strictObject({ type: z.literal('storage_daily'), day: daySchema, memories: exportCount, bytes: exportCount }),
  z.strictObject({
    type: z.literal('notice'),
    notice: z.string().min(1).max(100),
    period: z.string().min(1).max(64),
    createdAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('api_key'),
    id: uuidText,
    role: userRole,
    userId: opaqueId.nullable(),
    name: z.string().max(255).nullable(),
    prefix: z.string().max(64),
    createdAt: isoTimestamp,
    expiresAt: isoTimestamp.nullable(),
    revokedAt: isoTimestamp.nullable(),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    id: uuidText,
    url: z.string().max(2048),
    events: z.array(z.string().max(100)),
    description: z.string().max(1000).nullable(),
    active: z.boolean(),
    createdAt: isoTimestamp,
  }),
  z.strictObject({
    type: z.literal('audit'),
    seq: exportCount,
    at: isoTimestamp,
    actorRole: z.string().max(32),
    actorClient: z.string().max(255).nullable(),
    actorUser: z.string().max(255).nullable(),
    keyId: z.string().max(255).nullable(),
    action: z.string().max(100),
    targetIds: z.array(z.string().max(255)),
    outcome: z.enum(['ok', 'error']),
    errorCode: z.string().max(64).nullable(),
    requestId: z.string().max(128).nullable(),
    prevHash: z.string().max(128),
    hash: z.string().max(128),
  }),
  z.strictObject({ type: z.literal('strata-export-end'), counts: z.record(z.string(), exportCount) }),
]);

/** Options of `exports.import`. */
export const importOptionsSchema = z.strictObject({
  clientId: opaqueId.optional(),
  batchSize: z.number().int().min(1).max(5_000).optional(),
});

/** Options of `exports.export`. */
export const exportOptionsSchema = z.strictObject({ batchSize: z.number().int().min(1).max(5_000).optional() });
