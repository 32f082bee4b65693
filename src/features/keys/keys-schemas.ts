import { z } from 'zod';
import { apiKeyKinds } from '../../core/api-key.ts';
import { timestampSchema } from '../../core/entities.ts';
import { cursorSchema, inputLimits, isoTimestamp, limitSchema, opaqueId } from '../../core/schemas.ts';
import { roles } from '../../core/scope.ts';

/** Input to `keys.create`. */
export const createApiKeySchema = z
  .strictObject({
    role: z.enum(roles).optional(),
    tenantId: opaqueId.optional(),
    userId: opaqueId.optional(),
    clientId: opaqueId.optional(),
    name: z.string().max(255).optional(),
    expiresAt: isoTimestamp.optional(),
    ttlSeconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86_400)
      .optional(),
  })
  .refine((input) => input.expiresAt === undefined || input.ttlSeconds === undefined, 'give expiresAt or ttlSeconds, not both');

/** Input to `keys.list`. */
export const listApiKeysSchema = z.strictObject({
  tenantId: opaqueId.optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** Options of `keys.rotate`. */
export const rotateApiKeySchema = z.strictObject({
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional(),
});

/** Options of `keys.register`. */
export const registerApiKeySchema = z.strictObject({ name: z.string().max(255).optional() });

export const apiKeySchema = z.strictObject({
  id: z.uuid(),
  kind: z.enum(apiKeyKinds),
  prefix: z.string(),
  name: z.string().nullable(),
  clientId: z.string().nullable(),
  tenantId: z.string().nullable(),
  userId: z.string().nullable(),
  role: z.enum(roles),
  createdAt: timestampSchema,
  expiresAt: timestampSchema.nullable(),
  revokedAt: timestampSchema.nullable(),
});

export const createdKeySchema = z.strictObject({ key: apiKeySchema, secret: z.string() });
