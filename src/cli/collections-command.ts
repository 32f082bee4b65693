import type { Collection, CollectionDocument, FindDocumentsQuery, Json, NewCollectionDocument } from '../index.ts';
import { compact, integerOption, jsonObjectOption, listOption, nonEmptyPatch, parseJsonText, stringOption, UsageError } from './args.ts';
import { type CommandDefinition, pageQuery, showCommand } from './command.ts';
import { pageOptions } from './common-options.ts';
import { type CliIo, textArgument } from './io.ts';
import { formatPage, formatRecord, formatTable, inlineJson, orDash, truncate } from './output.ts';

const nameArgument = { name: 'name', required: true } as const;
const documentArguments = [nameArgument, { name: 'id', required: true }] as const;
const describing = {
  description: { type: 'string', valueName: '<text>', description: 'what it holds' },
  index: { type: 'string', valueName: '<paths>', description: 'comma-separated dotted fields to index (at most 4; replaces them)' },
} as const;
const ifVersion = {
  'if-version': { type: 'string', valueName: '<n>', description: 'only if the document is still at this version' },
} as const;

/** A JSON argument (`-` reads it from stdin); bad JSON is a usage error naming the argument. */
async function jsonArgument(value: string, argument: string, io: CliIo): Promise<unknown> {
  return parseJsonText(await textArgument(value, io), `<${argument}>`);
}

/** A document body argument: a JSON object. */
async function bodyArgument(value: string, argument: string, io: CliIo): Promise<Record<string, Json>> {
  const parsed = await jsonArgument(value, argument, io);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`<${argument}>: must be a JSON object`);
  return parsed as Record<string, Json>;
}

