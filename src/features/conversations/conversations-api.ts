import { invalidInput, notFound, StrataError } from '../../core/errors.ts';
import { isUuid, parseOpaqueId } from '../../core/ids.ts';
import { parseInput } from '../../core/schemas.ts';
import { assertCanWrite, type Identity } from '../../core/scope.ts';
import type { ContextResult, Conversation, Message, Page } from '../../core/types.ts';
import {
  type ConversationRow,
  conversationColumns,
  findConversation,
  lastUserMessage,
  latestMessages,
  type MessageRow,
  messageColumns,
  toConversation,
  toMessage,
} from '../../db/conversation-tables.ts';
import type { Queryable } from '../../db/database.ts';
import { SqlParams } from '../../db/sql-params.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { decodeCursor, encodeCursor } from '../../kernel/cursor.ts';
import { type Engine, inSession, type TenantFacts } from '../../kernel/engine.ts';
import { noteTargets } from '../../kernel/govern.ts';
import { type CreateOptions, onceForKey, parseIdempotencyKey } from '../../kernel/idempotency.ts';
import { insertUser } from '../../kernel/user-accounts.ts';
import { deleteConversationMemories, writeContextFor } from '../memories/index.ts';
import { buildContext, embedQuery } from '../search/index.ts';
import { appendMessages, type PreparedMessage, prepareMessages } from './conversation-writes.ts';
import {
  type CreateConversationInput,
  createConversationSchema,
  type DeleteConversationOptions,
  deleteConversationSchema,
  type ListConversationsQuery,
  type ListJobsQuery,
  type ListMessagesQuery,
  listConversationsSchema,
  listJobsSchema,
  listMessagesSchema,
  messageBatchSchema,
  type NewMessage,
  newMessageSchema,
  type TurnInput,
  turnSchema,
  type UpdateConversationInput,
  updateConversationSchema,
} from './conversations-schemas.ts';
import { type ExtractionJob, enqueueExtraction, type JobRow, jobColumns, toJob } from './extraction-jobs.ts';
import type { ExtractionWorker } from './extraction-worker.ts';

/** What adding messages stored, and what became of extraction. */
export interface AddedMessages {
  conversationId: string;
  messages: Message[];
  /** `off` when the tenant's policy or the deployment has no extraction; `queued` with the job otherwise. */
  extraction: { status: 'off' | 'queued'; jobId: string | null };
}

/** What a turn stored, and the context for it. */
export interface TurnResult extends AddedMessages {
  context: ContextResult;
}

/** What deleting a conversation removed. */
export interface ConversationDeletion {
  id: string;
  deleted: true;
  messages: number;
  /** Memories that went with it: those holding its messages, and (unless kept) what was extracted from it. */
  memories: number;
}

/** Conversations (threads) and their messages. */
export interface ConversationsApi {
  /** Starts a conversation: the caller's user's, or the tenant's when the caller names no user. */
  create(input?: CreateConversationInput): Promise<Conversation>;
  /** One conversation; `not_found` if missing or not the caller's to see. */
  get(id: string): Promise<Conversation>;
  /** Visible conversations, newest first; continue with `nextCursor`. */
  list(query?: ListConversationsQuery): Promise<Page<Conversation>>;
  /** Changes title, agent, metadata or status (`archived` conversations take no messages). */
  update(id: string, patch: UpdateConversationInput): Promise<Conversation>;
  /** Deletes a conversation, its messages and their memories; and what was extracted from it unless `keepMemories`. */
  delete(id: string, options?: DeleteConversationOptions): Promise<ConversationDeletion>;
  /** Appends up to 100 messages in order, atomically; user and assistant messages become searchable memories. */
  addMessages(id: string, messages: NewMessage[], options?: CreateOptions): Promise<AddedMessages>;
  /** Messages oldest first, paged; or only the `last` few. */
  messages(id: string, query?: ListMessagesQuery): Promise<Page<Message>>;
  /** Stores the assistant's `reply` (to the previous message) and the user's `message`, and returns the context for it. */
  turn(id: string, input: TurnInput, options?: CreateOptions): Promise<TurnResult>;
  /** Extraction jobs of visible conversations, newest first: where each stands, what it did, why it failed. */
  listJobs(query?: ListJobsQuery): Promise<Page<ExtractionJob>>;
  /** One extraction job. */
  getJob(id: string): Promise<ExtractionJob>;
}

