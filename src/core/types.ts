import type { MetadataFilter } from './filter.ts';
import type { Role, Scope } from './scope.ts';

/** JSON values as stored in metadata and settings. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A customer organisation: the unit of isolation. */
export interface Tenant {
  id: string;
  clientId: string;
  name: string | null;
  plan: string;
  status: 'active' | 'suspended' | 'offboarding' | 'deleted';
  /** The limits in force (the plan's preset, then the tenant's own); null is unlimited. */
  limits: Record<string, number | null>;
  /** The tenant's own limits over its plan's (`unlimited` lifts one). */
  limitOverrides: Record<string, number | 'unlimited'>;
  /** Feature flags in force (the plan's, then `settings.features`). */
  features: Record<string, boolean>;
  settings: Record<string, Json>;
  createdAt: string;
  updatedAt: string;
}

/** A user inside one tenant. The same id in another tenant is a different person. */
export interface User {
  tenantId: string;
  id: string;
  role: Exclude<Role, 'platform' | 'client_admin'>;
  metadata: Record<string, Json>;
  createdAt: string;
}

/** Built-in document types; any other lowercase name made of letters, digits and `-` works too. */
export const documentTypes = ['memory', 'document', 'ai-chat-conversation', 'note', 'fact'] as const;

/** A stored memory (or document) as callers see it. */
export interface Memory {
  id: string;
  scope: Scope;
  /** Owning tenant; null for world and client scope. */
  tenantId: string | null;
  /** Owning client application; null for world scope. */
  clientId: string | null;
  /** Owning user; set only for user scope. */
  userId: string | null;
  documentType: string;
  content: string;
  metadata: Record<string, Json>;
  agentId: string | null;
  conversationId: string | null;
  /** Number of searchable chunks a long document was split into (1 for a plain memory). */
  chunkCount: number;
  version: number;
  embeddingModel: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

/** A previous version of a memory, kept on every update. */
export interface MemoryVersion {
  memoryId: string;
  version: number;
  content: string;
  metadata: Record<string, Json>;
  documentType: string;
  /** When this version was replaced. */
  replacedAt: string;
}

/** Fields accepted when creating a memory. */
export interface CreateMemoryInput {
  content: string;
  /** Defaults to the narrowest scope of the caller (user, else customer). */
  scope?: Scope;
  documentType?: string;
  metadata?: Record<string, Json>;
  agentId?: string;
  conversationId?: string;
  /** ISO timestamp after which the memory is never returned. */
  expiresAt?: string;
  /** Seconds from now until expiry; alternative to `expiresAt`. */
  ttlSeconds?: number;
}

/** The outcome of a create: the memory, and whether identical content already existed. */
export interface CreateMemoryResult {
  memory: Memory;
  /** True when the same content already existed in that scope and was returned instead. */
  deduplicated: boolean;
}

/** Fields accepted when updating a memory; omitted fields keep their value. */
export interface UpdateMemoryInput {
  content?: string;
  documentType?: string;
  metadata?: Record<string, Json>;
  expiresAt?: string | null;
}

/** Filters for listing memories. */
export interface ListMemoriesQuery {
  scope?: Scope;
  documentType?: string;
  agentId?: string;
  conversationId?: string;
  filter?: MetadataFilter;
  createdAfter?: string;
  createdBefore?: string;
  limit?: number;
  cursor?: string;
}

/** One page of a listing; pass `nextCursor` back to continue. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Search modes. */
export type SearchMode = 'vector' | 'keyword' | 'hybrid';

/** A search request. */
export interface SearchQuery {
  query: string;
  mode?: SearchMode;
  limit?: number;
  scopes?: Scope[];
  documentType?: string;
  agentId?: string;
  conversationId?: string;
  filter?: MetadataFilter;
}

/** One search result with its score and where it came from. */
export interface SearchHit {
  memoryId: string;
  scope: Scope;
  content: string;
  score: number;
  /** Per-mode details: cosine similarity, keyword rank, fused rank. */
  scores: { vector?: number; keyword?: number };
  documentType: string;
  metadata: Record<string, Json>;
  agentId: string | null;
  conversationId: string | null;
  userId: string | null;
  /** For a chunk of a long document: the document and the chunk's position in it. */
  chunk: { documentId: string; index: number } | null;
  createdAt: string;
}

/** A context fetch for an agent turn. */
export interface ContextQuery {
  query: string;
  /** Upper bound on tokens (estimated) of the returned memories. Default 1,000. */
  tokenBudget?: number;
  limit?: number;
  scopes?: Scope[];
  mode?: SearchMode;
  agentId?: string;
  conversationId?: string;
  /** How many of the conversation's most recent turns to include. Default 10. */
  recentTurns?: number;
}

/** Memories chosen for an agent turn, and the same as a ready-to-use text block. */
export interface ContextResult {
  memories: SearchHit[];
  recent: Memory[];
  tokenCount: number;
  text: string;
}
