import { defineFeature } from '../../kernel/feature-module.ts';
import { createKnowledgeBasesApi } from './knowledge-bases-api.ts';
import { knowledgeBasesOperations } from './knowledge-bases-operations.ts';

// The knowledge-bases feature's public face: what other features, the composition root and the surfaces may import.
export type { AddedDocuments, DocumentDeletion, KnowledgeBaseDeletion, KnowledgeBasesApi } from './knowledge-bases-api.ts';
export type {
  CreateKnowledgeBaseInput,
  ListDocumentsQuery,
  ListKnowledgeBasesQuery,
  NewDocument,
  SearchKnowledgeBaseQuery,
  SearchKnowledgeBasesQuery,
  UpdateKnowledgeBaseInput,
} from './knowledge-bases-schemas.ts';

/** The knowledge-bases feature, for the registry. */
export const knowledgeBasesFeature = defineFeature({ operations: knowledgeBasesOperations, create: createKnowledgeBasesApi });
