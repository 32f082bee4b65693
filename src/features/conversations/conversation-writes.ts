import { contentHash, estimateTokens } from '../../core/content.ts';
import { invalidInput, StrataError } from '../../core/errors.ts';
import type { Message } from '../../core/types.ts';
import { type ConversationRow, type MessageRow, messageColumns, toMessage } from '../../db/conversation-tables.ts';
import type { Queryable } from '../../db/database.ts';
import { insertUnnest } from '../../db/unnest-insert.ts';
import type { Engine, TenantFacts } from '../../kernel/engine.ts';
import { type PreparedMemory, prepareMemories, storeMemories, type WriteContext } from '../memories/index.ts';
import type { NewMessage } from './conversations-schemas.ts';

/** The roles whose messages become searchable memories: what people and the assistant said, not prompts or tool output. */
const searchableRoles: ReadonlySet<string> = new Set(['user', 'assistant']);

/** A message validated, with its id, time and (for a searchable role) its memory made ready outside the transaction. */
export interface PreparedMessage {
  id: string;
  input: NewMessage & { content: string };
  createdAt: string;
  memory: PreparedMemory | null;
}

/** The text a message's memory holds: the speaker's name leads, so "What did Caroline say" finds it. */
function memoryText(message: NewMessage): string {
  return message.name === undefined ? message.content : `${message.name}: ${message.content}`;
}

/**
 * Gives each message an id and its time, and chunks and embeds the memories of searchable ones
 * (no transaction may wait on an embedding model). The memories are prepared as tenant-level;
 * the conversation's owner decides their scope when they are stored.
 */
export async function prepareMessages(
  engine: Engine,
  messages: ReadonlyArray<NewMessage>,
  fieldOf: (index: number) => string,
): Promise<PreparedMessage[]> {
  const now = engine.now();
  const withTimes = messages.map((message, index) => {
    if (message.createdAt !== undefined && Date.parse(message.createdAt) > now.getTime()) {
      throw invalidInput(`${fieldOf(index)}.createdAt`, 'must not be in the future');
    }
    const createdAt = message.createdAt === undefined ? now : new Date(message.createdAt);
    return { id: engine.generateId(), input: message, createdAt: createdAt.toISOString() };
  });
  const searchable = withTimes.filter((message) => searchableRoles.has(message.input.role));
  const prepared = await prepareMemories(
    engine,
    searchable.map((message) => ({ content: memoryText(message.input), scope: 'customer', documentType: 'ai-chat-conversation' })),
    true,
  );
  const memories = new Map(searchable.map((message, index) => [message.id, prepared[index] ?? null]));
  return withTimes.map((message) => ({ ...message, memory: memories.get(message.id) ?? null }));
}

/**
 * Appends messages to a locked conversation: the rows in order after its last, each searchable
 * one's memory (the conversation's user's, or the tenant's), and the conversation's counters.
 * A message's memory is never deduplicated against other content: its hash includes the
 * message id, so "ok" said twice is two messages with two memories.
 */
export async function appendMessages(
  engine: Engine,
  db: Queryable,
  context: WriteContext,
  tenant: TenantFacts | null,
  conversation: ConversationRow,
  messages: readonly PreparedMessage[],
): Promise<Message[]> {
  if (conversation.status === 'archived') {
    throw new StrataError(
      'conflict',
      `conversation ${JSON.stringify(conversation.conversation_id)} is archived; set status active to add messages`,
      {
        details: { field: 'status' },
      },
    );
  }
  const scope = conversation.user_id === null ? 'customer' : 'user';
  const memoryOf = new Map<string, PreparedMemory>();
  for (const message of messages) {
    if (message.memory === null) continue;
    memoryOf.set(message.id, {
      ...message.memory,
      scope,
      contentHash: contentHash(`message\u0000${message.id}\u0000${message.memory.content}`),
      metadata: message.input.metadata ?? {},
      agentId: conversation.agent_id,
      conversationId: conversation.conversation_id,
      source: { kind: 'message', conversationId: conversation.conversation_id, messageIds: [message.id] },
    });
  }
  const memories = [...memoryOf.values()];
  if (memories.length > 0) await storeMemories(engine, db, context, tenant, memories);
  const firstSeq = Number(conversation.last_seq) + 1;
  const inserted = await insertUnnest<PreparedMessage & { seq: number }, MessageRow>(
    db,
    'conversation_messages',
    [
      { name: 'tenant_id', type: 'text', value: () => conversation.tenant_id },
      { name: 'conversation_id', type: 'text', value: () => conversation.conversation_id },
      { name: 'seq', type: 'int4', value: (message) => message.seq },
      { name: 'message_id', type: 'uuid', value: (message) => message.id },
      { name: 'user_id', type: 'text', value: () => conversation.user_id },
      { name: 'role', type: 'text', value: (message) => message.input.role },
      { name: 'name', type: 'text', value: (message) => message.input.name ?? null },
      { name: 'content', type: 'text', value: (message) => message.input.content },
      { name: 'metadata', type: 'jsonb', value: (message) => JSON.stringify(message.input.metadata ?? {}) },
      { name: 'token_count', type: 'int4', value: (message) => estimateTokens(message.input.content) },
      { name: 'memory_id', type: 'uuid', value: (message) => memoryOf.get(message.id)?.id ?? null },
      { name: 'created_at', type: 'timestamptz', value: (message) => message.createdAt },
    ],
    messages.map((message, index) => ({ ...message, seq: firstSeq + index })),
    `RETURNING ${messageColumns}`,
  );
  const lastAt = new Date(Math.max(...messages.map((message) => Date.parse(message.createdAt)))).toISOString();
  await db.query(
    `UPDATE conversations SET message_count = message_count + $3, last_seq = last_seq + $3, updated_at = $4::timestamptz,
       last_message_at = greatest(last_message_at, $5::timestamptz)
     WHERE tenant_id = $1 AND conversation_id = $2`,
    [conversation.tenant_id, conversation.conversation_id, messages.length, context.now.toISOString(), lastAt],
  );
  return inserted.map(toMessage).sort((a, b) => a.seq - b.seq);
}
