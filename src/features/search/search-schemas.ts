import { z } from 'zod';
import {
  documentType,
  filterSchema,
  inputLimits,
  jsonObject,
  limitSchema,
  opaqueId,
  timestampSchema,
  wellFormedText,
} from '../../core/schemas.ts';
import { scopes } from '../../core/scope.ts';
import { memorySchema } from '../memories/index.ts';

const searchFields = {
  query: wellFormedText('query').min(1, 'must not be empty').max(inputLimits.queryLength),
  mode: z.enum(['vector', 'keyword', 'hybrid']).optional(),
  limit: limitSchema(inputLimits.searchLimit).optional(),
  scopes: z.array(z.enum(scopes)).min(1).max(4).optional(),
  documentType: documentType.optional(),
  agentId: opaqueId.optional(),
  conversationId: opaqueId.optional(),
};

/** Input to `search`. */
export const searchSchema = z.strictObject({ ...searchFields, filter: filterSchema.optional() });

/** Input to `context`. */
export const contextSchema = z.strictObject({
  ...searchFields,
  tokenBudget: z.number().int().min(1).max(200_000).optional(),
  recentTurns: z.number().int().min(0).max(200).optional(),
});

export const searchHitSchema = z.strictObject({
  memoryId: z.uuid(),
  scope: z.enum(scopes),
  content: z.string(),
  score: z.number(),
  scores: z.strictObject({ vector: z.number().optional(), keyword: z.number().optional() }),
  documentType: z.string(),
  metadata: jsonObject,
  agentId: z.string().nullable(),
  conversationId: z.string().nullable(),
  userId: z.string().nullable(),
  chunk: z.strictObject({ documentId: z.uuid(), index: z.number().int() }).nullable(),
  createdAt: timestampSchema,
});

/** What `search` answers. */
export const searchResultSchema = z.strictObject({ mode: z.enum(['vector', 'keyword', 'hybrid']), hits: z.array(searchHitSchema) });

/** What `context` answers. */
export const contextResultSchema = z.strictObject({
  memories: z.array(searchHitSchema),
  recent: z.array(memorySchema),
  tokenCount: z.number().int(),
  text: z.string(),
});
