import { z } from 'zod';
import { timestampSchema } from '../../core/entities.ts';
import { limitOverridesSchema } from '../../core/plans.ts';
import { changesSomething, metadataSchema, modelName, opaqueId } from '../../core/schemas.ts';

/** How far extraction may change a tenant's memories on its own: not at all, only adding, or adding, updating and invalidating. */
export const extractionPolicies = ['off', 'add-only', 'full'] as const;

/** `settings.extraction`: the tenant's extraction policy and model (one of the deployment's allowed models). */
export const extractionSettingsSchema = z.strictObject({
  policy: z.enum(extractionPolicies).optional(),
  model: modelName.optional(),
});

// Settings stay free-form JSON within the metadata bounds; only `extraction` has a shape.
const settingsSchema = z.looseObject({ extraction: extractionSettingsSchema.optional() }).and(metadataSchema);
// An update may remove it with null (settings merge key by key; `extraction` is replaced whole).
const settingsPatchSchema = z.looseObject({ extraction: extractionSettingsSchema.nullable().optional() }).and(metadataSchema);

/** A plan's name: a preset (`free`, `pro`, ...) or any other lowercase name. */
const planName = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/);

/** Input to `tenants.create`. */
export const createTenantSchema = z.strictObject({
  id: opaqueId,
  clientId: opaqueId.optional(),
  name: z.string().max(255).optional(),
  plan: planName.optional(),
  settings: settingsSchema.optional(),
  limits: limitOverridesSchema.optional(),
});

/** Input to `tenants.update`. */
export const updateTenantSchema = z
  .strictObject({
    name: z.string().max(255).nullable().optional(),
    plan: planName.optional(),
    settings: settingsPatchSchema.optional(),
    limits: limitOverridesSchema.optional(),
    status: z.enum(['active', 'suspended']).optional(),
  })
  .refine(changesSomething, 'must change at least one field');

export const tenantDeletionSchema = z.strictObject({
  tenantId: z.string(),
  status: z.literal('deleted'),
  deleted: z.record(z.string(), z.number().int()),
  keysRevoked: z.number().int(),
});

/** Input to `tenants.setProviderKey`: the tenant's own key for the deployment's LLM server. */
export const providerKeyInputSchema = z.strictObject({
  apiKey: z
    .string()
    .min(8, 'must be at least 8 characters')
    .max(4096, 'must be at most 4096 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent as a bearer token)'),
});

/** Whether a tenant has its own provider key; never the key. */
export const providerKeyStatusSchema = z.strictObject({
  tenantId: z.string(),
  configured: z.boolean(),
  /** The key's last four characters (null for keys under 16 characters, and when none is set). */
  keyHint: z.string().nullable(),
  /** When the key was last set (null when none is set). */
  updatedAt: timestampSchema.nullable(),
});
