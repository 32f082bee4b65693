import { defineFeature } from '../../kernel/feature-module.ts';
import { createAgentsApi } from './agents-api.ts';
import { agentsOperations } from './agents-operations.ts';

// The agents feature's public face: what other features, the composition root and the surfaces may import.
export type { AgentDeletion, AgentsApi } from './agents-api.ts';
export type { CreateAgentInput, ListAgentsQuery, UpdateAgentInput } from './agents-schemas.ts';

/** The agents feature, for the registry. */
export const agentsFeature = defineFeature({ operations: agentsOperations, create: createAgentsApi });
