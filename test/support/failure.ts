import { expect } from 'vitest';
import { StrataError } from '../../src/index.ts';

/** The StrataError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<StrataError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StrataError);
  return error as StrataError;
}
