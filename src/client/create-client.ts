import { actingHeaders } from '../api/headers.ts';
import { type HttpOperation as Operation, httpOperations as operations } from '../api/registry.ts';
import { httpStatusByCode, StrataError, type StrataErrorCode } from '../core/errors.ts';
import type { Strata } from '../create-strata.ts';
import type { KeysApi } from '../features/keys/index.ts';
import type { CallerContext } from '../kernel/caller.ts';
import { createExportClient, type ExportClient } from './export-client.ts';

/** Options of {@link createStrataClient}. */
export interface StrataClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** The API key every request carries. */
  apiKey: string;
  /** A `fetch` implementation; default the global one. */
  fetch?: typeof fetch;
  /** Abandon a request after this many milliseconds (`timeout`). Default 60,000. */
  timeoutMs?: number;
}

/**
 * The HTTP client: the same operations, arguments, results and errors as the embedded library.
 * `as(context)` narrows the key (an operator key acting inside a tenant, an admin as a user).
 */
export interface StrataClient
  // Every feature's methods as the library has them, but for those the client shapes differently below.
  extends Omit<Strata, 'keys' | 'maintenance' | 'exports' | 'as' | 'withTenant' | 'info' | 'telemetry' | 'ping' | 'close'> {
  keys: Omit<KeysApi, 'authenticate' | 'register'>;
  maintenance: {
    reembed: (options?: { batchSize?: number }) => ReturnType<Strata['maintenance']['reembed']>;
    buildIndex: Strata['maintenance']['buildIndex'];
    indexLargeTenants: Strata['maintenance']['indexLargeTenants'];
  };
  /** Tenant export (a stream of records) and import (an upload of lines). */
  exports: ExportClient;
  /** A client whose every call acts for `context`, within what the key allows. */
  as(context: CallerContext): StrataClient;
}

/**
 * Creates a client for a Strata service.
 *
 * @example
 * const strata = createStrataClient({ baseUrl: 'http://127.0.0.1:8787', apiKey: process.env.STRATA_API_KEY! });
 * await strata.memories.create({ content: 'Prefers window seats' });
 * const { hits } = await strata.search({ query: 'seating preference' });
 */
export function createStrataClient(options: StrataClientOptions, acting: CallerContext = {}): StrataClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const send = createSender(options, actingHeaderValues(acting));
  const client: Record<string, unknown> = { as: (context: CallerContext) => createStrataClient(options, context) };
  client.exports = createExportClient({
    baseUrl,
    fetch: options.fetch ?? fetch,
    headers: { authorization: `Bearer ${options.apiKey}`, ...actingHeaderValues(acting) },
    timeoutMs: options.timeoutMs ?? 60_000,
    toError: errorFromResponse,
  });
  for (const operation of operations) {
    const call = (...args: unknown[]) => send(operation, requestFor(baseUrl, operation, args));
    const [group, method] = operation.name.split('.');
    if (group === undefined) continue;
    if (method === undefined) client[group] = call;
    else client[group] = { ...(client[group] as object | undefined), [method]: call };
  }
  return client as unknown as StrataClient;
}

interface PreparedRequest {
  url: string;
  body: unknown;
  headers: Record<string, string>;
}

function requestFor(baseUrl: string, operation: Operation, args: unknown[]): PreparedRequest {
  let path = operation.path;
  let body: unknown;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  operation.args.forEach((place, index) => {
    const value = args[index];
    if (place.in === 'path') path = path.replace(`{${place.name}}`, encodeURIComponent(String(value)));
    else if (place.in === 'body') body = place.field === undefined ? value : value === undefined ? undefined : { [place.field]: value };
    else if (place.in === 'header') {
      const field = (value as Record<string, unknown> | undefined)?.[place.field];
      if (field !== undefined) headers[place.name] = String(field);
    } else if (place.field !== undefined) {
      if (value !== undefined) query.set(place.field, String(value));
    } else {
      for (const [key, field] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (field !== undefined) query.set(key, typeof field === 'string' ? field : JSON.stringify(field));
      }
    }
  });
  if (operation.method !== 'GET' && operation.method !== 'DELETE' && body === undefined) body = {};
  const search = query.size > 0 ? `?${query}` : '';
  return { url: `${baseUrl}${path}${search}`, body: stripFunctions(body), headers };
}

/** Options such as `onProgress` cannot cross the wire. */
function stripFunctions(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([, value]) => typeof value !== 'function'));
}

function actingHeaderValues(context: CallerContext): Record<string, string> {
  const headers: Record<string, string> = {};
  if (context.tenantId !== undefined) headers[actingHeaders.tenant] = context.tenantId;
  if (context.userId !== undefined) headers[actingHeaders.user] = context.userId;
  if (context.role !== undefined) headers[actingHeaders.role] = context.role;
  if (context.clientId !== undefined) headers[actingHeaders.client] = context.clientId;
  return headers;
}

function createSender(options: StrataClientOptions, acting: Record<string, string>) {
  const fetchImplementation = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  return async (operation: Operation, request: PreparedRequest): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetchImplementation(request.url, {
        method: operation.method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...acting,
          ...request.headers,
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new StrataError(
        timedOut ? 'timeout' : 'unavailable',
        `${operation.name}: ${timedOut ? `no answer in ${timeoutMs} ms` : 'cannot reach the service'}`,
        {
          cause: error,
        },
      );
    }
    const text = await response.text();
    if (response.ok) return text.length === 0 ? undefined : JSON.parse(text);
    throw errorFromResponse(response, text);
  };
}

/** Turns a problem+json body back into the StrataError the server threw. */
function errorFromResponse(response: Response, text: string): StrataError {
  let problem: { code?: string; detail?: string; details?: Record<string, unknown>; requestId?: string } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    // not JSON: a proxy or a crashed server answered
  }
  const code = (
    problem.code !== undefined && problem.code in httpStatusByCode ? problem.code : codeForStatus(response.status)
  ) as StrataErrorCode;
  const requestId = problem.requestId ?? response.headers.get('x-request-id') ?? undefined;
  return new StrataError(code, problem.detail ?? `HTTP ${response.status}`, {
    details: problem.details ?? {},
    ...(requestId === undefined ? {} : { requestId }),
  });
}

function codeForStatus(status: number): StrataErrorCode {
  const match = Object.entries(httpStatusByCode).find(([, candidate]) => candidate === status);
  return (match?.[0] as StrataErrorCode | undefined) ?? (status >= 500 ? 'unavailable' : 'internal');
}
