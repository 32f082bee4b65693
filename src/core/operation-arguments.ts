import type { ArgumentPlace } from './operation.ts';

// The argument places most operations use, for their HTTP routes.

/** A path parameter (`{id}` by default). */
export const idParam = (name = 'id'): ArgumentPlace => ({ in: 'path', name });
/** The whole JSON body. */
export const body: ArgumentPlace = { in: 'body' };
/** The whole query string, as an object. */
export const query: ArgumentPlace = { in: 'query' };
/** The `Idempotency-Key` header, as the `idempotencyKey` field of an options argument. */
export const idempotencyKey: ArgumentPlace = { in: 'header', name: 'idempotency-key', field: 'idempotencyKey' };
