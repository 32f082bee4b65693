import { invalidInput } from './errors.ts';

/** A JSON scalar a metadata filter compares against. */
export type FilterScalar = string | number | boolean | null;

/** Operators on one metadata key. */
export interface FilterOperators {
  $eq?: FilterScalar;
  $ne?: FilterScalar;
  $in?: FilterScalar[];
  $nin?: FilterScalar[];
  $gt?: string | number;
  $gte?: string | number;
  $lt?: string | number;
  $lte?: string | number;
  $exists?: boolean;
}

/**
 * A metadata filter: every key must match (AND). A bare scalar means `$eq`.
 *
 * @example
 * { topic: 'billing', priority: { $gte: 2 }, archived: { $exists: false } }
 */
export type MetadataFilter = Record<string, FilterScalar | FilterOperators>;

/** One validated condition: a top-level metadata key, an operator and its operand. */
export interface FilterCondition {
  key: string;
  operator: keyof FilterOperators;
  value: FilterScalar | FilterScalar[] | boolean;
}

const operators = new Set<string>(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists']);
/** Bounds that keep one filter from turning into an expensive query. */
export const filterLimits = { conditions: 32, keyLength: 256, listLength: 256, stringLength: 4096 } as const;

/** Validates a metadata filter and flattens it into conditions. Throws `invalid_input` naming the path. */
export function parseMetadataFilter(filter: unknown, field = 'filter'): FilterCondition[] {
  if (filter === undefined || filter === null) return [];
  if (!isPlainObject(filter)) throw invalidInput(field || 'filter', 'must be an object of metadata keys');
  const conditions: FilterCondition[] = [];
  for (const [key, spec] of Object.entries(filter)) {
    const path = field === '' ? key : `${field}.${key}`;
    if (key.length === 0 || key.length > filterLimits.keyLength) {
      throw invalidInput(path, `key must be 1-${filterLimits.keyLength} characters`);
    }
    if (key.startsWith('$')) throw invalidInput(path, 'unknown operator at the top level (keys starting with $ are reserved)');
    if (!storableText(key)) throw invalidInput(path, 'key must be well-formed Unicode without NUL characters');
    if (isPlainObject(spec)) {
      const entries = Object.entries(spec);
      if (entries.length === 0) throw invalidInput(path, 'operator object is empty');
      for (const [operator, operand] of entries) {
        conditions.push(parseCondition(key, operator, operand, `${path}.${operator}`));
      }
    } else {
      conditions.push(parseCondition(key, '$eq', spec, path));
    }
    if (conditions.length > filterLimits.conditions) {
      throw invalidInput(field || 'filter', `at most ${filterLimits.conditions} conditions`);
    }
  }
  return conditions;
}

function parseCondition(key: string, operator: string, operand: unknown, path: string): FilterCondition {
  if (!operators.has(operator)) throw invalidInput(path, `unknown operator (use ${[...operators].join(' ')})`);
  const op = operator as keyof FilterOperators;
  switch (op) {
    case '$exists':
      if (typeof operand !== 'boolean') throw invalidInput(path, 'must be true or false');
      return { key, operator: op, value: operand };
    case '$in':
    case '$nin':
      if (!Array.isArray(operand)) throw invalidInput(path, 'must be an array');
      if (operand.length > filterLimits.listLength) throw invalidInput(path, `at most ${filterLimits.listLength} values`);
      return { key, operator: op, value: operand.map((item, index) => parseScalar(item, `${path}[${index}]`)) };
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const value = parseScalar(operand, path);
      if (typeof value !== 'number' && typeof value !== 'string') throw invalidInput(path, 'must be a number or a string');
      return { key, operator: op, value };
    }
    default:
      return { key, operator: op, value: parseScalar(operand, path) };
  }
}

function parseScalar(value: unknown, path: string): FilterScalar {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidInput(path, 'must be a finite number');
    return value;
  }
  if (typeof value === 'string') {
    if (value.length > filterLimits.stringLength) throw invalidInput(path, `at most ${filterLimits.stringLength} characters`);
    // Stored metadata can hold neither, so a filter naming one could only fail in the database.
    if (!storableText(value)) throw invalidInput(path, 'must be well-formed Unicode without NUL characters');
    return value;
  }
  throw invalidInput(path, 'must be a string, number, boolean or null');
}

/** Text PostgreSQL can hold in jsonb: no NUL character, no lone surrogate. */
function storableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

/** True for `{}`-style objects (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
