import { defineFeature } from '../../kernel/feature-module.ts';
import { createCollectionsApi } from './collections-api.ts';
import { collectionsOperations } from './collections-operations.ts';

export type { CollectionDeletion, CollectionDocumentDeletion, CollectionsApi } from './collections-api.ts';
export type {
  CreateCollectionInput,
  FindDocumentsQuery,
  ListCollectionsQuery,
  NewCollectionDocument,
  PatchDocumentInput,
  ReplaceDocumentInput,
  UpdateCollectionInput,
} from './collections-schemas.ts';
export { collectionIndexesSchema, collectionNameSchema } from './collections-schemas.ts';
// The collections feature's public face: what other features, the composition root and the surfaces may import.
export { documentKeys, keyColumns } from './collections-sql.ts';

/** The collections feature, for the registry. */
export const collectionsFeature = defineFeature({ operations: collectionsOperations, create: createCollectionsApi });
