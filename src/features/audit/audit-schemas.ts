import { z } from 'zod';
import { timestampSchema } from '../../core/entities.ts';
import { cursorSchema, dayOrTime, inputLimits, limitSchema, opaqueId } from '../../core/schemas.ts';

/** Input to `audit.list`: a day (`YYYY-MM-DD`, whole day) or an ISO time bounds the range. */
export const listAuditSchema = z.strictObject({
  tenantId: opaqueId.optional(),
  from: dayOrTime.optional(),
  to: dayOrTime.optional(),
  actor: opaqueId.optional(),
  action: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}\*?$/, 'must be an action name (memories.create) or a prefix (memories. or memories.*)')
    .optional(),
  outcome: z.enum(['ok', 'error']).optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** Input to `audit.verify`. */
export const verifyAuditSchema = z.strictObject({ tenantId: opaqueId.optional() });

export const auditEventSchema = z.strictObject({
  seq: z.number().int().positive(),
  at: timestampSchema,
  tenantId: z.string().nullable(),
  actorRole: z.string(),
  actorClient: z.string().nullable(),
  actorUser: z.string().nullable(),
  keyId: z.string().nullable(),
  action: z.string(),
  targetIds: z.array(z.string()),
  outcome: z.enum(['ok', 'error']),
  errorCode: z.string().nullable(),
  requestId: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
});

export const auditVerificationSchema = z.strictObject({
  chain: z.string(),
  entries: z.number().int(),
  ok: z.boolean(),
  firstBreak: z
    .strictObject({ seq: z.number().int(), reason: z.enum(['gap', 'previous_hash', 'hash', 'head']), detail: z.string() })
    .nullable(),
  headSeq: z.number().int(),
});
