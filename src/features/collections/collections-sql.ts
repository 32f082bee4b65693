import { invalidInput } from '../../core/errors.ts';
import type { FilterCondition } from '../../core/filter.ts';
import type { Collection, CollectionDocument, Json } from '../../core/types.ts';
import type { Queryable } from '../../db/database.ts';
import { isoTime } from '../../db/memory-tables.ts';
import { compileCondition } from '../../db/sql-filter.ts';
import type { SqlParams } from '../../db/sql-params.ts';
import { pathKeys } from './collections-schemas.ts';

/** The largest JSON value an indexed field may hold (a btree entry must stay well under a page). */
export const indexedValueBytes = 1_024;

export interface CollectionRow {
  tenant_id: string;
  name: string;
  description: string | null;
  indexes: string[];
  document_count: string | number;
  content_bytes: string | number;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface DocumentRow {
  collection: string;
  document_id: string;
  body: Record<string, Json>;
  bytes: number;
  version: string | number;
  created_at: Date | string;
  updated_at: Date | string;
}

export const collectionColumns = 'tenant_id, name, description, indexes, document_count, content_bytes, created_at, updated_at';
export const documentColumns = 'collection, document_id, body, bytes, version, created_at, updated_at';

export const toCollection = (row: CollectionRow): Collection => ({
  name: row.name,
  tenantId: row.tenant_id,
  description: row.description,
  indexes: row.indexes,
  documentCount: Number(row.document_count),
  bytes: Number(row.content_bytes),
  createdAt: isoTime(row.created_at),
  updatedAt: isoTime(row.updated_at),
});

export const toDocument = (row: DocumentRow): CollectionDocument => ({
  id: row.document_id,
  collection: row.collection,
  document: row.body,
  version: Number(row.version),
  bytes: row.bytes,
  createdAt: isoTime(row.created_at),
  updatedAt: isoTime(row.updated_at),
});

/** The key column holding an indexed field's values. */
export const keyColumn = (slot: number) => `key_${slot}`;

/** Every key column set from its declared path; `$n` is the collection's `indexes` array (paths as dotted text). */
export const keyAssignments = (body: string, indexes: string) =>
  [0, 1, 2, 3].map((slot) => `${body} #> string_to_array((${indexes})[${slot + 1}], '.')`);

/** What a condition or sort on `path` compares: its key column when the path is indexed, else the path in the body. */
export function fieldTarget(path: string, indexes: readonly string[], params: SqlParams): { value: string; exists: string } {
  const slot = indexes.indexOf(path);
  const value = slot >= 0 ? keyColumn(slot) : `(body #> ${params.add(pathKeys(path))}::text[])`;
  return { value, exists: `(${value} IS NOT NULL)` };
}

/** Compiles filter conditions on document fields (dotted paths). */
export function compileDocumentFilter(conditions: readonly FilterCondition[], indexes: readonly string[], params: SqlParams): string[] {
  return conditions.map((condition) => compileCondition(condition, params, fieldTarget(condition.key, indexes, params)));
}

/**
 * The first document among `bodies` (JSON text) whose value at an indexed path is over
 * {@link indexedValueBytes}: such a write is refused naming the field, before the index refuses it.
 */
export async function oversizedKey(
  db: Queryable,
  bodies: readonly string[],
  indexes: readonly string[],
): Promise<{ index: number; path: string } | null> {
  if (indexes.length === 0 || bodies.length === 0) return null;
  const result = await db.query<{ ordinal: string; path: string }>(
    `SELECT d.ordinal::text, p.path FROM unnest($1::text[]) WITH ORDINALITY AS d(body, ordinal), unnest($2::text[]) AS p(path)
     WHERE octet_length((d.body::jsonb #> string_to_array(p.path, '.'))::text) > $3 ORDER BY d.ordinal LIMIT 1`,
    [bodies, indexes, indexedValueBytes],
  );
  const row = result.rows[0];
  return row === undefined ? null : { index: Number(row.ordinal) - 1, path: row.path };
}

/** Refuses a document whose indexed field holds more than the index can. */
export function oversizedKeyError(field: string, path: string): Error {
  return invalidInput(field, `indexed field ${JSON.stringify(path)} holds more than ${indexedValueBytes} bytes as JSON`, {
    path,
  });
}
