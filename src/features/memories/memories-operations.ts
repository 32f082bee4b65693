import { z } from 'zod';
import { createdMemorySchema, memorySchema, memoryVersionSchema, pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idempotencyKey, idParam, query, route } from '../../core/operation-arguments.ts';
import { opaqueId } from '../../core/schemas.ts';
import { createMemorySchema, erasureSchema, listMemoriesSchema, updateMemorySchema } from './memories-schemas.ts';

/** The memories operations. */
export const memoriesOperations = defineOperations(
  'memories',
  'memories',
  {},
  {
    create: {
      summary: 'Store a memory or document',
      http: route('POST', '/v1/memories', [body, idempotencyKey], { status: 201, body: createMemorySchema }),
      response: createdMemorySchema,
      telemetryName: 'create_memory',
    },
    createMany: {
      summary: 'Store up to 500 memories atomically',
      http: route('POST', '/v1/memories/batch', [{ in: 'body', field: 'items' }, idempotencyKey], {
        status: 201,
        body: z.strictObject({ items: z.array(createMemorySchema) }),
      }),
      response: z.array(createdMemorySchema),
      telemetryName: 'create_memory',
    },
    list: {
      summary: 'List visible memories, newest first',
      http: route('GET', '/v1/memories', [query], { query: listMemoriesSchema }),
      response: pageOf(memorySchema),
    },
    deleteAllForUser: {
      summary: 'Erase every memory of a user (query userId; a user key erases its own)',
      http: route('DELETE', '/v1/memories', [{ in: 'query', field: 'userId' }], { query: z.strictObject({ userId: opaqueId.optional() }) }),
      response: erasureSchema,
      permission: 'memories.erase',
      telemetryName: 'delete_memory',
    },
    get: { summary: 'Get a memory', http: route('GET', '/v1/memories/{id}', [idParam()]), response: memorySchema },
    update: {
      summary: 'Update a memory (history is kept)',
      http: route('PATCH', '/v1/memories/{id}', [idParam(), body], { body: updateMemorySchema }),
      response: memorySchema,
      telemetryName: 'update_memory',
    },
    delete: {
      summary: 'Delete a memory',
      http: route('DELETE', '/v1/memories/{id}', [idParam()]),
      response: z.strictObject({ id: z.uuid(), deleted: z.literal(true) }),
      telemetryName: 'delete_memory',
    },
    history: {
      summary: "A memory's previous versions",
      http: route('GET', '/v1/memories/{id}/history', [idParam()]),
      response: z.array(memoryVersionSchema),
    },
  },
);
