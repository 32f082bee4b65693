import { z } from 'zod';
import { createdMemorySchema, memorySchema, memoryVersionSchema, pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idempotencyKey, idParam, query } from '../../core/operation-arguments.ts';
import { opaqueId } from '../../core/schemas.ts';
import { createMemorySchema, erasureSchema, listMemoriesSchema, updateMemorySchema } from './memories-schemas.ts';

/** The memories operations. */
export const memoriesOperations = defineOperations('memories', 'memories', {
  create: {
    summary: 'Store a memory or document',
    http: { method: 'POST', path: '/v1/memories', args: [body, idempotencyKey], status: 201, body: createMemorySchema },
    response: createdMemorySchema,
    telemetryName: 'create_memory',
  },
  createMany: {
    summary: 'Store up to 500 memories atomically',
    http: {
      method: 'POST',
      path: '/v1/memories/batch',
      args: [{ in: 'body', field: 'items' }, idempotencyKey],
      status: 201,
      body: z.strictObject({ items: z.array(createMemorySchema) }),
    },
    response: z.array(createdMemorySchema),
    telemetryName: 'create_memory',
  },
  list: {
    summary: 'List visible memories, newest first',
    http: { method: 'GET', path: '/v1/memories', args: [query], status: 200, query: listMemoriesSchema },
    response: pageOf(memorySchema),
  },
  deleteAllForUser: {
    summary: 'Erase every memory of a user (query userId; a user key erases its own)',
    http: {
      method: 'DELETE',
      path: '/v1/memories',
      args: [{ in: 'query', field: 'userId' }],
      status: 200,
      query: z.strictObject({ userId: opaqueId.optional() }),
    },
    response: erasureSchema,
    permission: 'memories.erase',
    telemetryName: 'delete_memory',
  },
  get: {
    summary: 'Get a memory',
    http: { method: 'GET', path: '/v1/memories/{id}', args: [idParam()], status: 200 },
    response: memorySchema,
  },
  update: {
    summary: 'Update a memory (history is kept)',
    http: { method: 'PATCH', path: '/v1/memories/{id}', args: [idParam(), body], status: 200, body: updateMemorySchema },
    response: memorySchema,
    telemetryName: 'update_memory',
  },
  delete: {
    summary: 'Delete a memory',
    http: { method: 'DELETE', path: '/v1/memories/{id}', args: [idParam()], status: 200 },
    response: z.strictObject({ id: z.uuid(), deleted: z.literal(true) }),
    telemetryName: 'delete_memory',
  },
  history: {
    summary: "A memory's previous versions",
    http: { method: 'GET', path: '/v1/memories/{id}/history', args: [idParam()], status: 200 },
    response: z.array(memoryVersionSchema),
  },
});
