import { contextResultSchema } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body } from '../../core/operation-arguments.ts';
import { contextSchema, searchResultSchema, searchSchema } from './search-schemas.ts';

/** The search operations. */
export const searchOperations = defineOperations('', 'search', {
  search: {
    summary: 'Search across the scope chain',
    http: { method: 'POST', path: '/v1/search', args: [body], status: 200, body: searchSchema },
    response: searchResultSchema,
    telemetryName: 'search_memory',
  },
  context: {
    summary: 'Memories and recent turns for an agent turn, within a token budget',
    http: { method: 'POST', path: '/v1/context', args: [body], status: 200, body: contextSchema },
    response: contextResultSchema,
    telemetryName: 'search_memory',
  },
});
