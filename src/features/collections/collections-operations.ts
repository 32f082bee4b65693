import { z } from 'zod';
import { collectionDocumentSchema, collectionSchema, pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query, route } from '../../core/operation-arguments.ts';
import {
  createCollectionSchema,
  findDocumentsSchema,
  insertDocumentsSchema,
  listCollectionsSchema,
  newDocumentSchema,
  patchDocumentSchema,
  replaceDocumentSchema,
  updateCollectionSchema,
} from './collections-schemas.ts';

const collectionPath = '/v1/collections/{name}';
const documentPath = `${collectionPath}/documents/{documentId}`;
const name = idParam('name');
const documentId = idParam('documentId');
const deleted = z.literal(true);

/** The collections operations. */
export const collectionsOperations = defineOperations(
  'collections',
  'collections',
  {},
  {
    create: {
      summary: 'Create a collection of JSON documents, declaring the fields to index',
      http: route('POST', '/v1/collections', [body], { status: 201, body: createCollectionSchema }),
      response: collectionSchema,
      permission: 'collections.manage',
    },
    list: {
      summary: "The tenant's collections, by name",
      http: route('GET', '/v1/collections', [query], { query: listCollectionsSchema }),
      response: pageOf(collectionSchema),
    },
    get: { summary: 'Get a collection with its counts', http: route('GET', collectionPath, [name]), response: collectionSchema },
    update: {
      summary: 'Re-describe a collection or replace its indexed fields (its documents are re-keyed)',
      http: route('PATCH', collectionPath, [name, body], { body: updateCollectionSchema }),
      response: collectionSchema,
      permission: 'collections.manage',
    },
    delete: {
      summary: 'Delete a collection with all its documents',
      http: route('DELETE', collectionPath, [name]),
      response: z.strictObject({ name: z.string(), deleted, documents: z.number().int() }),
      permission: 'collections.manage',
    },
    insert: {
      summary: 'Insert a document (an id already there is a conflict)',
      http: route('POST', `${collectionPath}/documents`, [name, body], { status: 201, body: newDocumentSchema }),
      response: collectionDocumentSchema,
    },
    insertMany: {
      summary: 'Insert up to 100 documents, all or none',
      http: route('POST', `${collectionPath}/documents/batch`, [name, { in: 'body', field: 'documents' }], {
        status: 201,
        body: z.strictObject({ documents: insertDocumentsSchema }),
      }),
      response: z.array(collectionDocumentSchema),
    },
    getDocument: { summary: 'Get a document', http: route('GET', documentPath, [name, documentId]), response: collectionDocumentSchema },
    replace: {
      summary: "Replace a document's body (ifVersion makes it conditional)",
      http: route('PUT', documentPath, [name, documentId, body], { body: replaceDocumentSchema }),
      response: collectionDocumentSchema,
    },
    patch: {
      summary: 'Merge a JSON merge patch (RFC 7396) into a document (ifVersion makes it conditional)',
      http: route('PATCH', documentPath, [name, documentId, body], { body: patchDocumentSchema }),
      response: collectionDocumentSchema,
    },
    deleteDocument: {
      summary: 'Delete a document',
      http: route('DELETE', documentPath, [name, documentId]),
      response: z.strictObject({ id: z.string(), collection: z.string(), deleted }),
    },
    find: {
      summary: 'Find documents with a filter on their fields, sorted by id or an indexed field, in cursor pages',
      http: route('POST', `${collectionPath}/find`, [name, body], { body: findDocumentsSchema }),
      response: pageOf(collectionDocumentSchema),
    },
  },
);
