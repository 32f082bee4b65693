import { pageOf, userSchema } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query } from '../../core/operation-arguments.ts';
import { pageSchema } from '../../core/schemas.ts';
import { createUserSchema, updateUserSchema, userErasureSchema } from './users-schemas.ts';

/** The users operations. */
export const usersOperations = defineOperations('users', 'users', {
  create: {
    summary: 'Create a user',
    http: { method: 'POST', path: '/v1/users', args: [body], status: 201, body: createUserSchema },
    response: userSchema,
    permission: 'users.manage',
  },
  list: {
    summary: 'List users',
    http: { method: 'GET', path: '/v1/users', args: [query], status: 200, query: pageSchema.omit({ clientId: true }) },
    response: pageOf(userSchema),
    permission: 'users.manage',
  },
  get: {
    summary: 'Get a user',
    http: { method: 'GET', path: '/v1/users/{id}', args: [idParam()], status: 200 },
    response: userSchema,
  },
  update: {
    summary: 'Update a user',
    http: { method: 'PATCH', path: '/v1/users/{id}', args: [idParam(), body], status: 200, body: updateUserSchema },
    response: userSchema,
    permission: 'users.manage',
  },
  delete: {
    summary: 'Delete a user and erase its memories',
    http: { method: 'DELETE', path: '/v1/users/{id}', args: [idParam()], status: 200 },
    response: userErasureSchema,
    permission: 'users.manage',
    telemetryName: 'delete_memory',
  },
});
