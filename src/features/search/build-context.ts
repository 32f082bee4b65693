import { estimateTokens } from '../../core/content.ts';
import { notFound, StrataError } from '../../core/errors.ts';
import { type Identity, readableScopes } from '../../core/scope.ts';
import type { ContextResult, Memory, Message, SearchHit, SearchMode } from '../../core/types.ts';
import { findConversation, latestMessages } from '../../db/conversation-tables.ts';
import type { Queryable } from '../../db/database.ts';
import { agentKnowledgeBaseIds, readableKnowledgeBaseIds } from '../../db/knowledge-base-tables.ts';
import { toMemory } from '../../db/memory-tables.ts';
import type { Engine, TenantFacts } from '../../kernel/engine.ts';
import { noteTargets } from '../../kernel/govern.ts';
import { listMemories } from '../memories/index.ts';
import type { CandidateRequest } from './candidates.ts';
import { formatContext } from './format-context.ts';
import { runSearch } from './run-search.ts';
import { searchScopes } from './search-rows.ts';
import type { ContextQuery, SearchQuery } from './search-schemas.ts';

/** A context fetch with its query decided. */
export type ContextRequest = Omit<ContextQuery, 'query'> & { query: string };

/** The query's embedding, made before any transaction opens (keyword search needs none). */
export async function embedQuery(engine: Engine, mode: SearchMode, text: string): Promise<number[] | null> {
  return mode === 'keyword' ? null : ((await engine.embedder.embed([text], { purpose: 'query' }))[0] ?? null);
}

/** What the candidate queries need to know about the caller and the search. */
export function candidateRequest(
  engine: Engine,
  resolved: Identity,
  tenant: TenantFacts | null,
  query: SearchQuery,
  limit: number,
): CandidateRequest {
  return {
    identity: resolved,
    scopes: searchScopes(readableScopes(resolved), query),
    query,
    limit,
    now: engine.now(),
    dimensions: engine.embedder.dimensions,
    tenantIndexed: tenant?.indexedModel === engine.embedder.model,
  };
}

/**
 * Builds the context for an agent turn in an open session: memories across the scope chain, and
 * the latest messages of the conversation `conversationId` names (or, when it names none, the
 * memories tied to that id, for callers that keep turns as memories).
 */
export async function buildContext(
  engine: Engine,
  db: Queryable,
  resolved: Identity,
  tenant: TenantFacts | null,
  parsed: ContextRequest,
  embedding: readonly number[] | null,
): Promise<ContextResult> {
  const mode = parsed.mode ?? 'hybrid';
  requireFeature(tenant, mode);
  // The query's own conversation is what the agent already sees; it is not a filter on memories.
  const { conversationId, ...memoryQuery } = parsed;
  const conversation = conversationId === undefined ? null : await findConversation(db, resolved, conversationId);
  // The agent the turn is for (named, or the conversation's) brings its knowledge bases along.
  const agentId = parsed.agentId ?? conversation?.agent_id ?? undefined;
  const request = {
    ...candidateRequest(engine, resolved, tenant, memoryQuery, parsed.limit ?? 20),
    knowledgeBaseIds: await searchedKnowledgeBases(db, resolved, parsed.knowledgeBaseIds, agentId),
  };
  const hits = await runSearch(db, request, mode, parsed.query, embedding);
  const count = parsed.recentTurns ?? 10;
  const messages = conversation === null ? [] : await latestMessages(db, conversation, count);
  const recent =
    conversationId === undefined || conversation !== null ? [] : await recentTurns(db, resolved, conversationId, count, engine.now());
  const selected = selectWithinBudget(hits, messages, recent, parsed.tokenBudget ?? 1_000);
  noteTargets(
    engine,
    selected.memories.map((memory) => memory.memoryId),
  );
  return selected;
}

/**
 * The knowledge bases a search reads: those it names, each of which must be readable (`not_found`
 * otherwise, as for one that never existed), and those attached to `agentId`, when it names a
 * registered agent, that are still there and readable.
 */
export async function searchedKnowledgeBases(
  db: Queryable,
  identity: Identity,
  named: readonly string[] | undefined,
  agentId: string | undefined,
): Promise<string[]> {
  const wanted = [...new Set(named ?? [])];
  const readable = await readableKnowledgeBaseIds(db, identity, wanted);
  const missing = wanted.find((id) => !readable.includes(id));
  if (missing !== undefined) throw notFound('knowledge base', missing);
  if (agentId === undefined) return readable;
  const attached = await readableKnowledgeBaseIds(db, identity, await agentKnowledgeBaseIds(db, identity, agentId));
  return [...new Set([...readable, ...attached])];
}

async function recentTurns(db: Queryable, identity: Identity, conversationId: string, count: number, now: Date): Promise<Memory[]> {
  if (count === 0) return [];
  const rows = await listMemories(db, identity, readableScopes(identity), { conversationId }, null, count, now);
  return rows.map((row) => toMemory(row, identity.clientId)).reverse();
}

/**
 * Fills the budget: the conversation's latest messages first (newest kept, up to half the
 * budget), then memories by rank, skipping any already included (a message's own memory, or the
 * same text), so the same fact held at two scopes appears once (the narrowest, as ranking ties
 * go to the first seen).
 */
function selectWithinBudget(hits: SearchHit[], messages: Message[], recent: Memory[], budget: number): ContextResult {
  let used = 0;
  const seen = new Set<string>();
  const keepNewest = <T extends { content: string }>(items: readonly T[]): T[] => {
    const kept: T[] = [];
    for (const item of [...items].reverse()) {
      const cost = estimateTokens(item.content);
      if (used + cost > budget / 2) break;
      used += cost;
      kept.unshift(item);
      seen.add(normalise(item.content));
    }
    return kept;
  };
  const keptMessages = keepNewest(messages);
  const keptRecent = keepNewest(recent);
  const messageMemories = new Set(keptMessages.map((message) => message.memoryId));
  const kept: SearchHit[] = [];
  for (const hit of hits) {
    const key = normalise(hit.content);
    if (seen.has(key) || messageMemories.has(hit.memoryId)) continue;
    const cost = estimateTokens(hit.content);
    if (used + cost > budget) continue;
    used += cost;
    seen.add(key);
    kept.push(hit);
  }
  return {
    memories: kept,
    messages: keptMessages,
    recent: keptRecent,
    tokenCount: used,
    text: formatContext(kept, keptMessages, keptRecent),
  };
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Keyword and hybrid search are a plan feature (`hybridSearch`); vector search is always there. */
export function requireFeature(tenant: TenantFacts | null, mode: SearchMode): void {
  if (mode === 'vector' || tenant === null || tenant.features.hybridSearch) return;
  throw new StrataError('forbidden', `mode: ${mode} search is not in this tenant's plan (feature hybridSearch)`, {
    details: { field: 'mode', feature: 'hybridSearch' },
  });
}
