import { invalidInput, notFound, StrataError } from '../../core/errors.ts';
import { parseOpaqueId } from '../../core/ids.ts';
import { parseInput } from '../../core/schemas.ts';
import type { Identity } from '../../core/scope.ts';
import type { Queryable } from '../../db/database.ts';
import { sqlState, toStrataError } from '../../db/database-errors.ts';
import { purgeTenantRows } from '../../db/tenant-tables.ts';
import { type CallerContext, currentIdentity } from '../../kernel/caller.ts';
import { type Engine, inSession, maybeIndexTenant } from '../../kernel/engine.ts';
import { documentKeys } from '../collections/index.ts';
import { createTenantsApi } from '../tenants/index.ts';
import {
  type ExportBodyRecord,
  type ExportHeader,
  type ExportRecord,
  type ExportRecordType,
  exportSections,
  importedTypes,
  readSectionPage,
  type SectionCursor,
} from './export-records.ts';
import { exportHeaderSchema, exportOptionsSchema, exportRecordSchema, importOptionsSchema } from './export-schemas.ts';
import {
  findDanglingReference,
  insertImportedAgents,
  insertImportedCollectionDocuments,
  insertImportedCollections,
  insertImportedConversations,
  insertImportedHistory,
  insertImportedKnowledgeBases,
  insertImportedMemories,
  insertImportedMessages,
  insertImportedUsageRows,
  insertImportedUsers,
  readTenantRecords,
} from './export-writes.ts';

export type { ExportHeader, ExportRecord, ExportRecordType } from './export-records.ts';

/** How far an export or import has got. */
export interface ExportProgress {
  /** Session transactions (export) or write batches (import) so far. */
  chunks: number;
  /** Records written or read so far, header and trailer excluded. */
  records: number;
  /** Records so far per type. */
  counts: Partial<Record<ExportRecordType, number>>;
}

/** Options of {@link ExportApi.export}. */
export interface ExportOptions {
  /** Rows per chunk; each chunk is one short transaction. Default 500. */
  batchSize?: number;
  /** Called after every chunk. */
  onProgress?: (progress: ExportProgress) => void;
}

/** Options of {@link ExportApi.import}. */
export interface ImportOptions {
  /** The client of the new tenant: default the exported tenant's (the operator) or the caller's own (a client admin). */
  clientId?: string;
  /** Records per write batch; each batch is one transaction. Default 500. */
  batchSize?: number;
  /** Called after every batch. */
  onProgress?: (progress: ExportProgress) => void;
}

/** Lines of JSON (one record each) or records, in file order. */
export type ImportSource = AsyncIterable<string | ExportRecord> | Iterable<string | ExportRecord>;

/** What an import did. */
export interface ImportReport {
  tenantId: string;
  /** The tenant the file was exported from. */
  sourceTenantId: string;
  /** Records read per type (they match the trailer's counts). */
  counts: Partial<Record<ExportRecordType, number>>;
  /** Rows written into the new tenant per type. */
  imported: Partial<Record<ExportRecordType, number>>;
}

/** Tenant export (streamed JSON lines) and import into a new tenant. */
export interface ExportApi {
  /**
   * Everything a tenant owns, as records: a header, the tenant, its usage, users, memories
   * (with embeddings), history, usage history, notices, key metadata, webhooks (no secrets),
   * the audit log, and a trailer with counts. Checks the caller before resolving (the
   * operator, the tenant's client admin or the tenant's admin); rows are then read in chunks,
   * each its own short transaction, as the iterable is consumed.
   */
  export(tenantId: string, options?: ExportOptions): Promise<AsyncIterable<ExportRecord>>;
  /**
   * Creates tenant `tenantId` (it must not exist) from an export: users, memories with their
   * embeddings and ids, history and usage history, in batches. The file's embedding model and
   * dimensions must be the store's, and its trailer must match what was read; otherwise
   * nothing is kept. The operator or a client admin only.
   */
  import(tenantId: string, source: ImportSource, options?: ImportOptions): Promise<ImportReport>;
}

type Counts = Partial<Record<ExportRecordType, number>>;
const bump = (counts: Counts, type: ExportRecordType, by = 1) => {
  counts[type] = (counts[type] ?? 0) + by;
};
const total = (counts: Counts) => Object.values(counts).reduce((sum, value) => sum + (value ?? 0), 0);

