import { defineOperations } from '../../core/operation.ts';
import { query, route } from '../../core/operation-arguments.ts';
import { statsQuerySchema, tenantStatsSchema } from './stats-schemas.ts';

/** The statistics operations. */
export const statsOperations = defineOperations(
  'stats',
  'stats',
  { permission: 'usage.read' },
  {
    get: {
      summary: "A tenant's counts: memories, documents and chunks by document type and scope, users, storage",
      http: route('GET', '/v1/stats', [query], { query: statsQuerySchema }),
      response: tenantStatsSchema,
    },
  },
);
