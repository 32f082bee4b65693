import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Json, KnowledgeBase, KnowledgeBaseDocument, NewDocument, SearchMode } from '../index.ts';
import {
  compact,
  integerOption,
  jsonObjectOption,
  listOption,
  nonEmptyPatch,
  type OptionValues,
  stringOption,
  UsageError,
} from './args.ts';
import { type CommandDefinition, pageQuery, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { formatHits } from './memory-format.ts';
import { formatPage, formatRecord, formatTable, inlineJson, orDash, truncate } from './output.ts';

const idArgument = { name: 'id', required: true } as const;
const describing = {
  description: { type: 'string', valueName: '<text>', description: 'what it holds' },
  metadata: { type: 'string', valueName: '<json>', description: 'metadata object' },
} as const;

/** `strata kb ...`: knowledge bases (the tenant's own, or shared by a client or the operator) and their documents. */
export const knowledgeBasesCommands: CommandDefinition[] = [
  {
    path: ['kb', 'create'],
    arguments: [{ name: 'name', required: true }],
    summary: "create a knowledge base: the tenant's (default), --scope client or --scope world",
    options: { ...describing, scope: { type: 'string', valueName: 'customer|client|world', description: 'who owns it and who reads it' } },
    async run({ arguments: [name = ''], options, open }) {
      const base = await (await open()).knowledgeBases.create(
        compact({
          name,
          description: stringOption(options, 'description'),
          scope: stringOption(options, 'scope') as KnowledgeBase['scope'] | undefined,
          metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
        }),
      );
      return { result: base, text: formatKnowledgeBase(base) };
    },
  },
  showCommand(['kb', 'get'], 'show one knowledge base', (strata, id) => strata.knowledgeBases.get(id), formatKnowledgeBase),
  {
    path: ['kb', 'list'],
    arguments: [],
    summary: 'list readable knowledge bases (own and shared), newest first',
    options: { ...pageOptions, scope: { type: 'string', valueName: 'customer|client|world', description: 'only this scope' } },
    async run({ options, open }) {
      const page = await (await open()).knowledgeBases.list(
        compact({ ...pageQuery(options), scope: stringOption(options, 'scope') as KnowledgeBase['scope'] | undefined }),
      );
      const table = formatTable(
        ['ID', 'NAME', 'SCOPE', 'DOCUMENTS', 'CHUNKS', 'BYTES', 'WRITABLE'],
        page.items.map((base) => [
          base.id,
          truncate(base.name, 30),
          base.scope,
          String(base.documentCount),
          String(base.chunkCount),
          String(base.bytes),
          base.writable ? 'yes' : 'no',
        ]),
      );
      return { result: page, text: formatPage('knowledge bases', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['kb', 'update'],
    arguments: [idArgument],
    summary: 'rename or re-describe a knowledge base',
    options: { ...describing, name: { type: 'string', valueName: '<name>', description: 'a new name' } },
    async run({ arguments: [id = ''], options, open }) {
      const patch = nonEmptyPatch(
        compact({
          name: stringOption(options, 'name'),
          description: stringOption(options, 'description'),
          metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
        }),
        'kb update',
        ['name', 'description', 'metadata'],
      );
      const base = await (await open()).knowledgeBases.update(id, patch);
      return { result: base, text: formatKnowledgeBase(base) };
    },
  },
  {
    path: ['kb', 'delete'],
    arguments: [idArgument],
    summary: 'delete a knowledge base with its documents and chunks',
    options: {},
    async run({ arguments: [id = ''], open }) {
      const report = await (await open()).knowledgeBases.delete(id);
      return { result: report, text: `deleted knowledge base ${report.id}: ${report.documents} documents, ${report.chunks} chunks` };
    },
  },
  {
    path: ['kb', 'add'],
    arguments: [idArgument, { name: 'file', required: true }],
    summary: 'add a document from a file (.md is markdown); the same --doc-id again replaces it',
    options: {
      'doc-id': { type: 'string', valueName: '<id>', description: "the document's id (default the file name as given)" },
      title: { type: 'string', valueName: '<text>', description: 'a title' },
      type: { type: 'string', valueName: 'text|markdown', description: 'how to chunk it (default by extension)' },
      metadata: describing.metadata,
    },
    async run({ arguments: [id = '', file = ''], options, open }) {
      const added = await (await open()).knowledgeBases.addDocuments(id, [documentFromFile(file, options)]);
      const document = added.documents[0];
      return {
        result: added,
        text: `${document?.replaced === true ? 'replaced' : 'added'} ${document?.id ?? ''}: ${document?.chunkCount ?? 0} chunks`,
      };
    },
  },
  {
    path: ['kb', 'documents'],
    arguments: [idArgument],
    summary: "a knowledge base's documents, by id",
    options: pageOptions,
    async run({ arguments: [id = ''], options, open }) {
      const page = await (await open()).knowledgeBases.listDocuments(id, pageQuery(options));
      const table = formatTable(
        ['ID', 'TITLE', 'TYPE', 'CHUNKS', 'BYTES', 'UPDATED'],
        page.items.map((document) => [
          truncate(document.id, 40),
          truncate(document.title ?? '-', 30),
          document.contentType,
          String(document.chunkCount),
          String(document.bytes),
          document.updatedAt,
        ]),
      );
      return { result: page, text: formatPage('documents', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['kb', 'document'],
    arguments: [idArgument, { name: 'document', required: true }],
    summary: 'show one document with its text',
    options: {},
    async run({ arguments: [id = '', documentId = ''], open }) {
      const document = await (await open()).knowledgeBases.getDocument(id, documentId);
      return { result: document, text: `${formatDocument(document)}\n\n${document.content ?? ''}` };
    },
  },
  {
    path: ['kb', 'remove'],
    arguments: [idArgument, { name: 'document', required: true }],
    summary: 'delete one document and its chunks',
    options: {},
    async run({ arguments: [id = '', documentId = ''], open }) {
      const report = await (await open()).knowledgeBases.deleteDocument(id, documentId);
      return { result: report, text: `deleted document ${report.id}: ${report.chunks} chunks` };
    },
  },
  {
    path: ['kb', 'search'],
    arguments: [{ name: 'query', required: true }],
    summary: 'search the documents of one or more knowledge bases (--kb, comma-separated ids)',
    options: {
      kb: { type: 'string', valueName: '<ids>', description: 'the knowledge bases to search' },
      mode: { type: 'string', valueName: 'vector|keyword|hybrid', description: 'how to rank (default hybrid)' },
      limit: { type: 'string', valueName: '<n>', description: 'most hits to return' },
      filter: { type: 'string', valueName: '<json>', description: "filter on the documents' metadata" },
    },
    async run({ arguments: [query = ''], options, open }) {
      const knowledgeBaseIds = listOption(options, 'kb');
      if (knowledgeBaseIds === undefined || knowledgeBaseIds.length === 0)
        throw new UsageError('kb search: name the knowledge bases with --kb');
      const result = await (await open()).knowledgeBases.searchMany(
        compact({
          knowledgeBaseIds,
          query,
          mode: stringOption(options, 'mode') as SearchMode | undefined,
          limit: integerOption(options, 'limit'),
          filter: jsonObjectOption(options, 'filter'),
        }),
      );
      return { result, text: formatHits(result.hits) };
    },
  },
];

function documentFromFile(file: string, options: OptionValues): NewDocument {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`kb add: cannot read ${file}: ${(error as Error).message}`);
  }
  const type = stringOption(options, 'type') ?? (['.md', '.markdown'].includes(extname(file).toLowerCase()) ? 'markdown' : 'text');
  if (type !== 'text' && type !== 'markdown') throw new UsageError('--type: must be text or markdown');
  return compact({
    id: stringOption(options, 'doc-id') ?? file,
    title: stringOption(options, 'title'),
    content,
    contentType: type,
    metadata: jsonObjectOption<Record<string, Json>>(options, 'metadata'),
  });
}

function formatKnowledgeBase(base: KnowledgeBase): string {
  return formatRecord([
    ['id', base.id],
    ['name', base.name],
    ['description', orDash(base.description)],
    ['scope', base.scope],
    ['tenant', orDash(base.tenantId)],
    ['client', orDash(base.clientId)],
    ['documents', String(base.documentCount)],
    ['chunks', String(base.chunkCount)],
    ['bytes', String(base.bytes)],
    ['writable', base.writable ? 'yes' : 'no'],
    ['metadata', inlineJson(base.metadata)],
    ['created', base.createdAt],
  ]);
}

function formatDocument(document: KnowledgeBaseDocument): string {
  return formatRecord([
    ['id', document.id],
    ['knowledge base', document.knowledgeBaseId],
    ['title', orDash(document.title)],
    ['type', document.contentType],
    ['chunks', String(document.chunkCount)],
    ['bytes', String(document.bytes)],
    ['metadata', inlineJson(document.metadata)],
    ['updated', document.updatedAt],
  ]);
}
