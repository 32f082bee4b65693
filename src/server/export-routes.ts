import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidInput, StrataError } from '../core/errors.ts';
import type { Strata } from '../create-strata.ts';
import { splitLines, toJsonLines } from '../features/export/index.ts';

/** The media type of an export file: one JSON record per line. */
export const ndjsonType = 'application/x-ndjson';

/** Default largest import body: 1 GiB (`STRATA_IMPORT_BODY_LIMIT`). */
export const defaultImportBodyLimit = 1024 * 1024 * 1024;

/** Options of {@link exportRoutes}. */
export interface ExportRoutesOptions {
  strata: Strata;
  /** Largest accepted import body in bytes; larger ones get 413. */
  importBodyLimit: number;
}

/**
 * `GET /v1/tenants/{id}/export` streams a tenant as JSON lines (chunked); `POST
 * /v1/tenants/{id}/import` reads an export's lines as they arrive and creates the tenant.
 * Register inside the authenticated API scope: the caller comes from the API key.
 */
export function exportRoutes(options: ExportRoutesOptions) {
  const { strata, importBodyLimit } = options;
  return async (scope: FastifyInstance) => {
    // The body is handed over as a stream and parsed line by line, never held whole in memory.
    scope.addContentTypeParser([ndjsonType, 'application/jsonl'], { bodyLimit: importBodyLimit }, (_request, payload, done) =>
      done(null, payload),
    );

    scope.get('/v1/tenants/:id/export', async (request, reply) => {
      const batchSize = integerQuery(request, 'batchSize');
      const records = await callerHandle(strata, request).exports.export(
        tenantParam(request),
        batchSize === undefined ? {} : { batchSize },
      );
      // Errors before this point are problem+json; one while streaming cuts the body short, before
      // its trailer line, which is how a reader (and an import) tells the file is incomplete.
      return reply
        .code(200)
        .type(`${ndjsonType}; charset=utf-8`)
        .send(Readable.from(toJsonLines(records)));
    });

    scope.post('/v1/tenants/:id/import', { bodyLimit: importBodyLimit }, async (request, reply) => {
      const declared = Number(request.headers['content-length'] ?? Number.NaN);
      if (declared > importBodyLimit) throw tooLarge(importBodyLimit);
      if (!(request.body instanceof Readable)) throw invalidInput('content-type', `must be ${ndjsonType}`);
      const clientId = stringQuery(request, 'clientId');
      const batchSize = integerQuery(request, 'batchSize');
      const body = request.body;
      try {
        // destroyOnReturn: false keeps a refused upload readable, so it can be drained below.
        const chunks = limited(body.iterator({ destroyOnReturn: false }), importBodyLimit);
        const report = await callerHandle(strata, request).exports.import(tenantParam(request), splitLines(chunks), {
          ...(clientId === undefined ? {} : { clientId }),
          ...(batchSize === undefined ? {} : { batchSize }),
        });
        return reply.code(201).send(report);
      } catch (error) {
        // Read the rest of a refused upload (up to the limit) so the client gets the problem, not a reset.
        if (error instanceof StrataError && error.code === 'payload_too_large') reply.header('connection', 'close');
        else await drain(body);
        throw error;
      }
    });
  };
}

function callerHandle(strata: Strata, request: FastifyRequest): Strata {
  if (request.caller === undefined) throw new StrataError('unauthenticated', 'an API key is required');
  return strata.as({ ...request.caller, requestId: request.id });
}

function tenantParam(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

function stringQuery(request: FastifyRequest, field: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[field];
  if (Array.isArray(value)) throw invalidInput(field, 'must be given once');
  return value;
}

function integerQuery(request: FastifyRequest, field: string): number | undefined {
  const value = stringQuery(request, field);
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw invalidInput(field, 'must be a positive integer');
  return Number(value);
}

const tooLarge = (limit: number) =>
  new StrataError('payload_too_large', `body: larger than the import size limit of ${limit} bytes`, { details: { field: 'body', limit } });

/** Passes the body through, failing once more than `limit` bytes have arrived (a chunked body declares no length). */
async function* limited(body: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let received = 0;
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > limit) throw tooLarge(limit);
    yield chunk;
  }
}

async function drain(body: Readable): Promise<void> {
  if (body.readableEnded || body.destroyed) return;
  await new Promise<void>((resolve) => {
    body
      .once('end', resolve)
      .once('error', () => resolve())
      .once('close', resolve);
    body.resume();
  });
}