/** Builds the export API. */
export function createExportApi(engine: Engine, bound: CallerContext | undefined): ExportApi {
  /** Who may export `tenantId`: the operator, its client's admin, its own admin. */
  const exporter = (tenantId: string): Identity & { clientKnown: boolean } => {
    // Members and readers were refused by the permission table (tenants.export).
    const identity = currentIdentity(engine, bound);
    if (identity.role === 'admin') {
      if (identity.tenantId !== tenantId) throw notFound('tenant', tenantId);
      return identity;
    }
    const { userId: _user, ...rest } = identity;
    return { ...rest, tenantId };
  };

  const importer = (): Identity & { clientKnown: boolean } => {
    // The role check (permission tenants.import) is the governed pipeline's.
    const identity = currentIdentity(engine, bound);
    const { tenantId: _tenant, userId: _user, ...rest } = identity;
    return rest;
  };

  return {
    async export(tenantId, options = {}) {
      const id = parseOpaqueId('tenantId', tenantId);
      const { batchSize = 500 } = parseInput(exportOptionsSchema, options.batchSize === undefined ? {} : { batchSize: options.batchSize });
      const identity = exporter(id);
      const first = await inSession(engine, identity, (db) => readTenantRecords(db, id));
      if (first === null) throw notFound('tenant', id);
      const header: ExportHeader = {
        type: 'strata-export',
        version: 1,
        tenantId: id,
        exportedAt: engine.now().toISOString(),
        embeddingModel: engine.embedder.model,
        dimensions: engine.embedder.dimensions,
      };
      return exportStream(engine, identity, header, first, batchSize, options.onProgress);
    },

    async import(tenantId, source, options = {}) {
      const id = parseOpaqueId('tenantId', tenantId);
      const parsed = parseInput(importOptionsSchema, {
        ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      });
      const identity = importer();
      const reader = readRecords(source)[Symbol.asyncIterator]();
      try {
        const header = await readHeader(reader, engine);
        const tenant = await nextRecord(reader);
        if (tenant?.record.type !== 'tenant') throw lineError(tenant?.line ?? 2, 'type', "must be 'tenant' (the second line)");
        const clientId = parsed.clientId ?? (identity.role === 'client_admin' ? identity.clientId : tenant.record.clientId);
        await createTenantsApi(engine, bound).create({
          id,
          clientId,
          plan: tenant.record.plan,
          settings: tenant.record.settings,
          limits: tenant.record.limits,
          ...(tenant.record.name === null ? {} : { name: tenant.record.name }),
        });
        const target = { role: identity.role, clientId, tenantId: id };
        const report = await loadTenant(engine, target, reader, tenant.record, parsed.batchSize ?? 500, options.onProgress).catch(
          async (error: unknown) => {
            await discardTenant(engine, target);
            throw error;
          },
        );
        return { ...report, tenantId: id, sourceTenantId: header.tenantId };
      } finally {
        await reader.return?.(undefined);
      }
    },
  };
}

async function* exportStream(
  engine: Engine,
  identity: Identity & { clientKnown: boolean },
  header: ExportHeader,
  first: ExportBodyRecord[],
  batchSize: number,
  onProgress: ExportOptions['onProgress'],
): AsyncGenerator<ExportRecord> {
  const counts: Counts = {};
  let chunks = 1;
  yield header;
  for (const record of first) {
    if (record.type !== 'strata-export-end') bump(counts, record.type);
    yield record;
  }
  onProgress?.({ chunks, records: total(counts), counts: { ...counts } });
  const tenantId = header.tenantId;
  for (const section of exportSections) {
    let cursor: SectionCursor = null;
    do {
      const after: SectionCursor = cursor;
      // One short transaction per chunk, closed before anything is yielded: a slow reader holds no transaction.
      const page: { records: ExportBodyRecord[]; next: SectionCursor } = await inSession(
        engine,
        identity,
        (db) => readSectionPage(db, section, tenantId, after, batchSize),
        { allUsers: true },
      );
      chunks += 1;
      for (const record of page.records) {
        bump(counts, section.type);
        yield record;
      }
      onProgress?.({ chunks, records: total(counts), counts: { ...counts } });
      cursor = page.next;
    } while (cursor !== null);
  }
  yield { type: 'strata-export-end', counts: { ...counts } as Record<string, number> };
}

interface NumberedRecord {
  line: number;
  record: ExportBodyRecord;
}

function lineError(line: number, field: string, problem: string): StrataError {
  return new StrataError('invalid_input', `line ${line}: ${field}: ${problem}`, { details: { field, line } });
}

