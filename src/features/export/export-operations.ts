import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query, route } from '../../core/operation-arguments.ts';

/** The export operations. */
export const exportOperations = defineOperations(
  'exports',
  'exports',
  {},
  {
    export: {
      summary: 'Export a tenant as JSON lines (streamed; a cut-short body has no trailer)',
      http: route('GET', '/v1/tenants/{id}/export', [idParam(), query], { stream: true }),
      permission: 'tenants.export',
      feature: 'export',
    },
    import: {
      summary: 'Create a tenant from an export (the body is read line by line as it arrives)',
      http: route('POST', '/v1/tenants/{id}/import', [idParam(), body, query], { status: 201, stream: true }),
      permission: 'tenants.import',
    },
  },
);
