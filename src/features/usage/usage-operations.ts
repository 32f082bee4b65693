import { defineOperations } from '../../core/operation.ts';
import { query } from '../../core/operation-arguments.ts';
import { usageReportResponseSchema, usageReportSchema } from './usage-schemas.ts';

/** The usage operations. */
export const usageOperations = defineOperations('usage', 'usage', {
  report: {
    summary: "A tenant's metered usage and estimated cost by day, operation and model",
    http: { method: 'GET', path: '/v1/usage', args: [query], status: 200, query: usageReportSchema },
    response: usageReportResponseSchema,
    permission: 'usage.read',
  },
});
