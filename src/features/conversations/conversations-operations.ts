import { z } from 'zod';
import { contextResultSchema, conversationSchema, messageSchema, pageOf } from '../../core/entities.ts';
import { defineOperations } from '../../core/operation.ts';
import { body, idempotencyKey, idParam, query, route } from '../../core/operation-arguments.ts';
import {
  createConversationSchema,
  deleteConversationSchema,
  listConversationsSchema,
  listJobsSchema,
  listMessagesSchema,
  newMessageSchema,
  turnSchema,
  updateConversationSchema,
} from './conversations-schemas.ts';
import { extractionJobSchema } from './extraction-jobs.ts';

const addedMessagesSchema = z.strictObject({
  conversationId: z.string(),
  messages: z.array(messageSchema),
  extraction: z.strictObject({ status: z.enum(['off', 'queued']), jobId: z.uuid().nullable() }),
});

/** The conversations operations. */
export const conversationsOperations = defineOperations(
  'conversations',
  'conversations',
  {},
  {
    create: {
      summary: "Start a conversation (the caller's user's, or the tenant's)",
      http: route('POST', '/v1/conversations', [body], { status: 201, body: createConversationSchema }),
      response: conversationSchema,
    },
    list: {
      summary: 'List visible conversations, newest first',
      http: route('GET', '/v1/conversations', [query], { query: listConversationsSchema }),
      response: pageOf(conversationSchema),
    },
    get: { summary: 'Get a conversation', http: route('GET', '/v1/conversations/{id}', [idParam()]), response: conversationSchema },
    update: {
      summary: 'Update a conversation (title, agent, metadata, status)',
      http: route('PATCH', '/v1/conversations/{id}', [idParam(), body], { body: updateConversationSchema }),
      response: conversationSchema,
    },
    delete: {
      summary: 'Delete a conversation with its messages (and what was extracted from it unless keepMemories=true)',
      http: route('DELETE', '/v1/conversations/{id}', [idParam(), query], { query: deleteConversationSchema }),
      response: z.strictObject({ id: z.string(), deleted: z.literal(true), messages: z.number().int(), memories: z.number().int() }),
      telemetryName: 'delete_memory',
    },
    addMessages: {
      summary: 'Append up to 100 messages, in order, atomically',
      http: route('POST', '/v1/conversations/{id}/messages', [idParam(), { in: 'body', field: 'messages' }, idempotencyKey], {
        status: 201,
        body: z.strictObject({ messages: z.array(newMessageSchema) }),
      }),
      response: addedMessagesSchema,
      telemetryName: 'create_memory',
    },
    messages: {
      summary: "A conversation's messages, oldest first (or the last few)",
      http: route('GET', '/v1/conversations/{id}/messages', [idParam(), query], { query: listMessagesSchema }),
      response: pageOf(messageSchema),
    },
    listJobs: {
      summary: 'List extraction jobs of visible conversations, newest first',
      http: route('GET', '/v1/extraction-jobs', [query], { query: listJobsSchema }),
      response: pageOf(extractionJobSchema),
    },
    getJob: {
      summary: 'Get an extraction job',
      http: route('GET', '/v1/extraction-jobs/{id}', [idParam()]),
      response: extractionJobSchema,
    },
    turn: {
      summary: "Store the user's message (and the previous reply) and return the context for it",
      http: route('POST', '/v1/conversations/{id}/turn', [idParam(), body, idempotencyKey], { body: turnSchema }),
      response: addedMessagesSchema.extend({ context: contextResultSchema }),
      telemetryName: 'search_memory',
    },
  },
);
