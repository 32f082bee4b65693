import { z } from 'zod';
import { limitOverridesSchema } from '../../core/plans.ts';
import { changesSomething, metadataSchema, opaqueId } from '../../core/schemas.ts';

const settingsSchema = metadataSchema;

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
    settings: settingsSchema.optional(),
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
