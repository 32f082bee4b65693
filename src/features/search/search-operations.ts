import { contextResultSchema } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, route } from '../../core/operation-arguments.ts';
import { contextSchema, searchResultSchema, searchSchema } from './search-schemas.ts';

/** The search operations. */
export const searchOperations = defineOperations(
  '',
  'search',
  {},
  {
    search: {
      summary: 'Search across the scope chain',
      http: route('POST', '/v1/search', [body], { body: searchSchema }),
      response: searchResultSchema,
      telemetryName: 'search_memory',
    },
    context: {
      summary: 'Memories and recent turns for an agent turn, within a token budget',
      http: route('POST', '/v1/context', [body], { body: contextSchema }),
      response: contextResultSchema,
      telemetryName: 'search_memory',
    },
  },
);
