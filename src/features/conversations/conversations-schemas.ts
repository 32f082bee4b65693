import { z } from 'zod';
import { messageRoles } from '../../core/entities.ts';
import {
  changesSomething,
  cursorSchema,
  inputLimits,
  isoTimestamp,
  limitSchema,
  metadataSchema,
  opaqueId,
  wellFormedText,
} from '../../core/schemas.ts';
import { contextSchema } from '../search/index.ts';

const title = wellFormedText('title').min(1, 'must not be empty').max(500);
const status = z.enum(['active', 'archived']);

/** How many messages one call may add. */
export const messageBatchLimit = 100;

/** Input to `conversations.create`. The conversation is the caller's user's, or the tenant's when the caller names no user. */
export const createConversationSchema = z.strictObject({
  /** The id to give it (an id from your own chat store, say); default a new UUID. */
  id: opaqueId.optional(),
  title: title.optional(),
  agentId: opaqueId.optional(),
  metadata: metadataSchema.optional(),
});

/** Input to `conversations.update`. */
export const updateConversationSchema = z
  .strictObject({
    title: title.nullable().optional(),
    agentId: opaqueId.nullable().optional(),
    metadata: metadataSchema.optional(),
    status: status.optional(),
  })
  .refine(changesSomething, 'must change at least one field');

/** Input to `conversations.list`. */
export const listConversationsSchema = z.strictObject({
  userId: opaqueId.optional(),
  agentId: opaqueId.optional(),
  status: status.optional(),
  createdAfter: isoTimestamp.optional(),
  createdBefore: isoTimestamp.optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** One message to add. */
export const newMessageSchema = z.strictObject({
  role: z.enum(messageRoles),
  /** Who spoke: a speaker's or a tool's name. */
  name: wellFormedText('name').min(1, 'must not be empty').max(200).optional(),
  content: wellFormedText('content').min(1, 'must not be empty').max(inputLimits.contentLength),
  metadata: metadataSchema.optional(),
  /** When it was said, if not now (importing a history); never in the future. */
  createdAt: isoTimestamp.optional(),
});

/** The messages of one `conversations.addMessages` call. */
export const messageBatchSchema = z
  .array(z.unknown())
  .min(1, 'must hold at least one message')
  .max(messageBatchLimit, `at most ${messageBatchLimit} messages`);

/** Input to `conversations.messages`. */
export const listMessagesSchema = z.strictObject({
  /** Continue after a page's `nextCursor` (oldest first). */
  cursor: cursorSchema.optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  /** Only the last `last` messages, oldest first (not with `cursor`). */
  last: z.number().int().min(1).max(inputLimits.listLimit).optional(),
});

/** Query of `conversations.delete`. */
export const deleteConversationSchema = z.strictObject({
  /** Keep the memories extracted from it (default false: they go with the conversation). */
  keepMemories: z.boolean().optional(),
});

const turnMessage = newMessageSchema.omit({ role: true });

/** Input to `conversations.turn`: a user message, the assistant's reply to the previous one, or both, and how to build the context. */
export const turnSchema = z
  .strictObject({
    /** The user's new message. */
    message: turnMessage.optional(),
    /** The assistant's reply to the previous message, stored before `message`. */
    reply: turnMessage.optional(),
    ...contextSchema.omit({ conversationId: true, query: true }).shape,
    /** Search memories for this instead of the user's message. */
    query: contextSchema.shape.query.optional(),
  })
  .refine((turn) => turn.message !== undefined || turn.reply !== undefined, 'give a message, a reply, or both');

/** Input to `conversations.listJobs`. */
export const listJobsSchema = z.strictObject({
  conversationId: opaqueId.optional(),
  status: z.enum(['queued', 'running', 'limited', 'done', 'failed']).optional(),
  limit: limitSchema(inputLimits.listLimit).optional(),
  cursor: cursorSchema.optional(),
});

/** Fields for creating a conversation. */
export type CreateConversationInput = z.input<typeof createConversationSchema>;
/** Fields for updating a conversation; omitted fields keep their value, null clears one. */
export type UpdateConversationInput = z.input<typeof updateConversationSchema>;
/** Filters for listing conversations. */
export type ListConversationsQuery = z.input<typeof listConversationsSchema>;
/** One message to add. */
export type NewMessage = z.input<typeof newMessageSchema>;
/** Paging of a conversation's messages. */
export type ListMessagesQuery = z.input<typeof listMessagesSchema>;
/** Options of `conversations.delete`. */
export type DeleteConversationOptions = z.input<typeof deleteConversationSchema>;
/** Filters for listing extraction jobs. */
export type ListJobsQuery = z.input<typeof listJobsSchema>;
/** A turn: store the user's message (and the previous reply) and get the context for it. */
export type TurnInput = z.input<typeof turnSchema>;
