import { defineFeature } from '../../kernel/feature-module.ts';
import { createUsersApi } from './users-api.ts';
import { usersOperations } from './users-operations.ts';

// The users feature's public face: what other features, the composition root and the surfaces may import.
export { createUsersApi, type UserErasureReport, type UsersApi } from './users-api.ts';
export { usersOperations };

/** The users feature, for the registry. */
export const usersFeature = defineFeature({ operations: usersOperations, create: (engine, bound) => createUsersApi(engine, bound) });
