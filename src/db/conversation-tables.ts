import type { Identity } from '../core/scope.ts';
import type { Conversation, Json, Message } from '../core/types.ts';
import type { Queryable } from './database.ts';
import { isoTime } from './memory-tables.ts';

// Conversation and message rows, shared by the conversations feature (which writes them) and
// the context fetch in search (which reads a conversation's latest messages).

/** Columns every conversation query selects. */
export const conversationColumns = `tenant_id, conversation_id, user_id, agent_id, title, metadata, status, message_count,
  last_seq, last_message_at, created_at, updated_at`;

/** A conversation row as selected by {@link conversationColumns}. */
export interface ConversationRow {
  tenant_id: string;
  conversation_id: string;
  user_id: string | null;
  agent_id: string | null;
  title: string | null;
  metadata: Record<string, Json>;
  status: Conversation['status'];
  message_count: number;
  last_seq: number | string;
  last_message_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** Maps a conversation row to the public shape. */
export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.conversation_id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    agentId: row.agent_id,
    title: row.title,
    metadata: row.metadata,
    status: row.status,
    messageCount: Number(row.message_count),
    lastMessageAt: row.last_message_at === null ? null : isoTime(row.last_message_at),
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

/** Columns every message query selects. */
export const messageColumns = `conversation_id, seq, message_id::text AS message_id, role, name, content, metadata, token_count,
  memory_id::text AS memory_id, created_at`;

/** A message row as selected by {@link messageColumns}. */
export interface MessageRow {
  conversation_id: string;
  seq: number | string;
  message_id: string;
  role: Message['role'];
  name: string | null;
  content: string;
  metadata: Record<string, Json>;
  token_count: number;
  memory_id: string | null;
  created_at: Date | string;
}

/** Maps a message row to the public shape. */
export function toMessage(row: MessageRow): Message {
  return {
    id: row.message_id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    role: row.role,
    name: row.name,
    content: row.content,
    metadata: row.metadata,
    tokenCount: row.token_count,
    memoryId: row.memory_id,
    createdAt: isoTime(row.created_at),
  };
}

/**
 * The conversation `id` as the session may see it, or null. The user condition repeats the
 * row-level security policy (defence in depth): a user's conversation is its own, a tenant-level
 * one (no user) is everyone's in the tenant.
 */
export async function findConversation(
  db: Queryable,
  identity: Identity,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ConversationRow | null> {
  const result = await db.query<ConversationRow>(
    `SELECT ${conversationColumns} FROM conversations
      WHERE tenant_id = $1 AND conversation_id = $2 AND (user_id IS NULL OR user_id = $3)${options.forUpdate === true ? ' FOR UPDATE' : ''}`,
    [identity.tenantId, id, identity.userId ?? null],
  );
  return result.rows[0] ?? null;
}

/** The last `count` messages of a conversation, oldest first. */
export async function latestMessages(db: Queryable, conversation: ConversationRow, count: number): Promise<Message[]> {
  if (count <= 0) return [];
  const result = await db.query<MessageRow>(
    `SELECT ${messageColumns} FROM conversation_messages
      WHERE tenant_id = $1 AND conversation_id = $2 AND seq > $3 ORDER BY seq DESC LIMIT $4`,
    [conversation.tenant_id, conversation.conversation_id, Number(conversation.last_seq) - count, count],
  );
  return result.rows.map(toMessage).reverse();
}

/** The content of a conversation's last user message, or null when it has none. */
export async function lastUserMessage(db: Queryable, conversation: ConversationRow): Promise<string | null> {
  const result = await db.query<{ content: string }>(
    `SELECT content FROM conversation_messages WHERE tenant_id = $1 AND conversation_id = $2 AND role = 'user'
      ORDER BY seq DESC LIMIT 1`,
    [conversation.tenant_id, conversation.conversation_id],
  );
  return result.rows[0]?.content ?? null;
}
