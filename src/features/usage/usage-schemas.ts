import { z } from 'zod';
import { daySchema, opaqueId } from '../../core/schemas.ts';

/** Input to `usage.report`. */
export const usageReportSchema = z.strictObject({
  from: daySchema.optional(),
  to: daySchema.optional(),
  tenantId: opaqueId.optional(),
});

const usageTotals = {
  calls: z.number().int(),
  errors: z.number().int(),
  embeddingTokens: z.number().int(),
  /** Prompt tokens sent to LLMs. */
  llmInputTokens: z.number().int(),
  /** Tokens LLMs generated. */
  llmOutputTokens: z.number().int(),
  /** `llmInputTokens + llmOutputTokens`. */
  llmTokens: z.number().int(),
  estimatedCost: z.number(),
};

const reportDay = z.iso.date();

/** What `usage.report` answers. */
export const usageReportResponseSchema = z.strictObject({
  tenantId: z.string(),
  from: reportDay,
  to: reportDay,
  currency: z.literal('USD'),
  totals: z.strictObject({ ...usageTotals, unpricedModels: z.array(z.string()) }),
  byDay: z.array(
    z.strictObject({ day: reportDay, ...usageTotals, storageBytes: z.number().int().nullable(), memories: z.number().int().nullable() }),
  ),
  byOperation: z.array(z.strictObject({ operation: z.string(), ...usageTotals })),
  byModel: z.array(z.strictObject({ model: z.string(), ...usageTotals })),
  current: z.strictObject({ memories: z.number().int(), storageBytes: z.number().int(), users: z.number().int() }),
  limits: z.record(z.string(), z.number().nullable()).optional(),
});
