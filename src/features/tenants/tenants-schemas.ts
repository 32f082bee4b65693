import { z } from 'zod';
import { limitOverridesSchema } from '../../core/plans.ts';
import { changesSomething, jsonObject, metadataSchema, opaqueId, timestampSchema } from '../../core/schemas.ts';

const settingsSchema = metadataSchema;

/** Input to `tenants.create`. */
export const createTenantSchema = z.strictObject({
  id: opaqueId,
  clientId: opaqueId.optional(),
  name: z.string().max(255).optional(),
  plan: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/)
    .optional(),
  settings: settingsSchema.optional(),
  limits: limitOverridesSchema.optional(),
});

/** Input to `tenants.update`. */
export const updateTenantSchema = z
  .strictObject({
    name: z.string().max(255).nullable().optional(),
    plan: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}$/)
      .optional(),
    settings: settingsSchema.optional(),
    limits: limitOverridesSchema.optional(),
    status: z.enum(['active', 'suspended']).optional(),
  })
  .refine(changesSomething, 'must change at least one field');

export const tenantSchema = z.strictObject({
  id: z.string(),
  clientId: z.string(),
  name: z.string().nullable(),
  plan: z.string(),
  status: z.enum(['active', 'suspended', 'offboarding', 'deleted']),
  limits: z.record(z.string(), z.number().nullable()),
  limitOverrides: z.record(z.string(), z.union([z.number(), z.literal('unlimited')])),
  features: z.record(z.string(), z.boolean()),
  settings: jsonObject,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

export const tenantDeletionSchema = z.strictObject({
  tenantId: z.string(),
  status: z.literal('deleted'),
  deleted: z.record(z.string(), z.number().int()),
  keysRevoked: z.number().int(),
});
