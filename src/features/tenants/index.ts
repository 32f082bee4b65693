import { defineFeature } from '../../kernel/feature-module.ts';
import { createTenantsApi } from './tenants-api.ts';
import { tenantsOperations } from './tenants-operations.ts';

export type { ProviderKeyInput, ProviderKeyStatus } from './provider-keys-api.ts';
export {
  assertModelAllowed,
  type ExtractionPolicy,
  type ExtractionSettings,
  extractionSettings,
  type TenantChatModel,
  tenantChatModel,
} from './tenant-models.ts';
// The tenants feature's public face: what other features, the composition root and the surfaces may import.
export {
  type CreateTenantInput,
  createTenantsApi,
  type TenantDeletionReport,
  type TenantsApi,
  type UpdateTenantInput,
} from './tenants-api.ts';

/** The tenants feature, for the registry. */
export const tenantsFeature = defineFeature({ operations: tenantsOperations, create: createTenantsApi });
