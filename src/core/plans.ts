import { z } from 'zod';

/** Every limit a tenant can have. A missing or null limit means unlimited. */
export const limitNames = [
  'users',
  'memories',
  'storageBytes',
  'apiCallsPerDay',
  'tokensPerMonth',
  'requestsPerSecond',
  'burst',
  'concurrentRequests',
  'monthlyBudget',
  'knowledgeBases',
  'agents',
  'collections',
  'collectionDocumentBytes',
] as const;
/** One limit's name. */
export type LimitName = (typeof limitNames)[number];
/** Limits in force: a number, or null for unlimited. */
export type Limits = Record<LimitName, number | null>;
/** A tenant's own limits over its plan's: a number, `unlimited`, or null to fall back to the plan. */
export type LimitOverrides = Partial<Record<LimitName, number | 'unlimited' | null>>;

/** Feature flags a plan turns on or off; a tenant's `settings.features` overrides them. */
export const featureNames = ['hybridSearch', 'webhooks', 'export'] as const;
/** One feature's name. */
export type FeatureName = (typeof featureNames)[number];

/** A plan preset: limits and feature flags. */
export interface Plan {
  limits: Partial<Limits>;
  features: Record<FeatureName, boolean>;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const allFeatures: Plan['features'] = { hybridSearch: true, webhooks: true, export: true };

/**
 * The presets. A plan name without a preset (`custom`, or any other) has no limits and every
 * feature: its tenant's own limits are the only ones.
 */
export const planPresets: Readonly<Record<string, Plan>> = {
  starter: {
    limits: {
      users: 25,
      memories: 10_000,
      storageBytes: 100 * MiB,
      apiCallsPerDay: 50_000,
      tokensPerMonth: 5_000_000,
      requestsPerSecond: 20,
      burst: 40,
      concurrentRequests: 4,
      monthlyBudget: 50,
      knowledgeBases: 3,
      agents: 5,
      collections: 10,
      collectionDocumentBytes: 64 * 1024,
    },
    features: { hybridSearch: true, webhooks: false, export: true },
  },
  professional: {
    limits: {
      users: 500,
      memories: 1_000_000,
      storageBytes: 10 * GiB,
      apiCallsPerDay: 2_000_000,
      tokensPerMonth: 200_000_000,
      requestsPerSecond: 200,
      burst: 400,
      concurrentRequests: 16,
      monthlyBudget: 2_000,
      knowledgeBases: 100,
      agents: 100,
      collections: 500,
      collectionDocumentBytes: MiB,
    },
    features: allFeatures,
  },
  enterprise: {
    limits: { requestsPerSecond: 1_000, burst: 2_000, concurrentRequests: 64 },
    features: allFeatures,
  },
};

/** The limits in force: the plan's preset (from `plans`, else the built-in ones), then the tenant's overrides. */
export function effectiveLimits(plan: string, overrides: LimitOverrides, plans: Readonly<Record<string, Plan>> = planPresets): Limits {
  const preset = plans[plan]?.limits ?? {};
  const limits = {} as Limits;
  for (const name of limitNames) {
    const own = overrides[name];
    limits[name] = own === 'unlimited' ? null : (own ?? preset[name] ?? null);
  }
  return limits;
}

/** The features in force: the plan's, then the tenant's `settings.features`. */
export function effectiveFeatures(plan: string, settings: Record<string, unknown>, plans: Readonly<Record<string, Plan>> = planPresets) {
  const own = typeof settings.features === 'object' && settings.features !== null ? (settings.features as Record<string, unknown>) : {};
  const features = { ...(plans[plan]?.features ?? allFeatures) };
  for (const name of featureNames) if (typeof own[name] === 'boolean') features[name] = own[name] as boolean;
  return features;
}

// Counts are whole numbers; the budget is an amount of money.
const limitValue = (amount: z.ZodNumber) => z.union([amount.min(0).max(Number.MAX_SAFE_INTEGER), z.literal('unlimited'), z.null()]);

/** A limits patch: each named limit may be a number ≥ 0 (whole, except the budget), `unlimited`, or null (back to the plan's). */
export const limitOverridesSchema = z.strictObject(
  Object.fromEntries(
    limitNames.map((name) => [name, limitValue(name === 'monthlyBudget' ? z.number() : z.number().int()).optional()]),
  ) as Record<LimitName, z.ZodOptional<ReturnType<typeof limitValue>>>,
);
