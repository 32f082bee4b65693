import { defineFeature } from '../../kernel/feature-module.ts';
import { createSearchApi } from './search-api.ts';
import { searchOperations } from './search-operations.ts';

// The search feature's public face: what other features, the composition root and the surfaces may import.
export {
  buildContext,
  type ContextRequest,
  candidateRequest,
  embedQuery,
  requireFeature,
  searchedKnowledgeBases,
} from './build-context.ts';
export { runSearch } from './run-search.ts';
export type { SearchApi, SearchResult } from './search-api.ts';
export { type ContextQuery, contextSchema, type SearchQuery, searchResultSchema } from './search-schemas.ts';

/** The search feature, for the registry. */
export const searchFeature = defineFeature({ operations: searchOperations, create: createSearchApi });
