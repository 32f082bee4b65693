import { z } from 'zod';
import { agentSchema, pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idParam, query, route } from '../../core/operation-arguments.ts';
import { createAgentSchema, listAgentsSchema, updateAgentSchema } from './agents-schemas.ts';

/** The agents operations. */
export const agentsOperations = defineOperations(
  'agents',
  'agents',
  {},
  {
    create: {
      summary: 'Register an agent: name, model, system prompt, the knowledge bases it reads',
      http: route('POST', '/v1/agents', [body], { status: 201, body: createAgentSchema }),
      response: agentSchema,
      permission: 'agents.manage',
    },
    list: {
      summary: "The tenant's agents, by id",
      http: route('GET', '/v1/agents', [query], { query: listAgentsSchema }),
      response: pageOf(agentSchema),
    },
    get: { summary: 'Get an agent', http: route('GET', '/v1/agents/{id}', [idParam()]), response: agentSchema },
    update: {
      summary: 'Change an agent (null clears a field; knowledgeBaseIds replaces the attachments)',
      http: route('PATCH', '/v1/agents/{id}', [idParam(), body], { body: updateAgentSchema }),
      response: agentSchema,
      permission: 'agents.manage',
    },
    delete: {
      summary: 'Remove an agent from the registry',
      http: route('DELETE', '/v1/agents/{id}', [idParam()]),
      response: z.strictObject({ id: z.string(), deleted: z.literal(true) }),
      permission: 'agents.manage',
    },
  },
);
