import { defineFeature } from '../../kernel/feature-module.ts';
import { createMaintenanceApi } from './maintenance-api.ts';
import { maintenanceOperations } from './maintenance-operations.ts';

// The maintenance feature's public face: what other features, the composition root and the surfaces may import.
export type { MaintenanceApi, ReembedReport } from './maintenance-api.ts';

/** The maintenance feature, for the registry. */
export const maintenanceFeature = defineFeature({
  operations: maintenanceOperations,
  create: createMaintenanceApi,
});
