import { defineFeature } from '../../kernel/feature-module.ts';
import { createUsageApi } from './usage-api.ts';
import { usageOperations } from './usage-operations.ts';

// The usage feature's public face: what other features, the composition root and the surfaces may import.
export { createUsageApi, type UsageApi, type UsageDay, type UsageReport, type UsageTotals } from './usage-api.ts';
export { usageOperations };

/** The usage feature, for the registry. */
export const usageFeature = defineFeature({
  operations: usageOperations,
  create: (engine, bound) => createUsageApi(engine, bound, engine.prices),
});
