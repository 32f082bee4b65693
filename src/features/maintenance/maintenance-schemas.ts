import { z } from 'zod';

/** Options of `maintenance.reembed` (besides the progress callback). */
export const reembedOptionsSchema = z.strictObject({ batchSize: z.number().int().min(1).max(10_000).optional() });
