import { z } from 'zod';
import { searchModeSchema } from '../../core/entities.ts';
import {
  changesSomething,
  cursorSchema,
  documentType,
  filterSchema,
  inputLimits,
  limitSchema,
  metadataSchema,
  uuidText,
  wellFormedText,
} from '../../core/schemas.ts';
import { scopes } from '../../core/scope.ts';

const name = wellFormedText('name').min(1, 'must not be empty').max(200);
const description = wellFormedText('description').max(2_000);

/** How many documents one call may add. */
export const documentBatchLimit = 100;
/** How many knowledge bases one search may read. */
export const searchedKnowledgeBasesLimit = 20;

/**
 * A document's own id: 1-255 printable ASCII characters without spaces (paths such as
 * `guides/setup.md` welcome), but not `.` or `..`: a URL resolves those as path segments, so the
 * document could never be read or deleted by its route.
 */
export const documentIdSchema = z
  .string()
  .regex(/^(?!\.\.?$)[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters, no spaces, and not . or ..');

/** The ids of knowledge bases to read. */
export const knowledgeBaseIdsSchema = z.array(uuidText).min(1).max(searchedKnowledgeBasesLimit);

/** Input to `knowledgeBases.create`. */
export const createKnowledgeBaseSchema = z.strictObject({
  name,
  description: description.optional(),
  /**
   * Who owns it: `customer` (the caller's tenant; the default for a tenant's caller), `client`
   * (readable by all the client's tenants; a client admin's) or `world` (readable by everyone; the operator's).
   */
  scope: z.enum(['customer', 'client', 'world']).optional(),
  metadata: metadataSchema.optional(),
});

/** Input to `knowledgeBases.update`. */
export const updateKnowledgeBaseSchema = z
  .strictObject({ name: name.optional(), description: description.nullable().optional(), metadata: metadataSchema.optional() })
  .refine(changesSomething, 'must change at least one field');

/** Input to `knowledgeBases.list`: every readable knowledge base, or those of one scope. */
export const listKnowledgeBasesSchema = z.strictObject({
  scope: z.enum(['customer', 'client', 'world']).optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** One document to add; a document id already in the knowledge base is replaced, chunks and all. */
export const newDocumentSchema = z.strictObject({
  /** The document's id (a path or an id from your own system); default a new UUID. */
  id: documentIdSchema.optional(),
  title: wellFormedText('title').min(1, 'must not be empty').max(500).optional(),
  content: wellFormedText('content').min(1, 'must not be empty').max(inputLimits.contentLength),
  /** `markdown` chunks at headings first, then paragraphs; `text` (the default) at paragraphs and sentences. */
  contentType: z.enum(['text', 'markdown']).optional(),
  documentType: documentType.optional(),
  metadata: metadataSchema.optional(),
});

/** Input to `knowledgeBases.addDocuments`. */
export const addDocumentsSchema = z
  .array(newDocumentSchema)
  .min(1, 'must hold at least one document')
  .max(documentBatchLimit, `must hold at most ${documentBatchLimit} documents`);

/** Input to `knowledgeBases.listDocuments`. */
export const listDocumentsSchema = z.strictObject({
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

const searchFields = {
  query: wellFormedText('query').min(1, 'must not be empty').max(inputLimits.queryLength),
  mode: searchModeSchema.optional(),
  limit: limitSchema(inputLimits.searchLimit).optional(),
  documentType: documentType.optional(),
  filter: filterSchema.optional(),
};

/** Input to `knowledgeBases.search` (one knowledge base, named by the route). */
export const searchKnowledgeBaseSchema = z.strictObject(searchFields);

/** Input to `knowledgeBases.searchMany`. */
export const searchKnowledgeBasesSchema = z.strictObject({ ...searchFields, knowledgeBaseIds: knowledgeBaseIdsSchema });

/** A knowledge base's owner scope. */
export const knowledgeBaseScopeSchema = z.enum(scopes.filter((scope) => scope !== 'user') as ['world', 'client', 'customer']);

/** Input to `knowledgeBases.create`. */
export type CreateKnowledgeBaseInput = z.input<typeof createKnowledgeBaseSchema>;
/** Input to `knowledgeBases.update`. */
export type UpdateKnowledgeBaseInput = z.input<typeof updateKnowledgeBaseSchema>;
/** Input to `knowledgeBases.list`. */
export type ListKnowledgeBasesQuery = z.input<typeof listKnowledgeBasesSchema>;
/** One document for `knowledgeBases.addDocuments`. */
export type NewDocument = z.input<typeof newDocumentSchema>;
/** Input to `knowledgeBases.listDocuments`. */
export type ListDocumentsQuery = z.input<typeof listDocumentsSchema>;
/** Input to `knowledgeBases.search`. */
export type SearchKnowledgeBaseQuery = z.input<typeof searchKnowledgeBaseSchema>;
/** Input to `knowledgeBases.searchMany`. */
export type SearchKnowledgeBasesQuery = z.input<typeof searchKnowledgeBasesSchema>;
