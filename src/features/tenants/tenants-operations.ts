import { pageOf, tenantSchema } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query, route } from '../../core/operation-arguments.ts';
import { pageSchema } from '../../core/schemas.ts';
import {
  createTenantSchema,
  providerKeyInputSchema,
  providerKeyStatusSchema,
  tenantDeletionSchema,
  updateTenantSchema,
} from './tenants-schemas.ts';

/** The tenants operations. */
export const tenantsOperations = defineOperations(
  'tenants',
  'tenants',
  { permission: 'tenants.manage' },
  {
    create: {
      summary: 'Create a tenant',
      http: route('POST', '/v1/tenants', [body], { status: 201, body: createTenantSchema }),
      response: tenantSchema,
      telemetryName: 'create_memory_store',
    },
    list: { summary: 'List tenants', http: route('GET', '/v1/tenants', [query], { query: pageSchema }), response: pageOf(tenantSchema) },
    get: { summary: 'Get a tenant', http: route('GET', '/v1/tenants/{id}', [idParam()]), response: tenantSchema },
    update: {
      summary: 'Update a tenant (name, plan, settings, status)',
      http: route('PATCH', '/v1/tenants/{id}', [idParam(), body], { body: updateTenantSchema }),
      response: tenantSchema,
    },
    delete: {
      summary: 'Offboard a tenant: purge every row it owns and revoke its keys (same as POST /v1/tenants/{id}/offboard)',
      http: route('DELETE', '/v1/tenants/{id}', [idParam()]),
      response: tenantDeletionSchema,
      telemetryName: 'delete_memory_store',
    },
    offboard: {
      summary: 'Offboard a tenant: purge every row it owns, revoke its keys, keep a content-free tombstone in the platform audit',
      http: route('POST', '/v1/tenants/{id}/offboard', [idParam()]),
      response: tenantDeletionSchema,
      telemetryName: 'delete_memory_store',
    },
    setProviderKey: {
      summary: "Set the tenant's own API key for the deployment's LLM server (stored sealed; never returned)",
      http: route('PUT', '/v1/tenants/{id}/provider-key', [idParam(), body], { body: providerKeyInputSchema }),
      response: providerKeyStatusSchema,
      permission: 'tenants.configure',
    },
    deleteProviderKey: {
      summary: "Delete the tenant's own provider key (extraction goes back to the deployment's key)",
      http: route('DELETE', '/v1/tenants/{id}/provider-key', [idParam()]),
      response: providerKeyStatusSchema,
      permission: 'tenants.configure',
    },
  },
);
