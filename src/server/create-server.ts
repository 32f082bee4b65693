import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { callOperation } from '../api/call-operation.ts';
import { type HttpOperation as Operation, httpOperations as operations } from '../api/registry.ts';
import { invalidInput, StrataError } from '../core/errors.ts';
import type { Strata } from '../create-strata.ts';
import { bearerTokenMatches } from '../telemetry/metrics-token.ts';
import { prometheusContentType } from '../telemetry/prometheus.ts';
import type { Telemetry } from '../telemetry/types.ts';
import { createAuthenticator, type KeyCaller, keysMadeStale } from './auth.ts';
import { docsPage } from './docs-page.ts';
import { defaultImportBodyLimit, exportRoutes } from './export-routes.ts';
import { inputFromRequest } from './invoke.ts';
import { decodeJsonBody } from './json-body.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { toProblem } from './problem.ts';

/** One structured log line: never a request body, memory content or key. */
export interface RequestLog {
  time: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  tenantId?: string;
  keyId?: string;
  code?: string;
}

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The store every request runs against. */
  strata: Strata;
  /** Largest accepted request body in bytes; larger ones get 413. Default 2 MiB (a 1 MB memory plus JSON escaping). */
  bodyLimit?: number;
  /** Largest accepted `POST /v1/tenants/{id}/import` body in bytes (streamed, not held in memory). Default 1 GiB (`STRATA_IMPORT_BODY_LIMIT`). */
  importBodyLimit?: number;
  /** A request still running after this many milliseconds gets 504 `timeout`. Default 30,000. */
  requestTimeoutMs?: number;
  /** Receives one line per request; default: none (the `serve` command writes JSON lines to stdout). */
  log?: (entry: RequestLog) => void;
  /** Serves `GET /metrics`. Default: the store's own telemetry (`strata.telemetry`), if it has one. */
  telemetry?: Telemetry;
  /** When set, `GET /metrics` requires `Authorization: Bearer <metricsToken>` (the `serve` command reads `STRATA_METRICS_TOKEN`). */
  metricsToken?: string;
}

/** A Strata HTTP service, not yet listening. */
export interface StrataServer {
  /** The Fastify instance (for `inject` in tests, or to add routes). */
  readonly app: FastifyInstance;
  /** Starts listening; resolves with the base URL. */
  listen(options?: { host?: string; port?: number }): Promise<string>;
  /** Stops accepting, lets in-flight requests finish (within the request timeout), then closes the listener (not the store). */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: KeyCaller;
    startedAt: bigint;
  }
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the HTTP service: REST API v1 from the operation table, API key authentication,
 * problem+json errors, `/healthz`, `/readyz`, `/openapi.json` and `/docs`.
 *
 * @example
 * const server = createServer({ strata: await createStrata() });
 * console.log(await server.listen({ port: 8787 }));
 */
