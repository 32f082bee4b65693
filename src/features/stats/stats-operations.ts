import { defineOperations } from '../../core/operation.ts';
import { query } from '../../core/operation-arguments.ts';
import { statsQuerySchema, tenantStatsSchema } from './stats-schemas.ts';

/** The statistics operations. */
export const statsOperations = defineOperations('stats', 'stats', {
  get: {
    summary: "A tenant's counts: memories, documents and chunks by document type and scope, users, storage",
    http: { method: 'GET', path: '/v1/stats', args: [query], status: 200, query: statsQuerySchema },
    response: tenantStatsSchema,
    permission: 'usage.read',
  },
});
