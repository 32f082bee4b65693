import { z } from 'zod';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, route } from '../../core/operation-arguments.ts';
import { reembedOptionsSchema } from './maintenance-schemas.ts';

/** The maintenance operations. */
export const maintenanceOperations = defineOperations(
  'maintenance',
  'maintenance',
  { permission: 'maintenance.run' },
  {
    buildIndex: {
      summary: "Build a tenant's own vector index",
      http: route('POST', '/v1/tenants/{id}/index', [idParam()]),
      response: z.strictObject({ tenantId: z.string(), index: z.string() }),
    },
    reembed: {
      summary: 'Re-embed every row with the configured model (operator)',
      http: route('POST', '/v1/maintenance/reembed', [body], { body: reembedOptionsSchema }),
      response: z.strictObject({ model: z.string(), tenants: z.number().int(), rows: z.number().int() }),
    },
    indexLargeTenants: {
      summary: 'Build indexes for every tenant past the threshold (operator)',
      http: route('POST', '/v1/maintenance/index-large-tenants', []),
      response: z.array(z.string()),
    },
  },
);
