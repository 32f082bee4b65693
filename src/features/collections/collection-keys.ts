import type { FilterScalar } from '../../core/filter.ts';
import { isPlainObject } from '../../core/filter.ts';
import type { Json } from '../../core/types.ts';

/**
 * Index keys: a document's value at an indexed path, as text whose byte order (COLLATE "C") is
 * the order `find` sorts by. Text, not jsonb, because text comparisons are leakproof: under
 * row-level security PostgreSQL uses only leakproof conditions as index conditions, so a jsonb
 * `=` would scan the whole collection. A type letter comes first, in jsonb's type order, and a
 * missing field sorts after everything (so a key column is never NULL in a declared slot):
 * null `a`, string `b` + text, number `c` + 16 hex digits of its order-preserving IEEE-754
 * bits, boolean `d0`/`d1`, array `e` / object `f` + JSON with sorted keys, missing `z`.
 */
export const missingKey = 'z';

/** The key of one JSON value (`undefined`: the field is missing). */
export function encodeKey(value: Json | undefined): string {
  if (value === undefined) return missingKey;
  if (value === null) return 'a';
  if (typeof value === 'string') return `b${value}`;
  if (typeof value === 'number') return `c${numberKey(value)}`;
  if (typeof value === 'boolean') return value ? 'd1' : 'd0';
  return `${Array.isArray(value) ? 'e' : 'f'}${canonicalJson(value)}`;
}

/** The key of a filter operand (always a scalar). */
export const scalarKey = (value: FilterScalar): string => encodeKey(value);

/** The first and last key of a scalar's type: a range condition stays within its operand's type. */
export function typeBounds(value: string | number): { low: string; high: string } {
  return typeof value === 'string' ? { low: 'b', high: 'c' } : { low: 'c', high: 'd' };
}

function numberKey(value: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value === 0 ? 0 : value);
  // Positive numbers: flip the sign bit; negative: flip every bit. Byte order is then numeric order.
  if (value < 0) for (let index = 0; index < 8; index += 1) bytes[index] = ~(bytes[index] as number) & 0xff;
  else bytes[0] = (bytes[0] as number) ^ 0x80;
  return bytes.toString('hex');
}

function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as Json)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

// strtol's view of an array position, as PostgreSQL's `#>` reads one: optional C whitespace and sign, then digits.
const arrayPosition = /^[ \t\n\v\f\r]*[+-]?[0-9]+$/;

/** The value at a dotted path, resolved as PostgreSQL's `#>` resolves it (so indexed and unindexed finds agree). */
export function valueAt(document: Json, keys: readonly string[]): Json | undefined {
  let current: Json | undefined = document;
  for (const key of keys) {
    if (Array.isArray(current)) {
      if (!arrayPosition.test(key)) return undefined;
      const position = Number(key.trim());
      if (!Number.isSafeInteger(position) || Math.abs(position) > 2_147_483_647) return undefined;
      current = current[position < 0 ? current.length + position : position];
    } else if (isPlainObject(current)) {
      current = Object.hasOwn(current, key) ? (current[key] as Json) : undefined;
    } else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}
