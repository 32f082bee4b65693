import type { Conversation, Json, Message, NewMessage } from '../index.ts';
import { compact, integerOption, jsonObjectOption, nonEmptyPatch, type OptionValues, stringOption, UsageError } from './args.ts';
import { type CommandDefinition, pageQuery, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { formatPage, formatRecord, formatTable, inlineJson, orDash, shortTime, truncate } from './output.ts';

const conversationOptions = {
  title: { type: 'string', valueName: '<text>', description: 'a title' },
  agent: { type: 'string', valueName: '<id>', description: 'the agent it is with' },
  metadata: { type: 'string', valueName: '<json>', description: 'metadata object' },
} as const;

const messageOptions = {
  role: { type: 'string', valueName: 'user|assistant|system|tool', description: 'who speaks (default user)' },
  name: { type: 'string', valueName: '<name>', description: "the speaker's name" },
  metadata: { type: 'string', valueName: '<json>', description: 'metadata object' },
  'idempotency-key': { type: 'string', valueName: '<key>', description: 'a retry with the same key adds nothing' },
} as const;

const idArgument = { name: 'id', required: true } as const;

function idempotency(options: OptionValues) {
  return compact({ idempotencyKey: stringOption(options, 'idempotency-key') });
}

/** `strata conversations ...`: threads of the caller (--user) or of the tenant, and their messages. */
export const conversationsCommands: CommandDefinition[] = [
  {
    path: ['conversations', 'create'],
    arguments: [],
    summary: "start a conversation (the --user's, or the tenant's)",
    options: { ...conversationOptions, id: { type: 'string', valueName: '<id>', description: 'its id (admins only; default a new UUID)' } },
    async run({ options, open }) {
      const conversation = await (await open()).conversations.create(
        compact({
          id: stringOption(options, 'id'),
          title: stringOption(options, 'title'),
          agentId: stringOption(options, 'agent'),
          metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
        }),
      );
      return { result: conversation, text: formatConversation(conversation) };
    },
  },
  showCommand(['conversations', 'get'], 'show one conversation', (strata, id) => strata.conversations.get(id), formatConversation),
  {
    path: ['conversations', 'list'],
    arguments: [],
    summary: 'list visible conversations, newest first',
    options: {
      ...pageOptions,
      agent: { type: 'string', valueName: '<id>', description: 'only with this agent' },
      status: { type: 'string', valueName: 'active|archived', description: 'only this status' },
    },
    async run({ options, open }) {
      const page = await (await open()).conversations.list(
        compact({
          ...pageQuery(options),
          agentId: stringOption(options, 'agent'),
          status: stringOption(options, 'status') as Conversation['status'] | undefined,
        }),
      );
      const table = formatTable(
        ['ID', 'USER', 'TITLE', 'STATUS', 'MESSAGES', 'LAST MESSAGE'],
        page.items.map((conversation) => [
          conversation.id,
          orDash(conversation.userId),
          truncate(conversation.title ?? '-', 30),
          conversation.status,
          String(conversation.messageCount),
          shortTime(conversation.lastMessageAt),
        ]),
      );
      return { result: page, text: formatPage('conversations', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['conversations', 'update'],
    arguments: [idArgument],
    summary: 'change title, agent, metadata or status',
    options: { ...conversationOptions, status: { type: 'string', valueName: 'active|archived', description: 'archive or reopen it' } },
    async run({ arguments: [id = ''], options, open }) {
      const patch = nonEmptyPatch(
        compact({
          title: stringOption(options, 'title'),
          agentId: stringOption(options, 'agent'),
          metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
          status: stringOption(options, 'status') as Conversation['status'] | undefined,
        }),
        'conversations update',
        ['title', 'agent', 'metadata', 'status'],
      );
      const conversation = await (await open()).conversations.update(id, patch);
      return { result: conversation, text: formatConversation(conversation) };
    },
  },
  {
    path: ['conversations', 'delete'],
    arguments: [idArgument],
    summary: 'delete a conversation, its messages and the memories tied to it',
    options: { 'keep-memories': { type: 'boolean', description: 'keep the memories extracted from it' } },
    async run({ arguments: [id = ''], options, open }) {
      const report = await (await open()).conversations.delete(id, { keepMemories: options['keep-memories'] === true });
      return { result: report, text: `deleted conversation ${report.id}: ${report.messages} messages, ${report.memories} memories` };
    },
  },
  {
    path: ['conversations', 'add'],
    arguments: [idArgument, { name: 'content', required: false }],
    summary: 'add a message (or --messages, a JSON array of up to 100)',
    options: { ...messageOptions, messages: { type: 'string', valueName: '<json>', description: 'messages as a JSON array' } },
    async run({ arguments: [id = '', content = ''], options, open }) {
      const messages = messagesFrom(content, options);
      const added = await (await open()).conversations.addMessages(id, messages, idempotency(options));
      const extraction = added.extraction.jobId === null ? 'extraction off' : `extraction job ${added.extraction.jobId}`;
      return { result: added, text: `${formatMessages(added.messages)}\n(${extraction})` };
    },
  },
  {
    path: ['conversations', 'messages'],
    arguments: [idArgument],
    summary: "a conversation's messages, oldest first",
    options: { ...pageOptions, last: { type: 'string', valueName: '<n>', description: 'only the last n' } },
    async run({ arguments: [id = ''], options, open }) {
      const page = await (await open()).conversations.messages(
        id,
        compact({ ...pageQuery(options), last: integerOption(options, 'last') }),
      );
      return { result: page, text: formatPage('messages', formatMessages(page.items), page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['conversations', 'turn'],
    arguments: [idArgument, { name: 'message', required: false }],
    summary: "store the user's message (and --reply, the previous answer) and print the context for it",
    options: {
      reply: { type: 'string', valueName: '<text>', description: "the assistant's reply to the previous message" },
      budget: { type: 'string', valueName: '<tokens>', description: 'token budget (default 1000)' },
      'idempotency-key': messageOptions['idempotency-key'],
    },
    async run({ arguments: [id = '', message = ''], options, open }) {
      const reply = stringOption(options, 'reply');
      if (message === '' && reply === undefined) throw new UsageError("conversations turn: give the user's message, --reply, or both");
      const turn = await (await open()).conversations.turn(
        id,
        compact({
          message: message === '' ? undefined : { content: message },
          reply: reply === undefined ? undefined : { content: reply },
          tokenBudget: integerOption(options, 'budget'),
        }),
        idempotency(options),
      );
      return { result: turn, text: turn.context.text };
    },
  },
];

function messagesFrom(content: string, options: OptionValues): NewMessage[] {
  const batch = stringOption(options, 'messages');
  if (batch !== undefined) {
    if (content !== '') throw new UsageError('conversations add: give a message or --messages, not both');
    let parsed: unknown;
    try {
      parsed = JSON.parse(batch);
    } catch {
      throw new UsageError('--messages: must be a JSON array of messages');
    }
    if (!Array.isArray(parsed)) throw new UsageError('--messages: must be a JSON array of messages');
    return parsed as NewMessage[];
  }
  if (content === '') throw new UsageError('conversations add: give the message text, or --messages');
  return [
    compact({
      role: (stringOption(options, 'role') ?? 'user') as NewMessage['role'],
      name: stringOption(options, 'name'),
      content,
      metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
    }),
  ];
}

function formatConversation(conversation: Conversation): string {
  return formatRecord([
    ['id', conversation.id],
    ['tenant', conversation.tenantId],
    ['user', orDash(conversation.userId)],
    ['agent', orDash(conversation.agentId)],
    ['title', orDash(conversation.title)],
    ['status', conversation.status],
    ['messages', String(conversation.messageCount)],
    ['last message', orDash(conversation.lastMessageAt)],
    ['metadata', inlineJson(conversation.metadata)],
    ['created', conversation.createdAt],
  ]);
}

function formatMessages(messages: readonly Message[]): string {
  return formatTable(
    ['SEQ', 'ROLE', 'NAME', 'CONTENT', 'AT'],
    messages.map((message) => [
      String(message.seq),
      message.role,
      orDash(message.name),
      truncate(message.content),
      shortTime(message.createdAt),
    ]),
  );
}
