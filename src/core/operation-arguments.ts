import type { ArgumentPlace, HttpRoute } from './operation.ts';

// The argument places most operations use, for their HTTP routes.

/** A path parameter (`{id}` by default). */
export const idParam = (name = 'id'): ArgumentPlace => ({ in: 'path', name });
/** The whole JSON body. */
export const body: ArgumentPlace = { in: 'body' };
/** The whole query string, as an object. */
export const query: ArgumentPlace = { in: 'query' };
/** The `Idempotency-Key` header, as the `idempotencyKey` field of an options argument. */
export const idempotencyKey: ArgumentPlace = { in: 'header', name: 'idempotency-key', field: 'idempotencyKey' };

/** An HTTP route: `route('GET', '/v1/keys/{id}', [idParam()])`; a success is 200 unless `status` says otherwise. */
export function route(
  method: HttpRoute['method'],
  path: string,
  args: ArgumentPlace[],
  extra: Pick<HttpRoute, 'body' | 'query' | 'stream'> & { status?: HttpRoute['status'] } = {},
): HttpRoute {
  return { method, path, args, status: 200, ...extra };
}
