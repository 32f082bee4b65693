import { z } from 'zod';
import { knowledgeBaseDocumentSchema, knowledgeBaseSchema, pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query, route } from '../../core/operation-arguments.ts';
import { searchResultSchema } from '../search/index.ts';
import {
  createKnowledgeBaseSchema,
  listDocumentsSchema,
  listKnowledgeBasesSchema,
  newDocumentSchema,
  searchKnowledgeBaseSchema,
  searchKnowledgeBasesSchema,
  updateKnowledgeBaseSchema,
} from './knowledge-bases-schemas.ts';

const documentPath = '/v1/knowledge-bases/{id}/documents/{documentId}';

/** The knowledge-bases operations. */
export const knowledgeBasesOperations = defineOperations(
  'knowledgeBases',
  'knowledge bases',
  {},
  {
    create: {
      summary: "Create a knowledge base: the tenant's own, a client's (shared with its tenants) or everyone's",
      http: route('POST', '/v1/knowledge-bases', [body], { status: 201, body: createKnowledgeBaseSchema }),
      response: knowledgeBaseSchema,
      permission: 'knowledge-bases.manage',
      telemetryName: 'create_memory_store',
    },
    list: {
      summary: 'List readable knowledge bases (own and shared), newest first',
      http: route('GET', '/v1/knowledge-bases', [query], { query: listKnowledgeBasesSchema }),
      response: pageOf(knowledgeBaseSchema),
    },
    get: { summary: 'Get a knowledge base', http: route('GET', '/v1/knowledge-bases/{id}', [idParam()]), response: knowledgeBaseSchema },
    update: {
      summary: 'Rename or re-describe a knowledge base',
      http: route('PATCH', '/v1/knowledge-bases/{id}', [idParam(), body], { body: updateKnowledgeBaseSchema }),
      response: knowledgeBaseSchema,
      permission: 'knowledge-bases.manage',
    },
    delete: {
      summary: 'Delete a knowledge base with its documents and chunks',
      http: route('DELETE', '/v1/knowledge-bases/{id}', [idParam()]),
      response: z.strictObject({ id: z.uuid(), deleted: z.literal(true), documents: z.number().int(), chunks: z.number().int() }),
      permission: 'knowledge-bases.manage',
      telemetryName: 'delete_memory_store',
    },
    addDocuments: {
      summary: 'Add up to 100 documents (a document id already there is replaced with its chunks, atomically)',
      http: route('POST', '/v1/knowledge-bases/{id}/documents', [idParam(), { in: 'body', field: 'documents' }], {
        status: 201,
        body: z.strictObject({ documents: z.array(newDocumentSchema) }),
      }),
      response: z.strictObject({
        knowledgeBaseId: z.uuid(),
        documents: z.array(z.strictObject({ id: z.string(), memoryId: z.uuid(), chunkCount: z.number().int(), replaced: z.boolean() })),
      }),
      telemetryName: 'create_memory',
    },
    listDocuments: {
      summary: "A knowledge base's documents (without their text), by id",
      http: route('GET', '/v1/knowledge-bases/{id}/documents', [idParam(), query], { query: listDocumentsSchema }),
      response: pageOf(knowledgeBaseDocumentSchema),
    },
    getDocument: {
      summary: 'Get a document with its text',
      http: route('GET', documentPath, [idParam(), idParam('documentId')]),
      response: knowledgeBaseDocumentSchema,
    },
    deleteDocument: {
      summary: 'Delete a document and its chunks',
      http: route('DELETE', documentPath, [idParam(), idParam('documentId')]),
      response: z.strictObject({ id: z.string(), knowledgeBaseId: z.uuid(), deleted: z.literal(true), chunks: z.number().int() }),
      telemetryName: 'delete_memory',
    },
    search: {
      summary: "Search a knowledge base's documents (vector, keyword or hybrid; filters on their metadata)",
      http: route('POST', '/v1/knowledge-bases/{id}/search', [idParam(), body], { body: searchKnowledgeBaseSchema }),
      response: searchResultSchema,
      telemetryName: 'search_memory',
    },
    searchMany: {
      summary: 'Search several readable knowledge bases at once',
      http: route('POST', '/v1/knowledge-bases/search', [body], { body: searchKnowledgeBasesSchema }),
      response: searchResultSchema,
      telemetryName: 'search_memory',
    },
  },
);
