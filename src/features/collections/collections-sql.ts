import { invalidInput } from '../../core/errors.ts';
import type { FilterCondition, FilterScalar } from '../../core/filter.ts';
import type { Collection, CollectionDocument, Json } from '../../core/types.ts';
import { isoTime } from '../../db/memory-tables.ts';
import { compileCondition } from '../../db/sql-filter.ts';
import type { SqlParams } from '../../db/sql-params.ts';
import { encodeKey, missingKey, scalarKey, typeBounds, valueAt } from './collection-keys.ts';
import { pathKeys } from './collections-schemas.ts';

/** The largest key an indexed field may hold (a btree entry must stay well under a page). */
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
/** The four key columns, in slot order. */
export const keyColumns = [0, 1, 2, 3].map(keyColumn);

/**
 * A document's key in each of the four slots (null where no field is declared); `field`
 * names the document in the refusal of a value too large to index.
 */
export function documentKeys(document: Record<string, Json>, indexes: readonly string[], field: string): Array<string | null> {
  return keyColumns.map((_, slot) => {
    const path = indexes[slot];
    if (path === undefined) return null;
    const key = encodeKey(valueAt(document, pathKeys(path)));
    if (Buffer.byteLength(key) > indexedValueBytes)
      throw invalidInput(field, `indexed field ${JSON.stringify(path)} holds more than ${indexedValueBytes} bytes`, { path });
    return key;
  });
}

const comparisons = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

/** A condition on an indexed field, on its key column: every comparison is on text, so an index condition. */
function keyCondition(condition: FilterCondition, column: string, params: SqlParams): string {
  const key = (value: FilterScalar) => params.add(scalarKey(value));
  const keys = () => params.add((condition.value as FilterScalar[]).map(scalarKey));
  switch (condition.operator) {
    case '$exists':
      return condition.value === true ? `${column} < '${missingKey}'` : `${column} = '${missingKey}'`;
    case '$eq':
      return `${column} = ${key(condition.value as FilterScalar)}`;
    case '$ne':
      return `${column} <> ${key(condition.value as FilterScalar)}`;
    case '$in':
      return `${column} = ANY (${keys()}::text[])`;
    case '$nin':
      return `${column} <> ALL (${keys()}::text[])`;
    default: {
      // Within the operand's type, as on unindexed fields: keys of that type lie between its bounds.
      const value = condition.value as string | number;
      const { low, high } = typeBounds(value);
      const bound = condition.operator === '$gt' || condition.operator === '$gte' ? `${column} < '${high}'` : `${column} >= '${low}'`;
      return `(${column} ${comparisons[condition.operator]} ${key(value)} AND ${bound})`;
    }
  }
}

/**
 * Compiles filter conditions on document fields (dotted paths): an indexed field's on its key
 * column, any other on the body. Strings order by bytes either way (COLLATE "C"), so a range
 * means the same whether or not its field is indexed.
 */
export function compileDocumentFilter(conditions: readonly FilterCondition[], indexes: readonly string[], params: SqlParams): string[] {
  return conditions.map((condition) => {
    const slot = indexes.indexOf(condition.key);
    if (slot >= 0) return keyCondition(condition, keyColumn(slot), params);
    const value = `(body #> ${params.add(pathKeys(condition.key))}::text[])`;
    if (condition.operator in comparisons && typeof condition.value === 'string')
      return `(jsonb_typeof(${value}) = 'string' AND (${value} #>> '{}') COLLATE "C" ${comparisons[condition.operator as keyof typeof comparisons]} ${params.add(condition.value)})`;
    return compileCondition(condition, params, { value, exists: `(${value} IS NOT NULL)` });
  });
}
