import type { CreateMemoryInput, Json, ListMemoriesQuery, MetadataFilter, Scope } from '../index.ts';
import { compact, integerOption, jsonObjectOption, nonEmptyPatch, stringOption } from './args.ts';
import { type CommandDefinition, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { textArgument } from './io.ts';
import { formatHistory, formatMemory, formatMemoryPage } from './memory-format.ts';

const attributeOptions = {
  scope: { type: 'string', valueName: '<scope>', description: 'user, customer, client or world' },
  type: { type: 'string', valueName: '<type>', description: 'document type: memory, document, note, fact, ...' },
  agent: { type: 'string', valueName: '<id>', description: 'agent id' },
  conversation: { type: 'string', valueName: '<id>', description: 'conversation id' },
} as const;

const memoryIdArgument = [{ name: 'id', required: true }] as const;

/** `strata memories ...`: memories and documents of the caller's scope chain. */
export const memoriesCommands: CommandDefinition[] = [
  {
    path: ['memories', 'add'],
    arguments: [{ name: 'text', required: true }],
    summary: 'store a memory (text "-" reads stdin); defaults to the narrowest scope of the caller',
    options: {
      ...attributeOptions,
      metadata: { type: 'string', valueName: '<json>', description: 'metadata object' },
      ttl: { type: 'string', valueName: '<seconds>', description: 'expire after this many seconds' },
    },
    async run({ arguments: [text = ''], options, io, open }) {
      const input: CreateMemoryInput = compact({
        content: await textArgument(text, io),
        scope: stringOption(options, 'scope') as Scope | undefined,
        documentType: stringOption(options, 'type'),
        metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
        agentId: stringOption(options, 'agent'),
        conversationId: stringOption(options, 'conversation'),
        ttlSeconds: integerOption(options, 'ttl'),
      });
      const created = await (await open()).memories.create(input);
      return { result: created, text: formatMemory(created.memory, [['deduplicated', created.deduplicated ? 'yes' : 'no']]) };
    },
  },
  {
    path: ['memories', 'list'],
    arguments: [],
    summary: 'list visible memories, newest first',
    options: {
      ...attributeOptions,
      filter: { type: 'string', valueName: '<json>', description: 'metadata filter, e.g. {"priority":{"$gte":2}}' },
      ...pageOptions,
    },
    async run({ options, open }) {
      const query: ListMemoriesQuery = compact({
        scope: stringOption(options, 'scope') as Scope | undefined,
        documentType: stringOption(options, 'type'),
        agentId: stringOption(options, 'agent'),
        conversationId: stringOption(options, 'conversation'),
        filter: jsonObjectOption<MetadataFilter>(options, 'filter'),
        limit: integerOption(options, 'limit'),
        cursor: stringOption(options, 'cursor'),
      });
      const page = await (await open()).memories.list(query);
      return { result: page, text: formatMemoryPage(page) };
    },
  },
  showCommand(['memories', 'get'], 'show one memory', (strata, id) => strata.memories.get(id), formatMemory),
  {
    path: ['memories', 'update'],
    arguments: memoryIdArgument,
    summary: 'change text, metadata or type; the previous version goes to history',
    options: {
      text: { type: 'string', valueName: '<text>', description: 'new content ("-" reads stdin)' },
      metadata: { type: 'string', valueName: '<json>', description: 'new metadata object (replaces the old one)' },
      type: attributeOptions.type,
    },
    async run({ arguments: [id = ''], options, io, open }) {
      const text = stringOption(options, 'text');
      const patch = nonEmptyPatch(
        compact({
          content: text === undefined ? undefined : await textArgument(text, io),
          metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
          documentType: stringOption(options, 'type'),
        }),
        'memories update',
        ['text', 'metadata', 'type'],
      );
      const memory = await (await open()).memories.update(id, patch);
      return { result: memory, text: formatMemory(memory) };
    },
  },
  {
    path: ['memories', 'delete'],
    arguments: memoryIdArgument,
    summary: 'delete a memory with its chunks and history',
    options: {},
    async run({ arguments: [id = ''], open }) {
      const result = await (await open()).memories.delete(id);
      return { result, text: `deleted memory ${result.id}` };
    },
  },
  {
    path: ['memories', 'history'],
    arguments: memoryIdArgument,
    summary: "a memory's previous versions, newest first",
    options: {},
    async run({ arguments: [id = ''], open }) {
      const versions = await (await open()).memories.history(id);
      return { result: versions, text: formatHistory(versions) };
    },
  },
  {
    path: ['memories', 'erase-user'],
    arguments: [{ name: 'userId', required: false }],
    summary: 'erase every memory of a user in the tenant (default: the --user caller)',
    options: {},
    async run({ arguments: [userId], open }) {
      const report = await (await open()).memories.deleteAllForUser(userId);
      return { result: report, text: `erased user ${report.userId}: ${report.memories} memories, ${report.history} history versions` };
    },
  },
];
