import { z } from 'zod';
import { StrataError } from '../core/errors.ts';
import type { EmbeddingProvider } from './embedding-provider.ts';
import {
  type AttemptOutcome,
  abortableSleep,
  isRetryableResponse,
  type ProviderRetryOptions,
  type RetryableFailure,
  retryAfterMs,
  withRetries,
} from './http-retry.ts';
import { errorMessage, parseEmbeddings, statusError } from './openai-wire.ts';
import { parseProviderSettings, withoutUndefined } from './provider-settings.ts';

/** Options for {@link createOpenAIEmbedder}. */
export interface OpenAIEmbedderOptions extends ProviderRetryOptions {
  /** API root including the version segment: `https://api.openai.com/v1`, `http://localhost:11434/v1`. */
  baseUrl: string;
  /** Model name as the server knows it, e.g. `text-embedding-3-small`, `nomic-embed-text`. */
  model: string;
  /** Length of the model's vectors; every response is checked against it. */
  dimensions: number;
  /** Sent as `Authorization: Bearer ...` when given. Never logged or put in an error. */
  apiKey?: string;
  /**
   * Send `dimensions` in the request, asking the model to shorten its vectors (OpenAI's
   * `text-embedding-3-*`). Default false: many compatible servers reject the field.
   */
  sendDimensions?: boolean;
  /** Texts per request. Default 64. */
  batchSize?: number;
  /** Retries after the first attempt, on network errors, timeouts, 408, 409, 429 and 5xx. Default 3. */
  maxRetries?: number;
  /** Time limit of each attempt, response body included. Default 30000. */
  timeoutMs?: number;
}

const settingsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1),
  dimensions: z.int().min(1).max(16_000),
  batchSize: z.int().min(1).max(2048),
  maxRetries: z.int().min(0).max(20),
  timeoutMs: z.number().positive(),
  retryBaseDelayMs: z.number().min(0),
  maxRetryDelayMs: z.number().min(0),
});

/**
 * An {@link EmbeddingProvider} for any server speaking OpenAI's `POST /embeddings` (OpenAI,
 * Ollama, vLLM, TEI, LiteLLM, ...). Splits input into batches, retries transient failures
 * with exponential backoff and jitter (honouring `Retry-After`), and checks every vector's
 * length. Errors: `invalid_input` (400), `misconfigured` (bad key, URL, model or dimensions),
 * `timeout` and `unavailable` (retries exhausted, with the last failure as `cause`); an abort
 * through the caller's signal rejects with the signal's reason.
 *
 * @example
 * const embedder = createOpenAIEmbedder({
 *   baseUrl: 'https://api.openai.com/v1', model: 'text-embedding-3-small', dimensions: 1536,
 *   apiKey: process.env.OPENAI_API_KEY,
 * });
 * embedder.model; // 'openai:text-embedding-3-small/1536'
 */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): EmbeddingProvider {
  const { apiKey, sendDimensions = false, fetch: fetchImplementation = globalThis.fetch, sleep = abortableSleep } = options;
  const settings = parseProviderSettings(settingsSchema, {
    batchSize: 64,
    maxRetries: 3,
    timeoutMs: 30_000,
    retryBaseDelayMs: 500,
    maxRetryDelayMs: 60_000,
    ...withoutUndefined(options),
  });
  const url = new URL(settings.baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/embeddings`;
  // Messages name the endpoint without credentials or query string.
  const endpoint = `${url.origin}${url.pathname}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const redact = (text: string) => (apiKey ? text.replaceAll(apiKey, '[redacted]') : text);

  async function attempt(input: readonly string[], signal: AbortSignal): Promise<AttemptOutcome<number[][]>> {
    const body = JSON.stringify({
      model: settings.model,
      input,
      encoding_format: 'float',
      ...(sendDimensions ? { dimensions: settings.dimensions } : {}),
    });
    const response = await fetchImplementation(url, { method: 'POST', headers, body, signal });
    const text = await response.text();
    if (response.ok) {
      const expected = { ...settings, count: input.length, sentDimensions: sendDimensions };
      return { ok: true, value: parseEmbeddings(text, expected) };
    }
    const message = redact(errorMessage(text));
    if (!isRetryableResponse(response)) throw statusError(response.status, message, endpoint);
    const reason = `HTTP ${response.status}${message ? `: ${message}` : ''}`;
    return { ok: false, failure: { kind: 'status', reason, status: response.status, retryAfterMs: retryAfterMs(response.headers) } };
  }

  function embedBatch(input: readonly string[], signal: AbortSignal | undefined): Promise<number[][]> {
    return withRetries((attemptSignal) => attempt(input, attemptSignal), {
      maxRetries: settings.maxRetries,
      timeoutMs: settings.timeoutMs,
      baseDelayMs: settings.retryBaseDelayMs,
      maxDelayMs: settings.maxRetryDelayMs,
      sleep,
      signal,
      redact,
      exhausted: (failure, attempts) => exhausted(failure, attempts, endpoint),
    });
  }

  return {
    model: `openai:${settings.model}/${settings.dimensions}`,
    dimensions: settings.dimensions,
    async embed(texts, embedOptions = {}) {
      const { signal } = embedOptions;
      signal?.throwIfAborted();
      const vectors: number[][] = [];
      // One batch at a time: rate limits are per key, and parallel batches would only trip them sooner.
      for (let start = 0; start < texts.length; start += settings.batchSize) {
        vectors.push(...(await embedBatch(texts.slice(start, start + settings.batchSize), signal)));
      }
      return vectors;
    },
  };
}

function exhausted(failure: RetryableFailure, attempts: number, endpoint: string): StrataError {
  const { kind, reason, cause, status, retryAfterMs } = failure;
  const code = kind === 'timeout' ? 'timeout' : 'unavailable';
  return new StrataError(code, `embeddings request to ${endpoint} failed after ${attempts} attempt(s): ${reason}`, {
    details: { endpoint, attempts, ...(status === undefined ? {} : { status }), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    cause,
  });
}
