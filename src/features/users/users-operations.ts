import { pageOf, userSchema } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query, route } from '../../core/operation-arguments.ts';
import { pageSchema } from '../../core/schemas.ts';
import { createUserSchema, updateUserSchema, userErasureSchema } from './users-schemas.ts';

/** The users operations. */
export const usersOperations = defineOperations(
  'users',
  'users',
  { permission: 'users.manage' },
  {
    create: {
      summary: 'Create a user',
      http: route('POST', '/v1/users', [body], { status: 201, body: createUserSchema }),
      response: userSchema,
    },
    list: {
      summary: 'List users',
      http: route('GET', '/v1/users', [query], { query: pageSchema.omit({ clientId: true }) }),
      response: pageOf(userSchema),
    },
    // A user may read its own account: the feature checks users.manage when another is named.
    get: { summary: 'Get a user', http: route('GET', '/v1/users/{id}', [idParam()]), response: userSchema, permission: undefined },
    update: {
      summary: 'Update a user',
      http: route('PATCH', '/v1/users/{id}', [idParam(), body], { body: updateUserSchema }),
      response: userSchema,
    },
    delete: {
      summary: 'Delete a user and erase its memories',
      http: route('DELETE', '/v1/users/{id}', [idParam()]),
      response: userErasureSchema,
      telemetryName: 'delete_memory',
    },
  },
);
