import { defineOperations } from '../../core/operation.ts';
import { query, route } from '../../core/operation-arguments.ts';
import { usageReportResponseSchema, usageReportSchema } from './usage-schemas.ts';

/** The usage operations. */
export const usageOperations = defineOperations(
  'usage',
  'usage',
  { permission: 'usage.read' },
  {
    report: {
      summary: "A tenant's metered usage and estimated cost by day, operation and model",
      http: route('GET', '/v1/usage', [query], { query: usageReportSchema }),
      response: usageReportResponseSchema,
    },
  },
);
