import { estimateTokens } from '../../core/content.ts';
import { StrataError } from '../../core/errors.ts';
import { parseInput } from '../../core/schemas.ts';
import { type Identity, readableScopes } from '../../core/scope.ts';
import type { ContextResult, Memory, SearchHit, SearchMode } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { toMemory } from '../../db/memory-tables.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { type Engine, inSession, type TenantFacts } from '../../kernel/engine.ts';
import { noteTargets } from '../../kernel/govern.ts';
import { listMemories } from '../memories/index.ts';
import type { CandidateRequest } from './candidates.ts';
import { formatContext } from './format-context.ts';
import { runSearch } from './run-search.ts';
import { searchScopes } from './search-rows.ts';
import type { ContextQuery, SearchQuery } from './search-schemas.ts';
import { contextSchema, searchSchema } from './search-schemas.ts';

/** A search's results. */
export interface SearchResult {
  mode: SearchMode;
  hits: SearchHit[];
}

/** Search and context operations for one caller binding. */
export interface SearchApi {
  /** Ranks visible memories across the scope chain; each hit says its scope. */
  search(query: SearchQuery): Promise<SearchResult>;
  /** Memories for an agent turn within a token budget, plus the conversation's recent turns. */
  context(query: ContextQuery): Promise<ContextResult>;
}

/** Builds the search API. */
export function createSearchApi(engine: Engine, bound: CallerContext | undefined): SearchApi {
  const embedQuery = async (mode: SearchMode, text: string) =>
    mode === 'keyword' ? null : ((await engine.embedder.embed([text], { purpose: 'query' }))[0] ?? null);

  const request = (resolved: Identity, tenant: TenantFacts | null, query: SearchQuery, limit: number): CandidateRequest => ({
    identity: resolved,
    scopes: searchScopes(readableScopes(resolved), query),
    query,
    limit,
    now: engine.now(),
    dimensions: engine.embedder.dimensions,
    tenantIndexed: tenant?.indexedModel === engine.embedder.model,
  });

  return {
    async search(query) {
      const parsed = parseInput(searchSchema, query);
      const mode = parsed.mode ?? 'hybrid';
      const caller = currentIdentity(engine, bound);
      const embedding = await embedQuery(mode, parsed.query);
      return inSession(engine, caller, async (db, resolved, tenant) => {
        requireFeature(tenant, mode);
        // A vector search is the last statement that reads memories; hybrid runs keyword queries after it.
        const hits = await runSearch(
          db,
          { ...request(resolved, tenant, parsed, parsed.limit ?? 10), lastStatement: mode === 'vector' },
          mode,
          parsed.query,
          embedding,
        );
        noteTargets(
          engine,
          hits.map((hit) => hit.memoryId),
        );
        return { mode, hits };
      });
    },

    async context(query) {
      const parsed = parseInput(contextSchema, query);
      const mode = parsed.mode ?? 'hybrid';
      const budget = parsed.tokenBudget ?? 1_000;
      const caller = currentIdentity(engine, bound);
      const embedding = await embedQuery(mode, parsed.query);
      return inSession(engine, caller, async (db, resolved, tenant) => {
        requireFeature(tenant, mode);
        // The query's own conversation is what the agent already sees; it is not a filter on memories.
        const { conversationId, ...memoryQuery } = parsed;
        const hits = await runSearch(db, request(resolved, tenant, memoryQuery, parsed.limit ?? 20), mode, parsed.query, embedding);
        const recent =
          conversationId === undefined ? [] : await recentTurns(db, resolved, conversationId, parsed.recentTurns ?? 10, engine.now());
        const selected = selectWithinBudget(hits, recent, budget);
        noteTargets(
          engine,
          selected.memories.map((memory) => memory.memoryId),
        );
        return selected;
      });
    },
  };
}

async function recentTurns(db: Queryable, identity: Identity, conversationId: string, count: number, now: Date): Promise<Memory[]> {
  if (count === 0) return [];
  const rows = await listMemories(db, identity, readableScopes(identity), { conversationId }, null, count, now);
  return rows.map((row) => toMemory(row, identity.clientId)).reverse();
}

/**
 * Fills the budget: the most recent turns first (newest kept), then memories by rank, skipping
 * any text already included, so the same fact held at two scopes appears once (the narrowest,
 * as ranking ties go to the first seen).
 */
function selectWithinBudget(hits: SearchHit[], recent: Memory[], budget: number): ContextResult {
  let used = 0;
  const seen = new Set<string>();
  const keptRecent: Memory[] = [];
  for (const turn of [...recent].reverse()) {
    const cost = estimateTokens(turn.content);
    if (used + cost > budget / 2) break;
    used += cost;
    keptRecent.unshift(turn);
    seen.add(normalise(turn.content));
  }
  const kept: SearchHit[] = [];
  for (const hit of hits) {
    const key = normalise(hit.content);
    if (seen.has(key)) continue;
    const cost = estimateTokens(hit.content);
    if (used + cost > budget) continue;
    used += cost;
    seen.add(key);
    kept.push(hit);
  }
  return { memories: kept, recent: keptRecent, tokenCount: used, text: formatContext(kept, keptRecent) };
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Keyword and hybrid search are a plan feature (`hybridSearch`); vector search is always there. */
function requireFeature(tenant: TenantFacts | null, mode: SearchMode): void {
  if (mode === 'vector' || tenant === null || tenant.features.hybridSearch) return;
  throw new StrataError('forbidden', `mode: ${mode} search is not in this tenant's plan (feature hybridSearch)`, {
    details: { field: 'mode', feature: 'hybridSearch' },
  });
}
