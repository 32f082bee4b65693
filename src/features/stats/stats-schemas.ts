import { z } from 'zod';
import { opaqueId } from '../../core/schemas.ts';

/** Input to `stats.get`: a tenant admin reads its own tenant; the operator and client admins name one. */
export const statsQuerySchema = z.strictObject({ tenantId: opaqueId.optional() });

const count = z.number().int().min(0);

/** One document type's share of a tenant's content. */
export const documentTypeStatsSchema = z.strictObject({
  documentType: z.string(),
  /** Memories and documents (what a listing shows), chunks not counted. */
  items: count,
  /** Of those, documents long enough to be split into chunks. */
  documents: count,
  /** Searchable chunks of those documents. */
  chunks: count,
  /** UTF-8 bytes of the items' content. */
  bytes: count,
});

/** What `stats.get` answers: a tenant's counts, from its rows as they stand (expired rows not counted). */
export const tenantStatsSchema = z.strictObject({
  tenantId: z.string(),
  items: count,
  documents: count,
  chunks: count,
  users: count,
  /** The storage the quota counts (the tenant's usage counter). */
  storageBytes: count,
  byDocumentType: z.array(documentTypeStatsSchema),
  byScope: z.strictObject({ customer: count, user: count }),
});

/** Input to `stats.get`. */
export type StatsQuery = z.input<typeof statsQuerySchema>;
/** A tenant's statistics. */
export type TenantStats = z.infer<typeof tenantStatsSchema>;
/** One document type's statistics. */
export type DocumentTypeStats = z.infer<typeof documentTypeStatsSchema>;
