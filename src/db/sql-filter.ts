import type { FilterCondition } from '../core/filter.ts';
import type { SqlParams } from './sql-params.ts';

/**
 * Compiles validated metadata conditions to SQL on the `metadata` jsonb column. Keys and values
 * are always bind parameters, never spliced, so `%`, `_`, quotes or JSON-path syntax in them
 * match literally.
 */
export function compileMetadataFilter(conditions: readonly FilterCondition[], params: SqlParams, column = 'metadata'): string[] {
  return conditions.map((condition) => compileCondition(condition, params, column));
}

const comparisons = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

function compileCondition(condition: FilterCondition, params: SqlParams, column: string): string {
  const key = params.add(condition.key);
  const field = `(${column} -> ${key}::text)`;
  switch (condition.operator) {
    case '$exists':
      return condition.value === true ? `(${column} ? ${key}::text)` : `NOT (${column} ? ${key}::text)`;
    case '$eq':
      return `${field} = ${params.add(JSON.stringify(condition.value))}::jsonb`;
    case '$ne':
      return `${field} IS DISTINCT FROM ${params.add(JSON.stringify(condition.value))}::jsonb`;
    case '$in':
      return `${field} IN (SELECT jsonb_array_elements(${params.add(JSON.stringify(condition.value))}::jsonb))`;
    case '$nin':
      return `(${field} IS NULL OR ${field} NOT IN (SELECT jsonb_array_elements(${params.add(JSON.stringify(condition.value))}::jsonb)))`;
    default: {
      // jsonb orders numbers numerically and strings by collation; the type check keeps a
      // number from comparing against a string (jsonb would order them by type instead).
      const operand = `${params.add(JSON.stringify(condition.value))}::jsonb`;
      return `(jsonb_typeof(${field}) = jsonb_typeof(${operand}) AND ${field} ${comparisons[condition.operator]} ${operand})`;
    }
  }
}