/** Builds the conversations API for one caller binding. */
export function createConversationsApi(engine: Engine, bound: CallerContext | undefined, worker?: ExtractionWorker): ConversationsApi {
  const identity = () => {
    const caller = currentIdentity(engine, bound);
    if (caller.tenantId === undefined) throw invalidInput('tenantId', 'conversations belong to a customer: name the tenant');
    return caller;
  };

  const locate = async (db: Queryable, caller: Identity, id: string, forUpdate = false) => {
    const row = await findConversation(db, caller, id, { forUpdate });
    if (row === null) throw notFound('conversation', id);
    return row;
  };

  /** Finds a conversation the caller may change, and locks it (appends are ordered by this lock). */
  const locateForWrite = async (db: Queryable, caller: Identity, id: string) => {
    const row = await locate(db, caller, id);
    assertCanWrite(caller, row.user_id === null ? 'customer' : 'user');
    return locate(db, caller, id, true);
  };

  /** Adds prepared messages once per idempotency key; a replay reads the first call's messages back. */
  const addOnce = async (
    db: Queryable,
    resolved: Identity,
    tenant: TenantFacts | null,
    id: string,
    prepared: readonly PreparedMessage[],
    idempotencyKey: string | undefined,
    request: unknown,
  ): Promise<AddedMessages> => {
    const add = async (): Promise<AddedMessages> => {
      const conversation = await locateForWrite(db, resolved, id);
      const messages = await appendMessages(engine, db, writeContextFor(engine, resolved), tenant, conversation, prepared);
      const first = messages[0]?.seq ?? 0;
      const readable = messages.some((message) => message.role === 'user' || message.role === 'assistant');
      const extraction = readable
        ? await enqueueExtraction(engine, db, resolved, conversation, first, messages.at(-1)?.seq ?? first)
        : { status: 'off' as const, jobId: null };
      noteTargets(engine, extraction.jobId === null ? [id] : [id, extraction.jobId]);
      return { conversationId: id, messages, extraction };
    };
    if (idempotencyKey === undefined) return add();
    return onceForKey(db, resolved, idempotencyKey, request, engine.now(), {
      create: add,
      remember: (added) => ({ messageIds: added.messages.map((message) => message.id), jobId: added.extraction.jobId }),
      reread: async (stored) => {
        const conversation = await locate(db, resolved, id);
        const rows = await db.query<MessageRow>(
          `SELECT ${messageColumns} FROM conversation_messages WHERE tenant_id = $1 AND conversation_id = $2
             AND message_id = ANY($3::uuid[]) ORDER BY seq`,
          [conversation.tenant_id, id, stored.messageIds],
        );
        return {
          conversationId: id,
          messages: rows.rows.map(toMessage),
          extraction: { status: stored.jobId === null ? 'off' : 'queued', jobId: stored.jobId },
        };
      },
    });
  };

  return {
    async create(input = {}) {
      const parsed = parseInput(createConversationSchema, input);
      const caller = identity();
      assertCanWrite(caller, caller.userId === undefined ? 'customer' : 'user');
      // Ids are unique in the tenant: a user choosing one could learn from a conflict that another user holds it.
      if (parsed.id !== undefined && caller.role !== 'admin' && caller.role !== 'client_admin' && caller.role !== 'platform') {
        throw new StrataError('forbidden', `id: role ${caller.role} cannot choose a conversation id; leave it out for a new one`, {
          details: { field: 'id', role: caller.role },
        });
      }
      const id = parsed.id ?? engine.generateId();
      return inSession(engine, caller, async (db, resolved, tenant) => {
        if (resolved.userId !== undefined) await insertUser(db, resolved.tenantId ?? '', tenant, { id: resolved.userId }, engine.now());
        const now = engine.now().toISOString();
        const result = await db.query<ConversationRow>(
          `INSERT INTO conversations (tenant_id, conversation_id, user_id, agent_id, title, metadata, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'active', $7::timestamptz, $7::timestamptz)
           ON CONFLICT (tenant_id, conversation_id) DO NOTHING RETURNING ${conversationColumns}`,
          [
            resolved.tenantId,
            id,
            resolved.userId ?? null,
            parsed.agentId ?? null,
            parsed.title ?? null,
            JSON.stringify(parsed.metadata ?? {}),
            now,
          ],
        );
        const row = result.rows[0];
        if (row === undefined)
          throw new StrataError('conflict', `id: conversation ${JSON.stringify(id)} already exists`, { details: { field: 'id' } });
        noteTargets(engine, [id]);
        return toConversation(row);
      });
    },

    async get(id) {
      const conversationId = parseOpaqueId('id', id);
      return inSession(engine, identity(), async (db, resolved) => toConversation(await locate(db, resolved, conversationId)));
    },

    async list(query = {}) {
      const parsed = parseInput(listConversationsSchema, query);
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : conversationCursor(decodeCursor(parsed.cursor));
      return inSession(engine, identity(), async (db, resolved) => {
        const params = new SqlParams();
        const terms = [
          `tenant_id = ${params.add(resolved.tenantId)}`,
          `(user_id IS NULL OR user_id = ${params.add(resolved.userId ?? null)})`,
        ];
        if (parsed.userId !== undefined) terms.push(`user_id = ${params.add(parsed.userId)}`);
        if (parsed.agentId !== undefined) terms.push(`agent_id = ${params.add(parsed.agentId)}`);
        if (parsed.status !== undefined) terms.push(`status = ${params.add(parsed.status)}`);
        if (parsed.createdAfter !== undefined) terms.push(`created_at > ${params.add(parsed.createdAfter)}::timestamptz`);
        if (parsed.createdBefore !== undefined) terms.push(`created_at < ${params.add(parsed.createdBefore)}::timestamptz`);
        if (after !== null) {
          terms.push(`(created_at, conversation_id) < (${params.add(after.createdAt)}::timestamptz, ${params.add(after.id)})`);
        }
        const result = await db.query<ConversationRow>(
          `SELECT ${conversationColumns} FROM conversations WHERE ${terms.join(' AND ')}
            ORDER BY created_at DESC, conversation_id DESC LIMIT ${params.add(limit + 1)}`,
          params.values,
        );
        const items = result.rows.slice(0, limit).map(toConversation);
        const last = items.at(-1);
        const more = result.rows.length > limit && last !== undefined;
        return { items, nextCursor: more ? encodeCursor(JSON.stringify([last.createdAt, last.id])) : null };
      });
    },

    async update(id, patch) {
      const conversationId = parseOpaqueId('id', id);
      const parsed = parseInput(updateConversationSchema, patch);
      return inSession(engine, identity(), async (db, resolved) => {
        await locateForWrite(db, resolved, conversationId);
        const result = await db.query<ConversationRow>(
          `UPDATE conversations SET
             title = CASE WHEN $3 THEN $4 ELSE title END,
             agent_id = CASE WHEN $5 THEN $6 ELSE agent_id END,
             metadata = coalesce($7::jsonb, metadata),
             status = coalesce($8, status),
             updated_at = $9::timestamptz
           WHERE tenant_id = $1 AND conversation_id = $2 RETURNING ${conversationColumns}`,
          [
            resolved.tenantId,
            conversationId,
            parsed.title !== undefined,
            parsed.title ?? null,
            parsed.agentId !== undefined,
            parsed.agentId ?? null,
            parsed.metadata === undefined ? null : JSON.stringify(parsed.metadata),
            parsed.status ?? null,
            engine.now().toISOString(),
          ],
        );
        const row = result.rows[0];
        if (row === undefined) throw notFound('conversation', conversationId);
        noteTargets(engine, [conversationId]);
        return toConversation(row);
      });
    },

    async delete(id, options = {}) {
      const conversationId = parseOpaqueId('id', id);
      const parsed = parseInput(deleteConversationSchema, options);
      return inSession(engine, identity(), async (db, resolved) => {
        const conversation = await locateForWrite(db, resolved, conversationId);
        const memories = await deleteConversationMemories(
          db,
          writeContextFor(engine, resolved),
          conversationId,
          parsed.keepMemories === true,
        );
        await db.query('DELETE FROM conversations WHERE tenant_id = $1 AND conversation_id = $2', [resolved.tenantId, conversationId]);
        noteTargets(engine, [conversationId]);
        return { id: conversationId, deleted: true as const, messages: Number(conversation.message_count), memories };
      });
    },

    async addMessages(id, messages, options) {
      const conversationId = parseOpaqueId('id', id);
      const raw = parseInput(messageBatchSchema, messages, 'messages');
      const parsed = raw.map((message, index) => parseInput(newMessageSchema, message, `messages.${index}`));
      const idempotencyKey = parseIdempotencyKey(options);
      const prepared = await prepareMessages(engine, parsed, (index) => `messages.${index}`);
      const added = await inSession(engine, identity(), (db, resolved, tenant) =>
        addOnce(db, resolved, tenant, conversationId, prepared, idempotencyKey, ['messages', raw]),
      );
      if (added.extraction.jobId !== null) worker?.wake();
      return added;
    },

    async messages(id, query = {}) {
      const conversationId = parseOpaqueId('id', id);
      const parsed = parseInput(listMessagesSchema, query);
      if (parsed.last !== undefined && parsed.cursor !== undefined) throw invalidInput('last', 'cannot be combined with cursor');
      const after = parsed.cursor === undefined ? 0 : messageCursor(decodeCursor(parsed.cursor));
      const limit = parsed.limit ?? 50;
      return inSession(engine, identity(), async (db, resolved) => {
        const conversation = await locate(db, resolved, conversationId);
        if (parsed.last !== undefined) return { items: await latestMessages(db, conversation, parsed.last), nextCursor: null };
        const result = await db.query<MessageRow>(
          `SELECT ${messageColumns} FROM conversation_messages WHERE tenant_id = $1 AND conversation_id = $2 AND seq > $3
            ORDER BY seq LIMIT $4`,
          [conversation.tenant_id, conversationId, after, limit + 1],
        );
        const items = result.rows.slice(0, limit).map(toMessage);
        const last = items.at(-1);
        return { items, nextCursor: result.rows.length > limit && last !== undefined ? encodeCursor(String(last.seq)) : null };
      });
    },

    async turn(id, input, options) {
      const conversationId = parseOpaqueId('id', id);
      const parsed = parseInput(turnSchema, input);
      const idempotencyKey = parseIdempotencyKey(options);
      const { message, reply, query, ...contextOptions } = parsed;
      const turnMessages: NewMessage[] = [
        ...(reply === undefined ? [] : [{ ...reply, role: 'assistant' as const }]),
        ...(message === undefined ? [] : [{ ...message, role: 'user' as const }]),
      ];
      const caller = identity();
      const text = query ?? message?.content ?? (await previousUserMessage(caller, conversationId));
      const prepared = await prepareMessages(engine, turnMessages, (index) => (index === 0 && reply !== undefined ? 'reply' : 'message'));
      const embedding = await embedQuery(engine, contextOptions.mode ?? 'hybrid', text);
      const turn = await inSession(engine, caller, async (db, resolved, tenant) => {
        const added = await addOnce(db, resolved, tenant, conversationId, prepared, idempotencyKey, ['turn', input]);
        const context = await buildContext(engine, db, resolved, tenant, { ...contextOptions, conversationId, query: text }, embedding);
        return { ...added, context };
      });
      if (turn.extraction.jobId !== null) worker?.wake();
      return turn;
    },

    async listJobs(query = {}) {
      const parsed = parseInput(listJobsSchema, query);
      const limit = parsed.limit ?? 50;
      const after = parsed.cursor === undefined ? null : decodeCursor(parsed.cursor);
      if (after !== null && !isUuid(after)) throw invalidInput('cursor', 'is not a cursor returned by this API');
      return inSession(engine, identity(), async (db, resolved) => {
        const params = new SqlParams();
        const terms = [
          `tenant_id = ${params.add(resolved.tenantId)}`,
          `(user_id IS NULL OR user_id = ${params.add(resolved.userId ?? null)})`,
        ];
        if (parsed.conversationId !== undefined) terms.push(`conversation_id = ${params.add(parsed.conversationId)}`);
        if (parsed.status !== undefined) terms.push(`status = ${params.add(parsed.status)}`);
        if (after !== null) terms.push(`job_id < ${params.add(after)}::uuid`);
        const result = await db.query<JobRow>(
          `SELECT ${jobColumns} FROM extraction_jobs WHERE ${terms.join(' AND ')} ORDER BY job_id DESC LIMIT ${params.add(limit + 1)}`,
          params.values,
        );
        const items = result.rows.slice(0, limit).map(toJob);
        const last = items.at(-1);
        return { items, nextCursor: result.rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
      });
    },

    async getJob(id) {
      if (!isUuid(id)) throw invalidInput('id', 'must be a UUID');
      return inSession(engine, identity(), async (db, resolved) => {
        const result = await db.query<JobRow>(
          `SELECT ${jobColumns} FROM extraction_jobs WHERE tenant_id = $1 AND job_id = $2::uuid AND (user_id IS NULL OR user_id = $3)`,
          [resolved.tenantId, id, resolved.userId ?? null],
        );
        const row = result.rows[0];
        if (row === undefined) throw notFound('extraction job', id);
        return toJob(row);
      });
    },
  };

  /** A reply-only turn searches with the user message it answers. */
  async function previousUserMessage(caller: Identity, conversationId: string): Promise<string> {
    const content = await inSession(engine, caller, async (db, resolved) =>
      lastUserMessage(db, await locate(db, resolved, conversationId)),
    );
    if (content === null)
      throw invalidInput('query', `is required: conversation ${JSON.stringify(conversationId)} has no user message yet`);
    return content;
  }
}

function conversationCursor(position: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(position) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    // Reported below.
  }
  throw invalidInput('cursor', 'is not a cursor returned by this API');
}

function messageCursor(position: string): number {
  const seq = Number(position);
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalidInput('cursor', 'is not a cursor returned by this API');
  return seq;
}
