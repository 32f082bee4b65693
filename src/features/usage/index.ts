import { defineFeature } from '../../kernel/feature-module.ts';
import { createUsageApi } from './usage-api.ts';
import { usageOperations } from './usage-operations.ts';

// The usage feature's public face: what other features, the composition root and the surfaces may import.
export type { UsageApi, UsageDay, UsageReport, UsageTotals } from './usage-api.ts';

/** The usage feature, for the registry. */
export const usageFeature = defineFeature({ operations: usageOperations, create: createUsageApi });
