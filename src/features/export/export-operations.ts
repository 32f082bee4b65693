import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query } from '../../core/operation-arguments.ts';

/** The export operations. */
export const exportOperations = defineOperations('exports', 'exports', {
  export: {
    summary: 'Export a tenant as JSON lines (streamed; a cut-short body has no trailer)',
    http: { method: 'GET', path: '/v1/tenants/{id}/export', args: [idParam(), query], status: 200, stream: true },
    permission: 'tenants.export',
    feature: 'export',
  },
  import: {
    summary: 'Create a tenant from an export (the body is read line by line as it arrives)',
    http: { method: 'POST', path: '/v1/tenants/{id}/import', args: [idParam(), body, query], status: 201, stream: true },
    permission: 'tenants.import',
  },
});
