import { z } from 'zod';
import { changesSomething, metadataSchema, opaqueId, userRole } from '../../core/schemas.ts';
import { erasureSchema } from '../memories/index.ts';

/** Input to `users.create`. */
export const createUserSchema = z.strictObject({
  id: opaqueId,
  role: userRole.optional(),
  metadata: metadataSchema.optional(),
});

/** Input to `users.update`. */
export const updateUserSchema = z
  .strictObject({ role: userRole.optional(), metadata: metadataSchema.optional() })
  .refine(changesSomething, 'must change at least one field');

export const userErasureSchema = erasureSchema.extend({ keys: z.number().int() });
