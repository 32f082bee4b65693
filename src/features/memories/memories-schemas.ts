import { z } from 'zod';
import {
  changesSomething,
  cursorSchema,
  documentType,
  filterSchema,
  inputLimits,
  isoTimestamp,
  jsonObject,
  limitSchema,
  metadataSchema,
  opaqueId,
  timestampSchema,
  wellFormedText,
} from '../../core/schemas.ts';
import { scopes } from '../../core/scope.ts';

/** Input to `memories.create`. */
export const createMemorySchema = z.strictObject({
  content: wellFormedText('content').min(1, 'must not be empty').max(inputLimits.contentLength),
  scope: z.enum(scopes).optional(),
  documentType: documentType.optional(),
  metadata: metadataSchema.optional(),
  agentId: opaqueId.optional(),
  conversationId: opaqueId.optional(),
  expiresAt: isoTimestamp.optional(),
  ttlSeconds: z
    .number()
    .int()
    .positive()
    .max(100 * 365 * 86_400)
    .optional(),
});

/** Input to `memories.update`. */
export const updateMemorySchema = z
  .strictObject({
    content: wellFormedText('content').min(1, 'must not be empty').max(inputLimits.contentLength).optional(),
    documentType: documentType.optional(),
    metadata: metadataSchema.optional(),
    expiresAt: isoTimestamp.nullable().optional(),
  })
  .refine(changesSomething, 'must change at least one field');

/** Input to `memories.list`. */
export const listMemoriesSchema = z.strictObject({
  scope: z.enum(scopes).optional(),
  documentType: documentType.optional(),
  agentId: opaqueId.optional(),
  conversationId: opaqueId.optional(),
  filter: filterSchema.optional(),
  createdAfter: isoTimestamp.optional(),
  createdBefore: isoTimestamp.optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

export const memorySchema = z.strictObject({
  id: z.uuid(),
  scope: z.enum(scopes),
  tenantId: z.string().nullable(),
  clientId: z.string().nullable(),
  userId: z.string().nullable(),
  documentType: z.string(),
  content: z.string(),
  metadata: jsonObject,
  agentId: z.string().nullable(),
  conversationId: z.string().nullable(),
  chunkCount: z.number().int(),
  version: z.number().int(),
  embeddingModel: z.string(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  expiresAt: timestampSchema.nullable(),
});

export const createdMemorySchema = z.strictObject({ memory: memorySchema, deduplicated: z.boolean() });

export const memoryVersionSchema = z.strictObject({
  memoryId: z.uuid(),
  version: z.number().int(),
  content: z.string(),
  metadata: jsonObject,
  documentType: z.string(),
  replacedAt: timestampSchema,
});

export const erasureSchema = z.strictObject({ userId: z.string(), memories: z.number().int(), history: z.number().int() });
