import { invalidInput } from '../../core/errors.ts';
import { parseInput } from '../../core/schemas.ts';
import type { Identity } from '../../core/scope.ts';
import type { ContextResult, SearchHit, SearchMode } from '../../core/types.ts';
import { findConversation, lastUserMessage } from '../../db/conversation-tables.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { type Engine, inSession } from '../../kernel/engine.ts';
import { noteTargets } from '../../kernel/govern.ts';
import { buildContext, candidateRequest, embedQuery, requireFeature, searchedKnowledgeBases } from './build-context.ts';
import { runSearch } from './run-search.ts';
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
  /** Memories for an agent turn within a token budget, plus the conversation's latest messages. */
  context(query: ContextQuery): Promise<ContextResult>;
}

/** Builds the search API. */
export function createSearchApi(engine: Engine, bound: CallerContext | undefined): SearchApi {
  /** The query of a context fetch that gave none: the conversation's last user message. */
  async function defaultQuery(caller: Identity, conversationId: string | undefined): Promise<string> {
    if (conversationId === undefined) throw invalidInput('query', 'is required without a conversationId');
    const content = await inSession(engine, caller, async (db, resolved) => {
      const conversation = await findConversation(db, resolved, conversationId);
      return conversation === null ? null : lastUserMessage(db, conversation);
    });
    if (content === null) {
      throw invalidInput('query', `is required: conversation ${JSON.stringify(conversationId)} has no user message to search with`);
    }
    return content;
  }

  return {
    async search(query) {
      const parsed = parseInput(searchSchema, query);
      const mode = parsed.mode ?? 'hybrid';
      const caller = currentIdentity(engine, bound);
      const embedding = await embedQuery(engine, mode, parsed.query);
      return inSession(engine, caller, async (db, resolved, tenant) => {
        requireFeature(tenant, mode);
        // A vector search is the last statement that reads memories; hybrid runs keyword queries after it.
        const hits = await runSearch(
          db,
          {
            ...candidateRequest(engine, resolved, tenant, parsed, parsed.limit ?? 10),
            knowledgeBaseIds: await searchedKnowledgeBases(db, resolved, parsed.knowledgeBaseIds, undefined),
            lastStatement: mode === 'vector',
          },
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
      const caller = currentIdentity(engine, bound);
      const text = parsed.query ?? (await defaultQuery(caller, parsed.conversationId));
      const embedding = await embedQuery(engine, parsed.mode ?? 'hybrid', text);
      return inSession(engine, caller, (db, resolved, tenant) =>
        buildContext(engine, db, resolved, tenant, { ...parsed, query: text }, embedding),
      );
    },
  };
}
