import type { FilterCondition } from '../core/filter.ts';
import type { SqlParams } from './sql-params.ts';

/** What a condition compares: an SQL expression for the value at its key, and one for its presence. */
export interface FilterTarget {
  value: string;
  exists: string;
}

/**
 * Compiles validated metadata conditions to SQL on the `metadata` jsonb column. Keys and values
 * are always bind parameters, never spliced, so `%`, `_`, quotes or JSON-path syntax in them
 * match literally.
 */
export function compileMetadataFilter(conditions: readonly FilterCondition[], params: SqlParams, column = 'metadata'): string[] {
  return conditions.map((condition) => {
    const key = params.add(condition.key);
    return compileCondition(condition, params, { value: `(${column} -> ${key}::text)`, exists: `(${column} ? ${key}::text)` });
  });
}

const comparisons = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

/** Compiles one condition against `target`; the operand is always a bind parameter. */
export function compileCondition(condition: FilterCondition, params: SqlParams, target: FilterTarget): string {
  const field = target.value;
  const operand = () => `${params.add(JSON.stringify(condition.value))}::jsonb`;
  switch (condition.operator) {
    case '$exists':
      return condition.value === true ? target.exists : `NOT ${target.exists}`;
    case '$eq':
      return `${field} = ${operand()}`;
    case '$ne':
      return `${field} IS DISTINCT FROM ${operand()}`;
    // An array built once from the list: an index on the field serves it as `= ANY`.
    case '$in':
      return `${field} = ANY (ARRAY(SELECT jsonb_array_elements(${operand()})))`;
    case '$nin':
      return `(${field} IS NULL OR ${field} <> ALL (ARRAY(SELECT jsonb_array_elements(${operand()}))))`;
    default: {
      // jsonb orders numbers numerically and strings by collation; the type check keeps a
      // number from comparing against a string (jsonb would order them by type instead).
      const value = operand();
      return `(jsonb_typeof(${field}) = jsonb_typeof(${value}) AND ${field} ${comparisons[condition.operator]} ${value})`;
    }
  }
}
