import { z } from 'zod';
import {
  changesSomething,
  cursorSchema,
  inputLimits,
  limitSchema,
  metadataSchema,
  modelName,
  opaqueId,
  uuidText,
  wellFormedText,
} from '../../core/schemas.ts';

const name = wellFormedText('name').min(1, 'must not be empty').max(200);
const description = wellFormedText('description').max(2_000);
const systemPrompt = wellFormedText('systemPrompt').max(100_000);
/** At most 20 knowledge bases per agent (a search reads at most 20). */
const knowledgeBaseIds = z.array(uuidText).max(20);

/** Input to `agents.create`. */
export const createAgentSchema = z.strictObject({
  /** The id to give it (the `agentId` its conversations and memories carry); default a new UUID. */
  id: opaqueId.optional(),
  name,
  description: description.optional(),
  /** A model from the deployment's allowed models. */
  model: modelName.optional(),
  systemPrompt: systemPrompt.optional(),
  /** Knowledge bases its context fetches and turns search: the tenant's own or shared ones it can read. */
  knowledgeBaseIds: knowledgeBaseIds.optional(),
  /** Free-form settings for your own runtime (temperature, tools, ...); the same limits as metadata. */
  settings: metadataSchema.optional(),
  metadata: metadataSchema.optional(),
});

/** Input to `agents.update`; null clears a field. */
export const updateAgentSchema = z
  .strictObject({
    name: name.optional(),
    description: description.nullable().optional(),
    model: modelName.nullable().optional(),
    systemPrompt: systemPrompt.nullable().optional(),
    knowledgeBaseIds: knowledgeBaseIds.optional(),
    settings: metadataSchema.optional(),
    metadata: metadataSchema.optional(),
  })
  .refine(changesSomething, 'must change at least one field');

/** Input to `agents.list`. */
export const listAgentsSchema = z.strictObject({
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** Input to `agents.create`. */
export type CreateAgentInput = z.input<typeof createAgentSchema>;
/** Input to `agents.update`. */
export type UpdateAgentInput = z.input<typeof updateAgentSchema>;
/** Input to `agents.list`. */
export type ListAgentsQuery = z.input<typeof listAgentsSchema>;
