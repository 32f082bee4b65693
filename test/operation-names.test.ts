import { describe, expect, expectTypeOf, it } from 'vitest';
import { type HttpOperationName, type OperationName, operations } from '../src/api/registry.ts';
import type { StrataClient } from '../src/client/index.ts';
import type { Strata } from '../src/index.ts';

// The registry, the library handle and the client are checked against each other by the type
// checker (npm test runs tsc over this file): a declared operation that is not a method of
// `Strata`, an HTTP operation the client lacks, or a `Strata` method nobody declared fails it.

/** `memories.create`, `search`, ...: the path of every method of `T`, one level of groups deep. */
type MethodPaths<T> = {
  [K in Extract<keyof T, string>]: T[K] extends (...args: never[]) => unknown
    ? K
    : T[K] extends object
      ? { [M in Extract<keyof T[K], string>]: T[K][M] extends (...args: never[]) => unknown ? `${K}.${M}` : never }[Extract<
          keyof T[K],
          string
        >]
      : never;
}[Extract<keyof T, string>];

/** Handle plumbing (and the telemetry object it exposes), not operations. */
type HandleMethods = 'as' | 'withTenant' | 'ping' | 'close' | `telemetry.${string}`;

describe('operation names', () => {
  it('every declared operation is a method of Strata, and every Strata method is declared', () => {
    expectTypeOf<OperationName>().toExtend<MethodPaths<Strata>>();
    expectTypeOf<Exclude<MethodPaths<Strata>, HandleMethods>>().toExtend<OperationName>();
  });

  it('every HTTP operation is a method of the client SDK', () => {
    expectTypeOf<HttpOperationName>().toExtend<MethodPaths<StrataClient>>();
    expectTypeOf<Exclude<MethodPaths<StrataClient>, 'as'>>().toExtend<HttpOperationName>();
  });

  it('the registry at run time holds the same names, once each', () => {
    const names = operations.map((operation) => operation.name);
    expect(new Set(names).size).toBe(names.length);
    const sample: OperationName[] = ['memories.create', 'search', 'context', 'exports.export', 'keys.authenticate'];
    expect(names).toEqual(expect.arrayContaining(sample));
  });
});
