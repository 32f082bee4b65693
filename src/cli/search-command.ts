import type { ContextQuery, MetadataFilter, Scope, SearchMode, SearchQuery } from '../index.ts';
import { compact, integerOption, jsonObjectOption, listOption, type OptionValues, stringOption } from './args.ts';
import type { CommandDefinition } from './command.ts';
import { formatHits } from './memory-format.ts';

const rankingOptions = {
  mode: { type: 'string', valueName: 'vector|keyword|hybrid', description: 'how to rank (default hybrid)' },
  limit: { type: 'string', valueName: '<n>', description: 'most hits to return' },
  scopes: { type: 'string', valueName: '<list>', description: 'comma-separated scopes to search: user,customer,client,world' },
  agent: { type: 'string', valueName: '<id>', description: "only this agent's memories (a context also reads its knowledge bases)" },
  kb: { type: 'string', valueName: '<ids>', description: 'comma-separated knowledge bases to search too' },
} as const;

const queryArgument = [{ name: 'query', required: true }] as const;

/** The query and the ranking fields both commands take (`rankingOptions`, and `--conversation`). */
function ranking(query: string, options: OptionValues) {
  return {
    query,
    conversationId: stringOption(options, 'conversation'),
    mode: stringOption(options, 'mode') as SearchMode | undefined,
    limit: integerOption(options, 'limit'),
    scopes: listOption(options, 'scopes') as Scope[] | undefined,
    agentId: stringOption(options, 'agent'),
    knowledgeBaseIds: listOption(options, 'kb'),
  };
}

/** `strata search` and `strata context`: ranked retrieval across the caller's scope chain. */
export const searchCommands: CommandDefinition[] = [
  {
    path: ['search'],
    arguments: queryArgument,
    summary: 'search visible memories; each hit says its scope',
    options: {
      ...rankingOptions,
      type: { type: 'string', valueName: '<type>', description: 'only this document type' },
      conversation: { type: 'string', valueName: '<id>', description: 'only this conversation' },
      filter: { type: 'string', valueName: '<json>', description: 'metadata filter, e.g. {"topic":"billing"}' },
    },
    async run({ arguments: [query = ''], options, open }) {
      const request: SearchQuery = compact({
        ...ranking(query, options),
        documentType: stringOption(options, 'type'),
        filter: jsonObjectOption<MetadataFilter>(options, 'filter'),
      });
      const result = await (await open()).search(request);
      return { result, text: formatHits(result.hits) };
    },
  },
  {
    path: ['context'],
    // Without a query, --conversation's last user message is the query.
    arguments: [{ name: 'query', required: false }],
    summary: 'context for an agent turn within a token budget, as a prompt-ready text block',
    options: {
      ...rankingOptions,
      budget: { type: 'string', valueName: '<tokens>', description: 'token budget (default 1000)' },
      conversation: { type: 'string', valueName: '<id>', description: "include this conversation's latest messages" },
      recent: { type: 'string', valueName: '<n>', description: 'how many of its latest messages (default 10)' },
    },
    async run({ arguments: [query = ''], options, open }) {
      const request: ContextQuery = compact({
        ...ranking(query, options),
        query: query === '' ? undefined : query,
        tokenBudget: integerOption(options, 'budget'),
        recentTurns: integerOption(options, 'recent'),
      });
      const result = await (await open()).context(request);
      return { result, text: result.text };
    },
  },
];
