// The tenants feature's public face: what other features, the composition root and the surfaces may import.
export {
  type CreateTenantInput,
  createTenantsApi,
  type TenantDeletionReport,
  type TenantsApi,
  type UpdateTenantInput,
} from './tenants-api.ts';