/** Parses each non-empty line (or takes each record), numbering lines from 1; JSON errors name the line. */
async function* readRecords(source: ImportSource): AsyncGenerator<{ line: number; value: unknown }> {
  let line = 0;
  for await (const item of source) {
    line += 1;
    if (typeof item !== 'string') {
      yield { line, value: item };
      continue;
    }
    if (item.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(item) };
    } catch {
      throw lineError(line, 'line', 'is not valid JSON (a truncated or damaged file?)');
    }
  }
}

type RecordReader = AsyncIterator<{ line: number; value: unknown }>;

function parseAt<T>(line: number, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof StrataError && error.code === 'invalid_input') {
      const field = String(error.details.field ?? 'record');
      throw new StrataError('invalid_input', `line ${line}: ${error.message}`, { details: { field, line } });
    }
    throw error;
  }
}

async function nextRecord(reader: RecordReader): Promise<NumberedRecord | null> {
  const next = await reader.next();
  if (next.done === true) return null;
  const { line, value } = next.value;
  return { line, record: parseAt(line, () => parseInput(exportRecordSchema, value)) };
}

/** Reads and checks the header: a Strata export of version 1, embedded with this store's model. */
async function readHeader(reader: RecordReader, engine: Engine): Promise<ExportHeader> {
  const first = await reader.next();
  if (first.done === true) throw invalidInput('header', 'the file is empty; expected a strata-export header line');
  const { line, value } = first.value;
  const header = parseAt(line, () => parseInput(exportHeaderSchema, value));
  if (header.embeddingModel !== engine.embedder.model) {
    throw lineError(
      line,
      'embeddingModel',
      `the file was embedded with ${header.embeddingModel}; this store uses ${engine.embedder.model}`,
    );
  }
  if (header.dimensions !== engine.embedder.dimensions) {
    throw lineError(
      line,
      'dimensions',
      `the file has ${header.dimensions}-dimension vectors; this store uses ${engine.embedder.dimensions}`,
    );
  }
  return header;
}

/**
 * A collection document must belong to a collection declared earlier in the file, and its
 * indexed fields must fit an index key (`declared` maps each collection to its indexes).
 */
function checkCollectionDocument(
  line: number,
  record: Extract<ExportBodyRecord, { type: 'collection_document' }>,
  declared: ReadonlyMap<string, readonly string[]>,
): void {
  const indexes = declared.get(record.collection);
  if (indexes === undefined) {
    throw lineError(line, 'collection', `refers to collection ${record.collection}, which the file does not define before this line`);
  }
  parseAt(line, () => documentKeys(record.document, indexes, 'document'));
}

/** A memory record's embedding must fit the kind and the store's model. */
function checkMemory(engine: Engine, line: number, record: Extract<ExportBodyRecord, { type: 'memory' }>): void {
  if (record.kind === 'document') {
    if (record.embedding !== null) throw lineError(line, 'embedding', 'must be null for a document (its chunks carry the vectors)');
    return;
  }
  if (record.embedding?.length !== engine.embedder.dimensions) {
    throw lineError(line, 'embedding', `must have ${engine.embedder.dimensions} numbers`);
  }
  if (record.embeddingModel !== engine.embedder.model) throw lineError(line, 'embeddingModel', `must be ${engine.embedder.model}`);
}

type ImportTarget = { role: string; clientId: string; tenantId: string };
type Batch = { group: string; records: ExportBodyRecord[]; lines: number[] };

const groupOf = (type: ExportRecordType) => (type === 'usage_daily' || type === 'storage_daily' || type === 'notice' ? 'usage' : type);

/**
 * Writes the records after the tenant line into the new tenant, batch by batch, while the
 * tenant is suspended (nobody else can use a half-imported tenant), then checks the trailer
 * and gives the tenant its exported status.
 */
