import { z } from 'zod';
import { searchHitSchema, searchModeSchema } from '../../core/entities.ts';
import { documentType, filterSchema, inputLimits, limitSchema, opaqueId, uuidText, wellFormedText } from '../../core/schemas.ts';
import { scopes } from '../../core/scope.ts';

const searchFields = {
  query: wellFormedText('query').min(1, 'must not be empty').max(inputLimits.queryLength),
  mode: searchModeSchema.optional(),
  limit: limitSchema(inputLimits.searchLimit).optional(),
  scopes: z.array(z.enum(scopes)).min(1).max(4).optional(),
  documentType: documentType.optional(),
  agentId: opaqueId.optional(),
  conversationId: opaqueId.optional(),
  /** Knowledge bases whose documents are searched too (own or shared; at most 20). */
  knowledgeBaseIds: z.array(uuidText).min(1).max(20).optional(),
};

/** Input to `search`. */
export const searchSchema = z.strictObject({ ...searchFields, filter: filterSchema.optional() });

/** Input to `context`: `query` may be left out when `conversationId` names a conversation (its last user message is the query). */
export const contextSchema = z.strictObject({
  ...searchFields,
  query: searchFields.query.optional(),
  tokenBudget: z.number().int().min(1).max(200_000).optional(),
  recentTurns: z.number().int().min(0).max(200).optional(),
});

/** What `search` answers. */
export const searchResultSchema = z.strictObject({ mode: searchModeSchema, hits: z.array(searchHitSchema) });

/** A search request. */
export type SearchQuery = z.input<typeof searchSchema>;
/** A context fetch for an agent turn (`tokenBudget` defaults to 1,000 estimated tokens, `recentTurns` — the latest messages — to 10). */
export type ContextQuery = z.input<typeof contextSchema>;