export function createServer(options: ServerOptions): StrataServer {
  const { strata } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const authenticator = createAuthenticator(strata);
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 2 * 1024 * 1024,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A client that stalls while sending a request is cut off like a slow handler.
    requestTimeout: requestTimeoutMs,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
  });
  // Only JSON bodies: without this, Fastify's text/plain parser would hand a string to validation.
  app.removeContentTypeParser('text/plain');
  // JSON bodies: UTF-8 only, depth checked before parsing, then Fastify's own (prototype-safe) parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeJsonBody(request.headers['content-type'], body as Buffer);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, text, done);
  });
  let closing = false;
  const openApi = buildOpenApiDocument();

  app.decorateRequest('caller', undefined);
  app.decorateRequest('startedAt', 0n);
  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = process.hrtime.bigint();
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    options.log?.(requestLog(request, reply));
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A key the store no longer accepts (revoked since it was cached): the next request looks it up afresh.
    if (error instanceof StrataError && error.code === 'unauthenticated') authenticator.forget(request.headers);
    return sendProblem(reply, request, fromFrameworkError(error));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new StrataError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: 'closing' });
    await strata.ping();
    return { status: 'ready' };
  });
  app.get('/openapi.json', async () => openApi);
  // Prometheus scrapes with its own bearer token, not an API key: outside the authenticated API.
  const telemetry = options.telemetry ?? (strata as { telemetry?: Telemetry }).telemetry;
  app.get('/metrics', async (request, reply) => {
    if (options.metricsToken !== undefined && !bearerTokenMatches(request.headers.authorization, options.metricsToken)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new StrataError('unauthenticated', 'authorization: /metrics requires the metrics bearer token');
    }
    if (telemetry === undefined) throw new StrataError('not_found', 'metrics: this server has no telemetry');
    return reply.type(prometheusContentType).send(await telemetry.metrics());
  });
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(docsPage()));

  app.register(async (api) => {
    // Authentication runs before the body is read: a bad key costs no parsing and no database work.
    api.addHook('onRequest', async (request, reply) => {
      // Every API answer is one caller's private data, and key create/rotate carry a secret:
      // no cache (browser, proxy, CDN) may keep any of them, errors included.
      reply.header('cache-control', 'no-store');
      request.caller = await authenticator.authenticate(request.headers);
    });
    for (const operation of operations) {
      api.route({ method: operation.method, url: fastifyPath(operation), handler: (request, reply) => handle(operation, request, reply) });
    }
    // Tenant export and import stream JSON lines: routes of their own, outside the JSON operation table.
    api.register(exportRoutes({ strata, importBodyLimit: options.importBodyLimit ?? defaultImportBodyLimit }));
  });

  async function handle(operation: Operation, request: FastifyRequest, reply: FastifyReply) {
    const caller = request.caller;
    if (caller === undefined) throw new StrataError('unauthenticated', 'an API key is required');
    const result = await withTimeout(
      callOperation(
        strata,
        operation,
        inputFromRequest(operation, {
          params: request.params as Record<string, string>,
          query: request.query as Record<string, string>,
          body: request.body,
          headers: request.headers,
        }),
        { ...caller, requestId: request.id },
      ),
      requestTimeoutMs,
    );
    const stale = keysMadeStale(operation.name, (request.params as Record<string, string | undefined>).id, caller);
    if (stale !== undefined) authenticator.forgetWhere(stale);
    return reply.code(operation.status).send(result);
  }

  return {
    app,
    async listen(listenOptions = {}) {
      return app.listen({ host: listenOptions.host ?? '127.0.0.1', port: listenOptions.port ?? 8787 });
    },
    async close() {
      closing = true;
      // In-flight requests get up to the request timeout to finish; a client stalled mid-request
      // (a half-sent body) must not hold the shutdown any longer than that.
      const force = setTimeout(() => app.server.closeAllConnections(), requestTimeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
    },
  };
}

function fastifyPath(operation: Operation): string {
  return operation.path.replace(/\{(\w+)\}/g, ':$1');
}

function sendProblem(reply: FastifyReply, request: FastifyRequest, error: unknown) {
  const problem = toProblem(error, request.id);
  // The cause of an internal error goes to the server's log only; the caller gets the request id.
  if (problem.code === 'internal') {
    process.emitWarning(`strata: request ${request.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  const retryAfter = (problem.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (problem.code === 'rate_limited' && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** Fastify's own errors (body too large, bad JSON, wrong content type) in Strata's codes. */
function fromFrameworkError(error: FastifyError): unknown {
  if (error instanceof StrataError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new StrataError('payload_too_large', 'body: larger than the request size limit', { details: { field: 'body' } });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalidInput('content-type', 'must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidInput('body', 'is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidInput('content-length', 'does not match the body');
  }
  if (error instanceof SyntaxError || error.statusCode === 400) return invalidInput('body', 'is not valid JSON');
  return error;
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StrataError('timeout', `the request took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function requestLog(request: FastifyRequest, reply: FastifyReply): RequestLog {
  const status = reply.statusCode;
  const entry: RequestLog = {
    time: new Date().toISOString(),
    level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
    message: 'request',
    requestId: request.id,
    method: request.method,
    route: request.routeOptions.url ?? 'unmatched',
    status,
    durationMs: Number(process.hrtime.bigint() - request.startedAt) / 1e6,
  };
  if (request.caller?.tenantId !== undefined) entry.tenantId = request.caller.tenantId;
  if (request.caller?.keyId !== undefined) entry.keyId = request.caller.keyId;
  return entry;
}