async function loadTenant(
  engine: Engine,
  target: ImportTarget,
  reader: RecordReader,
  tenant: Extract<ExportBodyRecord, { type: 'tenant' }>,
  batchSize: number,
  onProgress: ImportOptions['onProgress'],
): Promise<Omit<ImportReport, 'tenantId' | 'sourceTenantId'>> {
  const session = <T>(work: (db: Queryable) => Promise<T>) =>
    engine.database.withSession({ ...target, allUsers: true }, work).catch((error: unknown) => {
      throw toStrataError(error);
    });
  await session((db) => db.query(`UPDATE tenants SET status = 'suspended' WHERE tenant_id = $1`, [target.tenantId]));
  const counts: Counts = { tenant: 1 };
  const imported: Counts = {};
  let batches = 0;
  let searchable: number | null = null;
  let pending: Batch | null = null;
  const collections = new Map<string, readonly string[]>();
  const flush = async () => {
    const batch = pending;
    pending = null;
    if (batch === null || batch.records.length === 0) return;
    const result = await session((db) => writeBatch(db, target.tenantId, batch, engine.now())).catch(async (error: unknown) => {
      if (!(error instanceof StrataError) || sqlState(error.cause) !== '23503') throw error;
      // A record names a user or memory the file never defined: say which line and field.
      const dangling = await session((db) => findDanglingReference(db, target.tenantId, batch.records));
      if (dangling === null) throw error;
      throw lineError(
        batch.lines[dangling.index] ?? 0,
        dangling.field,
        `refers to ${dangling.kind} ${dangling.id}, which the file does not define before this line`,
      );
    });
    if (result !== null) searchable = result;
    batches += 1;
    for (const record of batch.records) bump(imported, record.type as ExportRecordType);
    onProgress?.({ chunks: batches, records: total(counts), counts: { ...counts } });
  };
  for (let next = await nextRecord(reader); next !== null; next = await nextRecord(reader)) {
    const { line, record } = next;
    if (record.type === 'strata-export-end') {
      await flush();
      await checkTrailer(reader, line, record.counts, counts);
      await session((db) =>
        db.query(`UPDATE tenants SET status = $2 WHERE tenant_id = $1`, [
          target.tenantId,
          tenant.status === 'suspended' ? 'suspended' : 'active',
        ]),
      );
      maybeIndexTenant(engine, target.tenantId, searchable, null);
      return { counts, imported };
    }
    if (record.type === 'tenant') throw lineError(line, 'type', 'a file holds one tenant record, on its second line');
    if (record.type === 'memory') checkMemory(engine, line, record);
    if (record.type === 'collection') collections.set(record.name, record.indexes);
    if (record.type === 'collection_document') checkCollectionDocument(line, record, collections);
    bump(counts, record.type);
    if (!importedTypes.has(record.type)) continue;
    const group = groupOf(record.type);
    if (pending !== null && (pending.group !== group || pending.records.length >= batchSize)) await flush();
    pending ??= { group, records: [], lines: [] };
    pending.records.push(record);
    pending.lines.push(line);
  }
  throw invalidInput('trailer', 'the file ends without its strata-export-end trailer line: it is truncated; nothing was imported');
}

async function writeBatch(db: Queryable, tenantId: string, batch: Batch, now: Date): Promise<number | null> {
  const records = batch.records as never[];
  switch (batch.group) {
    case 'user':
      await insertImportedUsers(db, tenantId, records);
      return null;
    case 'memory':
      return insertImportedMemories(db, tenantId, records, now);
    case 'history':
      await insertImportedHistory(db, tenantId, records);
      return null;
    case 'conversation':
      await insertImportedConversations(db, tenantId, records);
      return null;
    case 'knowledge_base':
      await insertImportedKnowledgeBases(db, tenantId, records);
      return null;
    case 'agent':
      await insertImportedAgents(db, tenantId, records);
      return null;
    case 'collection':
      await insertImportedCollections(db, tenantId, records);
      return null;
    case 'collection_document':
      await insertImportedCollectionDocuments(db, tenantId, records, now);
      return null;
    case 'message':
      await insertImportedMessages(db, tenantId, records);
      return null;
    default:
      await insertImportedUsageRows(db, tenantId, records);
      return null;
  }
}

/** The trailer must count exactly what was read, and be the last line. */
async function checkTrailer(reader: RecordReader, line: number, declared: Record<string, number>, read: Counts): Promise<void> {
  const types = new Set([...Object.keys(declared), ...Object.keys(read)]);
  for (const type of types) {
    const expected = declared[type] ?? 0;
    const actual = read[type as ExportRecordType] ?? 0;
    if (expected !== actual) {
      throw lineError(
        line,
        `counts.${type}`,
        `the trailer counts ${expected} ${type} records but the file holds ${actual}; nothing was imported`,
      );
    }
  }
  const extra = await reader.next();
  if (extra.done !== true) throw lineError(extra.value.line, 'line', 'comes after the trailer; nothing was imported');
}

/** Removes every row of a tenant whose import failed (the audit log keeps what it recorded). */
async function discardTenant(engine: Engine, target: ImportTarget): Promise<void> {
  const tables = engine.tenantTables.filter((table) => table !== 'audit_log');
  try {
    await engine.database.withSession({ ...target, allUsers: true }, (db) => purgeTenantRows(db, tables, target.tenantId));
  } catch (error) {
    process.emitWarning(`strata: removing the partly imported tenant ${target.tenantId} failed: ${String(error)}`);
  }
  engine.tenantClients.delete(target.tenantId);
}
