import { z } from 'zod';
import {
  changesSomething,
  cursorSchema,
  documentType,
  filterSchema,
  inputLimits,
  isoTimestamp,
  limitSchema,
  metadataSchema,
  opaqueId,
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

/** What erasing a user's content removed (idempotency records go too: a replay must not tell a right guess of erased content from a wrong one). */
export const erasureSchema = z.strictObject({
  userId: z.string(),
  memories: z.number().int(),
  history: z.number().int(),
  conversations: z.number().int(),
  messages: z.number().int(),
});

/** Fields accepted when creating a memory (`scope` defaults to the caller's narrowest; `ttlSeconds` is the alternative to `expiresAt`). */
export type CreateMemoryInput = z.input<typeof createMemorySchema>;
/** Fields accepted when updating a memory; omitted fields keep their value. */
export type UpdateMemoryInput = z.input<typeof updateMemorySchema>;
/** Filters for listing memories. */
export type ListMemoriesQuery = z.input<typeof listMemoriesSchema>;
