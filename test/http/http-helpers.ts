import { expect } from 'vitest';
import type { StrataErrorCode } from '../../src/index.ts';
import type { Problem } from '../../src/server/problem.ts';
import { injectedFetch } from '../support/inject.ts';

/** An RFC 9457 problem body as the service sends it. */
export type ProblemBody = Problem;

/** A response already read: status, headers, and the body parsed as JSON when it is JSON. */
export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** What one raw request sends. */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** An API key secret, sent as `Authorization: Bearer …`. */
  key?: string;
  headers?: Record<string, string>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is (the caller sets the content type). */
  rawBody?: string | Uint8Array;
}

/**
 * Sends one request to the service over loopback with `fetch` (or through `inject` for a
 * server started in-process), with nothing added but what the caller asks for, and reads the
 * whole response.
 */
export async function send<T = unknown>(baseUrl: string, request: HttpRequest): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.key !== undefined) headers.authorization = `Bearer ${request.key}`;
  let body: string | Uint8Array | undefined = request.rawBody;
  if (request.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(request.json);
  }
  const response = await (injectedFetch(baseUrl) ?? fetch)(`${baseUrl}${request.path}`, {
    method: request.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  const isJson = /json/.test(response.headers.get('content-type') ?? '');
  return { status: response.status, headers: response.headers, body: (isJson && text.length > 0 ? JSON.parse(text) : text) as T, text };
}

/** Asserts a problem+json response with `status` and `code`, whose `requestId` matches the `x-request-id` header. */
export function expectProblem(response: HttpResponse, status: number, code: StrataErrorCode): ProblemBody {
  const problem = response.body as ProblemBody;
  expect({ status: response.status, code: problem.code }, response.text).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(problem).toMatchObject({ status, code, type: `/docs#error-${code}` });
  expect(problem.title.length).toBeGreaterThan(0);
  expect(problem.detail.length).toBeGreaterThan(0);
  expect(problem.requestId).toBe(response.headers.get('x-request-id'));
  return problem;
}

/**
 * A problem body with what legitimately differs between two requests removed: the request id,
 * and the id the request named (replaced by a placeholder wherever it appears).
 */
export function comparableProblem(response: HttpResponse, namedId: string): unknown {
  const { requestId: _requestId, ...rest } = response.body as ProblemBody;
  return JSON.parse(JSON.stringify(rest).replaceAll(namedId, '<id>'));
}

/** A syntactically valid memory id that names nothing. */
export const randomMemoryId = (): string => crypto.randomUUID();

/** True when `text` looks like a version 4 or 7 UUID. */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
