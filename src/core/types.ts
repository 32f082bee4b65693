import type { z } from 'zod';
import type {
  agentSchema,
  collectionDocumentSchema,
  collectionSchema,
  contextResultSchema,
  conversationSchema,
  createdMemorySchema,
  knowledgeBaseDocumentSchema,
  knowledgeBaseSchema,
  memorySchema,
  memorySourceSchema,
  memoryVersionSchema,
  messageSchema,
  searchHitSchema,
  searchModeSchema,
  tenantSchema,
  userSchema,
} from './entities.ts';

// The library's result types, inferred from the schemas in entities.ts (one description each).
// Input types are inferred from each feature's input schemas, in the feature's folder.

export type { Json } from './json.ts';

/** A customer organisation: the unit of isolation. */
export type Tenant = z.infer<typeof tenantSchema>;
/** A user inside one tenant. The same id in another tenant is a different person. */
export type User = z.infer<typeof userSchema>;
/** A stored memory (or document) as callers see it. */
export type Memory = z.infer<typeof memorySchema>;
/** Where a memory Strata made from a conversation came from. */
export type MemorySource = z.infer<typeof memorySourceSchema>;
/** A previous version of a memory, kept on every update. */
export type MemoryVersion = z.infer<typeof memoryVersionSchema>;
/** The outcome of a create: the memory, and whether identical content already existed. */
export type CreateMemoryResult = z.infer<typeof createdMemorySchema>;
/** Search modes. */
export type SearchMode = z.infer<typeof searchModeSchema>;
/** One search result with its score and where it came from. */
export type SearchHit = z.infer<typeof searchHitSchema>;
/** A conversation (thread) of one user, or of the tenant as a whole. */
export type Conversation = z.infer<typeof conversationSchema>;
/** One message of a conversation. */
export type Message = z.infer<typeof messageSchema>;
/** Memories chosen for an agent turn, and the same as a ready-to-use text block. */
export type ContextResult = z.infer<typeof contextResultSchema>;

/** Built-in document types; any other lowercase name made of letters, digits and `-` works too. */
export const documentTypes = ['memory', 'document', 'ai-chat-conversation', 'note', 'fact'] as const;

/** One page of a listing; pass `nextCursor` back to continue. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
/** A knowledge base: a named store of documents. */
export type KnowledgeBase = z.infer<typeof knowledgeBaseSchema>;
/** A knowledge base's document. */
export type KnowledgeBaseDocument = z.infer<typeof knowledgeBaseDocumentSchema>;
/** An agent in a tenant's registry. */
export type Agent = z.infer<typeof agentSchema>;
/** A tenant's collection of JSON documents. */
export type Collection = z.infer<typeof collectionSchema>;
/** One document of a collection. */
export type CollectionDocument = z.infer<typeof collectionDocumentSchema>;
