import { pageOf, tenantSchema } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query } from '../../core/operation-arguments.ts';
import { pageSchema } from '../../core/schemas.ts';
import { createTenantSchema, tenantDeletionSchema, updateTenantSchema } from './tenants-schemas.ts';

/** The tenants operations. */
export const tenantsOperations = defineOperations('tenants', 'tenants', {
  create: {
    summary: 'Create a tenant',
    http: { method: 'POST', path: '/v1/tenants', args: [body], status: 201, body: createTenantSchema },
    response: tenantSchema,
    permission: 'tenants.manage',
    telemetryName: 'create_memory_store',
  },
  list: {
    summary: 'List tenants',
    http: { method: 'GET', path: '/v1/tenants', args: [query], status: 200, query: pageSchema },
    response: pageOf(tenantSchema),
    permission: 'tenants.manage',
  },
  get: {
    summary: 'Get a tenant',
    http: { method: 'GET', path: '/v1/tenants/{id}', args: [idParam()], status: 200 },
    response: tenantSchema,
    permission: 'tenants.manage',
  },
  update: {
    summary: 'Update a tenant (name, plan, settings, status)',
    http: { method: 'PATCH', path: '/v1/tenants/{id}', args: [idParam(), body], status: 200, body: updateTenantSchema },
    response: tenantSchema,
    permission: 'tenants.manage',
  },
  delete: {
    summary: 'Offboard a tenant: purge every row it owns and revoke its keys (same as POST /v1/tenants/{id}/offboard)',
    http: { method: 'DELETE', path: '/v1/tenants/{id}', args: [idParam()], status: 200 },
    response: tenantDeletionSchema,
    permission: 'tenants.manage',
    telemetryName: 'delete_memory_store',
  },
  offboard: {
    summary: 'Offboard a tenant: purge every row it owns, revoke its keys, keep a content-free tombstone in the platform audit',
    http: { method: 'POST', path: '/v1/tenants/{id}/offboard', args: [idParam()], status: 200 },
    response: tenantDeletionSchema,
    permission: 'tenants.manage',
    telemetryName: 'delete_memory_store',
  },
});