/** `strata collections ...`: the tenant's JSON document collections and their documents. */
export const collectionsCommands: CommandDefinition[] = [
  {
    path: ['collections', 'create'],
    arguments: [nameArgument],
    summary: 'create a document collection (tenant admins), declaring the fields to index',
    options: describing,
    async run({ arguments: [name = ''], options, open }) {
      const collection = await (await open()).collections.create(
        compact({ name, description: stringOption(options, 'description'), indexes: listOption(options, 'index') }),
      );
      return { result: collection, text: formatCollection(collection) };
    },
  },
  showCommand(
    ['collections', 'get'],
    'show one collection with its counts',
    (strata, name) => strata.collections.get(name),
    formatCollection,
  ),
  {
    path: ['collections', 'list'],
    arguments: [],
    summary: "the tenant's collections, by name",
    options: pageOptions,
    async run({ options, open }) {
      const page = await (await open()).collections.list(pageQuery(options));
      const table = formatTable(
        ['NAME', 'DOCUMENTS', 'BYTES', 'INDEXES'],
        page.items.map((collection) => [
          collection.name,
          String(collection.documentCount),
          String(collection.bytes),
          collection.indexes.join(', ') || '-',
        ]),
      );
      return { result: page, text: formatPage('collections', table, page.items.length, page.nextCursor) };
    },
  },
  {
    path: ['collections', 'update'],
    arguments: [nameArgument],
    summary: 're-describe a collection or replace its indexed fields (its documents are re-keyed)',
    options: describing,
    async run({ arguments: [name = ''], options, open }) {
      const patch = nonEmptyPatch(
        compact({ description: stringOption(options, 'description'), indexes: listOption(options, 'index') }),
        'collections update',
        ['description', 'index'],
      );
      const collection = await (await open()).collections.update(name, patch);
      return { result: collection, text: formatCollection(collection) };
    },
  },
  {
    path: ['collections', 'delete'],
    arguments: [nameArgument],
    summary: 'delete a collection with all its documents',
    options: {},
    async run({ arguments: [name = ''], open }) {
      const report = await (await open()).collections.delete(name);
      return { result: report, text: `deleted collection ${report.name}: ${report.documents} documents` };
    },
  },
  {
    path: ['collections', 'insert'],
    arguments: [nameArgument, { name: 'json', required: true }],
    summary: 'insert a document (a JSON object), or up to 100 at once (a JSON array of { id?, document }); - reads stdin',
    options: { id: { type: 'string', valueName: '<id>', description: "the document's id (default a new UUID)" } },
    async run({ arguments: [name = '', json = ''], options, io, open }) {
      const parsed = await jsonArgument(json, 'json', io);
      if (Array.isArray(parsed)) {
        if (options.id !== undefined) throw new UsageError('collections insert: --id names one document; give each id in the array');
        const documents = await (await open()).collections.insertMany(name, parsed as NewCollectionDocument[]);
        return {
          result: documents,
          text: `inserted ${documents.length} documents: ${documents.map((document) => document.id).join(', ')}`,
        };
      }
      if (typeof parsed !== 'object' || parsed === null) throw new UsageError('<json>: must be a JSON object or an array of documents');
      const document = await (await open()).collections.insert(
        name,
        compact({ id: stringOption(options, 'id'), document: parsed as Record<string, Json> }),
      );
      return { result: document, text: formatDocument(document) };
    },
  },
  {
    path: ['collections', 'document'],
    arguments: documentArguments,
    summary: 'show one document',
    options: {},
    async run({ arguments: [name = '', id = ''], open }) {
      const document = await (await open()).collections.getDocument(name, id);
      return { result: document, text: formatDocument(document) };
    },
  },
  {
    path: ['collections', 'replace'],
    arguments: [...documentArguments, { name: 'json', required: true }],
    summary: "replace a document's body (a JSON object; - reads stdin)",
    options: ifVersion,
    async run({ arguments: [name = '', id = '', json = ''], options, io, open }) {
      const document = await (await open()).collections.replace(
        name,
        id,
        compact({ document: await bodyArgument(json, 'json', io), ifVersion: integerOption(options, 'if-version') }),
      );
      return { result: document, text: formatDocument(document) };
    },
  },
  {
    path: ['collections', 'patch'],
    arguments: [...documentArguments, { name: 'json', required: true }],
    summary: 'merge a JSON merge patch (RFC 7396: null removes a field) into a document',
    options: ifVersion,
    async run({ arguments: [name = '', id = '', json = ''], options, io, open }) {
      const document = await (await open()).collections.patch(
        name,
        id,
        compact({ patch: await bodyArgument(json, 'json', io), ifVersion: integerOption(options, 'if-version') }),
      );
      return { result: document, text: formatDocument(document) };
    },
  },
  {
    path: ['collections', 'remove'],
    arguments: documentArguments,
    summary: 'delete one document',
    options: {},
    async run({ arguments: [name = '', id = ''], open }) {
      const report = await (await open()).collections.deleteDocument(name, id);
      return { result: report, text: `deleted document ${report.id}` };
    },
  },
  {
    path: ['collections', 'find'],
    arguments: [nameArgument],
    summary: 'documents matching --filter, sorted by id or by an indexed --sort field, in pages',
    options: {
      ...pageOptions,
      filter: {
        type: 'string',
        valueName: '<json>',
        description: 'conditions on dotted fields, e.g. {"status":"open","total":{"$gt":10}}',
      },
      sort: { type: 'string', valueName: '<field>', description: 'an indexed field to order by (then by id)' },
      desc: { type: 'boolean', description: 'descending order' },
    },
    async run({ arguments: [name = ''], options, open }) {
      const field = stringOption(options, 'sort');
      if (options.desc === true && field === undefined) throw new UsageError('collections find: --desc needs --sort');
      const query: FindDocumentsQuery = compact({
        ...pageQuery(options),
        filter: jsonObjectOption<NonNullable<FindDocumentsQuery['filter']>>(options, 'filter'),
        sort: field === undefined ? undefined : { field, order: options.desc === true ? ('desc' as const) : ('asc' as const) },
      });
      const page = await (await open()).collections.find(name, query);
      const table = formatTable(
        ['ID', 'VERSION', 'DOCUMENT'],
        page.items.map((document) => [truncate(document.id, 40), String(document.version), truncate(inlineJson(document.document), 80)]),
      );
      return { result: page, text: formatPage('documents', table, page.items.length, page.nextCursor) };
    },
  },
];

function formatCollection(collection: Collection): string {
  return formatRecord([
    ['name', collection.name],
    ['tenant', collection.tenantId],
    ['description', orDash(collection.description)],
    ['indexes', collection.indexes.join(', ') || '-'],
    ['documents', String(collection.documentCount)],
    ['bytes', String(collection.bytes)],
    ['created', collection.createdAt],
  ]);
}

function formatDocument(document: CollectionDocument): string {
  return formatRecord([
    ['id', document.id],
    ['collection', document.collection],
    ['version', String(document.version)],
    ['bytes', String(document.bytes)],
    ['updated', document.updatedAt],
    ['document', inlineJson(document.document)],
  ]);
}
