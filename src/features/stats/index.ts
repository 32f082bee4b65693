import { defineFeature } from '../../kernel/feature-module.ts';
import { createStatsApi } from './stats-api.ts';
import { statsOperations } from './stats-operations.ts';

// The stats feature's public face.
export type { StatsApi } from './stats-api.ts';
export type { DocumentTypeStats, StatsQuery, TenantStats } from './stats-schemas.ts';

/** The stats feature, for the registry. */
export const statsFeature = defineFeature({ operations: statsOperations, create: createStatsApi });
