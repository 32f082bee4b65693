import { z } from 'zod';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam } from '../../core/operation-arguments.ts';
import { reembedOptionsSchema } from './maintenance-schemas.ts';

/** The maintenance operations. */
export const maintenanceOperations = defineOperations('maintenance', 'maintenance', {
  buildIndex: {
    summary: "Build a tenant's own vector index",
    http: { method: 'POST', path: '/v1/tenants/{id}/index', args: [idParam()], status: 200 },
    response: z.strictObject({ tenantId: z.string(), index: z.string() }),
    permission: 'maintenance.run',
  },
  reembed: {
    summary: 'Re-embed every row with the configured model (operator)',
    http: { method: 'POST', path: '/v1/maintenance/reembed', args: [body], status: 200, body: reembedOptionsSchema },
    response: z.strictObject({ model: z.string(), tenants: z.number().int(), rows: z.number().int() }),
    permission: 'maintenance.run',
  },
  indexLargeTenants: {
    summary: 'Build indexes for every tenant past the threshold (operator)',
    http: { method: 'POST', path: '/v1/maintenance/index-large-tenants', args: [], status: 200 },
    response: z.array(z.string()),
    permission: 'maintenance.run',
  },
});
