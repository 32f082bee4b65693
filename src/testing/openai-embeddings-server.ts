import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHashEmbedder } from '../models/hash-embedder.ts';

/** Options for {@link startEmbeddingsServer}. */
export interface EmbeddingsServerOptions {
  /** Vector length when a request does not ask for `dimensions`. Default 384. */
  dimensions?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get a 401. */
  apiKey?: string;
  /** Order of `data` in responses; `'reversed'` checks that clients sort by `index`. Default `'input'`. */
  order?: 'input' | 'reversed';
  /** Milliseconds to hold every response. Default 0. */
  delayMs?: number;
}

/** A request as the server received it. */
export interface RecordedEmbeddingsRequest {
  method: string;
  path: string;
  /** The raw `Authorization` header, if any. */
  authorization?: string;
  /** The parsed JSON body (or `undefined` if it was not JSON). */
  body: unknown;
}

/** How to fail a request: the status, and optionally a `Retry-After` value and a body. */
export interface EmbeddingsFailure {
  status: number;
  /** Sent as the `Retry-After` header, e.g. `'2'` (seconds). */
  retryAfter?: string;
  /** Response body; default an OpenAI-style `{ error: { message } }`. */
  body?: unknown;
}

/** A running stub server; see {@link startEmbeddingsServer}. */
export interface EmbeddingsServer {
  /** Base URL to give a client, ending in `/v1`. */
  url: string;
  /** Every request received, failed ones included, in arrival order. */
  requests: RecordedEmbeddingsRequest[];
  /** Fails the next `count` requests with `failure`. */
  failNext(count: number, failure: EmbeddingsFailure): void;
  /** Changes how long responses are held, from the next request on. */
  setDelay(milliseconds: number): void;
  /** Stops the server, dropping open connections and held responses. */
  close(): Promise<void>;
}

/**
 * Starts a real HTTP server on 127.0.0.1 (a free port) that speaks OpenAI's
 * `POST /v1/embeddings` wire format, with deterministic vectors from the offline hash embedder
 * (same text and length, same vector). Knobs make it fail, rate-limit, stall or demand a key,
 * so a provider's retry, timeout and error paths can be tested over loopback.
 *
 * @example
 * const server = await startEmbeddingsServer({ dimensions: 8 });
 * server.failNext(1, { status: 429, retryAfter: '1' });
 * const embedder = createOpenAIEmbedder({ baseUrl: server.url, model: 'stub', dimensions: 8 });
 * await server.close();
 */
export async function startEmbeddingsServer(options: EmbeddingsServerOptions = {}): Promise<EmbeddingsServer> {
  const { dimensions = 384, apiKey, order = 'input' } = options;
  let delayMs = options.delayMs ?? 0;
  const failures: EmbeddingsFailure[] = [];
  const requests: RecordedEmbeddingsRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  // A client that gives up mid-request (a timeout test) must not crash the test run.
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      ...(request.headers.authorization === undefined ? {} : { authorization: request.headers.authorization }),
      body,
    });
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, delayMs);
        timers.add(timer);
      });
    }
    await respond(request, response, body);
  }

  async function respond(request: IncomingMessage, response: ServerResponse, body: unknown): Promise<void> {
    if (response.destroyed) return;
    const failure = failures.shift();
    if (failure !== undefined) {
      const headers: Record<string, string> = failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter };
      return send(response, failure.status, failure.body ?? openAIError(`stub failure ${failure.status}`, 'server_error'), headers);
    }
    if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
      return send(response, 404, openAIError(`no route ${request.method} ${request.url}`, 'invalid_request_error'));
    }
    if (apiKey !== undefined && request.headers.authorization !== `Bearer ${apiKey}`) {
      // Echoes the key it got, masked the way OpenAI does, so clients' redaction is exercised.
      const given = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      return send(response, 401, openAIError(`Incorrect API key provided: ${given}`, 'invalid_request_error'));
    }
    const parsed = parseRequest(body, dimensions);
    if (typeof parsed === 'string') return send(response, 400, openAIError(parsed, 'invalid_request_error'));
    const vectors = await createHashEmbedder({ dimensions: parsed.dimensions }).embed(parsed.input);
    const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding }));
    if (order === 'reversed') data.reverse();
    const tokens = parsed.input.reduce((sum, text) => sum + text.split(/\s+/).filter(Boolean).length, 0);
    send(response, 200, { object: 'list', data, model: parsed.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(count, failure) {
      for (let index = 0; index < count; index++) failures.push(failure);
    },
    setDelay(milliseconds) {
      delayMs = milliseconds;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function parseRequest(body: unknown, defaultDimensions: number): { model: string; input: string[]; dimensions: number } | string {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object';
  const { model, input, dimensions = defaultDimensions } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model === '') return "'model' must be a non-empty string";
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string')) {
    return "'input' must be a string or a non-empty array of strings";
  }
  if (!Number.isInteger(dimensions) || (dimensions as number) < 2) return "'dimensions' must be an integer of at least 2";
  return { model, input: texts, dimensions: dimensions as number };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function openAIError(message: string, type: string) {
  return { error: { message, type, param: null, code: null } };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
