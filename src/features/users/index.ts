import { defineFeature } from '../../kernel/feature-module.ts';
import { createUsersApi } from './users-api.ts';
import { usersOperations } from './users-operations.ts';

// The users feature's public face: what other features, the composition root and the surfaces may import.
export type { UserErasureReport, UsersApi } from './users-api.ts';

/** The users feature, for the registry. */
export const usersFeature = defineFeature({ operations: usersOperations, create: createUsersApi });
