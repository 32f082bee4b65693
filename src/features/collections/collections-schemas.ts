import { z } from 'zod';
import {
  changesSomething,
  cursorSchema,
  documentBodySchema,
  filterSchema,
  inputLimits,
  limitSchema,
  opaqueId,
  wellFormedText,
} from '../../core/schemas.ts';

/** How many fields one collection may index (one key column each). */
export const indexedFieldsLimit = 4;
/** How many documents one `insertMany` may write. */
export const documentBatchLimit = 100;
/** The longest position a find cursor holds. */
export const findCursorLength = 2_048;
/** Segments in one field path. */
const pathDepth = 16;

/** A collection's name: it appears in URLs, so letters, digits and `_ . -`, starting with a letter or digit. */
export const collectionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits and _ . - starting with a letter or digit');

/**
 * A field path: keys joined by dots (`customer.address.city`; a digit segment also indexes an
 * array, `items.0.sku`). Keys holding a dot cannot be addressed; keys starting with `$` are reserved.
 */
export const fieldPathSchema = wellFormedText('field')
  .min(1, 'must not be empty')
  .max(256)
  .refine((path) => path.split('.').every((segment) => segment.length > 0), 'must be keys joined by single dots (no empty key)')
  .refine((path) => path.split('.').length <= pathDepth, `at most ${pathDepth} keys deep`)
  .refine((path) => !path.startsWith('$'), 'keys starting with $ are reserved');

/** The dotted path as the key list `#>` takes. */
export const pathKeys = (path: string): string[] => path.split('.');

/** The fields a collection indexes: distinct paths, at most four. */
export const collectionIndexesSchema = z
  .array(fieldPathSchema)
  .max(indexedFieldsLimit, `at most ${indexedFieldsLimit} indexed fields`)
  .refine((paths) => new Set(paths).size === paths.length, 'names a field twice');
const description = wellFormedText('description').max(2_000);

/** Input to `collections.create`. */
export const createCollectionSchema = z.strictObject({
  name: collectionNameSchema,
  description: description.optional(),
  /** Fields to index, as dotted paths: `find` filters and sorts on them use an index. */
  indexes: collectionIndexesSchema.optional(),
});

/** Input to `collections.update`: `indexes` replaces the declared set (existing documents are re-keyed). */
export const updateCollectionSchema = z
  .strictObject({ description: description.nullable().optional(), indexes: collectionIndexesSchema.optional() })
  .refine(changesSomething, 'must change at least one field');

/** Input to `collections.list`. */
export const listCollectionsSchema = z.strictObject({
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** A new document: its id (default a new UUID) and body. */
export const newDocumentSchema = z.strictObject({ id: opaqueId.optional(), document: documentBodySchema });

/** Input to `collections.insertMany`. */
export const insertDocumentsSchema = z.array(newDocumentSchema).min(1).max(documentBatchLimit);

/** A version guard: the write applies only while the document is at this version. */
const ifVersion = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Input to `collections.replace`. */
export const replaceDocumentSchema = z.strictObject({ document: documentBodySchema, ifVersion: ifVersion.optional() });

/** Input to `collections.patch`: an RFC 7396 merge patch (null removes a key; objects merge; anything else replaces). */
export const patchDocumentSchema = z.strictObject({ patch: documentBodySchema, ifVersion: ifVersion.optional() });

/** Input to `collections.find`. */
export const findDocumentsSchema = z.strictObject({
  /** Conditions on document fields (dotted paths), the filter language of metadata filters. */
  filter: filterSchema.optional(),
  /** Order by one field (documents without it come last ascending, first descending), then by id; default by id. */
  sort: z.strictObject({ field: fieldPathSchema, order: z.enum(['asc', 'desc']).optional() }).optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  /** A find cursor carries the last sort value (an indexed value is at most 1 KiB): longer than other cursors. */
  cursor: z
    .string()
    .max(4 * findCursorLength)
    .optional(),
});

/** Input to `collections.create`. */
export type CreateCollectionInput = z.input<typeof createCollectionSchema>;
/** Input to `collections.update`. */
export type UpdateCollectionInput = z.input<typeof updateCollectionSchema>;
/** Input to `collections.list`. */
export type ListCollectionsQuery = z.input<typeof listCollectionsSchema>;
/** One document to insert. */
export type NewCollectionDocument = z.input<typeof newDocumentSchema>;
/** Input to `collections.replace`. */
export type ReplaceDocumentInput = z.input<typeof replaceDocumentSchema>;
/** Input to `collections.patch`. */
export type PatchDocumentInput = z.input<typeof patchDocumentSchema>;
/** Input to `collections.find`. */
export type FindDocumentsQuery = z.input<typeof findDocumentsSchema>;
