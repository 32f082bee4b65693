import { z } from 'zod';
import { StrataError } from '../core/errors.ts';
import {
  type AttemptOutcome,
  abortableSleep,
  isRetryableResponse,
  type ProviderRetryOptions,
  type RetryableFailure,
  retryAfterMs,
  withRetries,
} from './http-retry.ts';
import type { ChatOptions, ChatRequest, ChatResult, LLMProvider } from './llm-provider.ts';
import {
  type ChatCompletion,
  chatRequestBody,
  chatStatusError,
  isQuotaExhausted,
  type MaxTokensParameter,
  parseChatCompletion,
  parseErrorBody,
  parseJsonAnswer,
} from './openai-chat-wire.ts';
import { parseProviderSettings, withoutUndefined } from './provider-settings.ts';

/** Options for {@link createOpenAIChatModel}. */
export interface OpenAIChatModelOptions extends ProviderRetryOptions {
  /**
   * API root including the version segment: `https://api.openai.com/v1` (OpenAI),
   * `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM),
   * `http://localhost:4000/v1` (LiteLLM proxy).
   */
  baseUrl: string;
  /** Model a request that names none is sent to, as the server knows it: `gpt-4o-mini`, `llama3.2`, ... */
  model: string;
  /** Sent as `Authorization: Bearer ...` when given. Never logged or put in an error. */
  apiKey?: string;
  /**
   * Extra headers for every request (e.g. `api-key` for Azure, `HTTP-Referer` for OpenRouter).
   * Their values are treated as secrets too: removed from error messages.
   */
  headers?: Record<string, string>;
  /**
   * The request field for `maxOutputTokens`. Default `max_tokens`, which Ollama, vLLM, LiteLLM
   * and OpenAI's GPT-4 family read; OpenAI's reasoning models (o-series, GPT-5) accept only
   * `max_completion_tokens`, which Ollama silently ignores.
   */
  maxTokensParameter?: MaxTokensParameter;
  /** Retries after the first attempt, on network errors, timeouts, 408, 409, 429 and 5xx. Default 2. */
  maxRetries?: number;
  /** Time limit of each attempt, response body included; a call may override it. Default 60000. */
  timeoutMs?: number;
  /** Source of backoff jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** The clock a `Retry-After` HTTP date is read against, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

const settingsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1),
  headers: z.record(z.string().min(1), z.string()),
  maxTokensParameter: z.enum(['max_tokens', 'max_completion_tokens']),
  maxRetries: z.int().min(0).max(20),
  timeoutMs: z.number().positive(),
  retryBaseDelayMs: z.number().min(0),
  maxRetryDelayMs: z.number().min(0),
});

const nonEmpty = z.string().min(1);
const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string(), name: nonEmpty.optional() }),
  z.object({ role: z.literal('user'), content: z.string(), name: nonEmpty.optional() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string(),
    name: nonEmpty.optional(),
    toolCalls: z.array(z.object({ id: nonEmpty, name: nonEmpty, arguments: z.string() })).optional(),
  }),
  z.object({ role: z.literal('tool'), content: z.string(), toolCallId: nonEmpty }),
]);
const requestSchema = z.object({
  messages: z.array(messageSchema).min(1, 'must hold at least one message'),
  model: nonEmpty.optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.int().min(1).optional(),
  responseFormat: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({
        type: z.literal('json'),
        schema: z.record(z.string(), z.unknown()).optional(),
        schemaName: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
          .optional(),
        schemaDescription: z.string().optional(),
        strict: z.boolean().optional(),
      }),
    ])
    .optional(),
});
const callOptionsSchema = z.object({ timeoutMs: z.number().positive().optional() });

/**
 * An {@link LLMProvider} for any server speaking OpenAI's `POST /chat/completions` (OpenAI,
 * Ollama, vLLM, LiteLLM, ...). Retries transient failures with exponential backoff and jitter,
 * honouring `Retry-After` (seconds or an HTTP date) up to `maxRetryDelayMs`; asks for JSON
 * through `response_format` and parses it. Never logs; the key and header values never reach
 * an error, and the model's content never does either.
 *
 * @example
 * const llm = createOpenAIChatModel({ baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: process.env.OPENAI_API_KEY });
 * const { json, usage } = await llm.chat({
 *   messages: [{ role: 'system', content: 'Reply with a JSON object {"facts": string[]}.' }, { role: 'user', content: 'I moved to Lyon.' }],
 *   responseFormat: { type: 'json' },
 *   maxOutputTokens: 300,
 * });
 */
export function createOpenAIChatModel(options: OpenAIChatModelOptions): LLMProvider {
  const { apiKey, fetch: fetchImplementation = globalThis.fetch, sleep = abortableSleep, random = Math.random, now = Date.now } = options;
  const settings = parseProviderSettings(settingsSchema, {
    headers: {},
    maxTokensParameter: 'max_tokens',
    maxRetries: 2,
    timeoutMs: 60_000,
    retryBaseDelayMs: 500,
    maxRetryDelayMs: 60_000,
    ...withoutUndefined(options),
  });
  const url = new URL(settings.baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  // Messages name the endpoint without credentials or query string.
  const endpoint = `${url.origin}${url.pathname}`;
  const headers = new Headers(settings.headers);
  headers.set('content-type', 'application/json');
  headers.set('accept', 'application/json');
  if (apiKey) headers.set('authorization', `Bearer ${apiKey}`);
  // Short values ("1", "true") cannot be secrets, and replacing them would garble messages.
  const secrets = [apiKey, ...Object.values(settings.headers)].filter((value): value is string => value !== undefined && value.length >= 8);
  const redact = (text: string) => secrets.reduce((redacted, secret) => redacted.replaceAll(secret, '[redacted]'), text);

  async function attempt(body: string, model: string, signal: AbortSignal): Promise<AttemptOutcome<ChatCompletion>> {
    const response = await fetchImplementation(url, { method: 'POST', headers, body, signal });
    const text = await response.text();
    if (response.ok) return { ok: true, value: parseChatCompletion(text, model) };
    const error = parseErrorBody(text);
    const message = redact(error.message);
    if (isQuotaExhausted(response.status, error) || !isRetryableResponse(response)) {
      throw chatStatusError(response.status, error, message, endpoint);
    }
    const reason = `HTTP ${response.status}${message ? `: ${message}` : ''}`;
    return { ok: false, failure: { kind: 'status', reason, status: response.status, retryAfterMs: retryAfterMs(response.headers, now()) } };
  }

  return {
    model: settings.model,
    async chat(request: ChatRequest, callOptions: ChatOptions = {}): Promise<ChatResult> {
      const { signal } = callOptions;
      signal?.throwIfAborted();
      validate(requestSchema, request, 'request');
      validate(callOptionsSchema, { timeoutMs: callOptions.timeoutMs }, 'options');
      const model = request.model ?? settings.model;
      const body = JSON.stringify(chatRequestBody(request, model, settings.maxTokensParameter));
      const completion = await withRetries((attemptSignal) => attempt(body, model, attemptSignal), {
        maxRetries: settings.maxRetries,
        timeoutMs: callOptions.timeoutMs ?? settings.timeoutMs,
        baseDelayMs: settings.retryBaseDelayMs,
        maxDelayMs: settings.maxRetryDelayMs,
        sleep,
        random,
        signal,
        redact,
        exhausted: (failure, attempts) => exhausted(failure, attempts, endpoint),
      });
      const { content, refusal, finishReason, usage, model: answeredBy } = completion;
      const result: ChatResult = { content, finishReason, usage, model: answeredBy, ...(refusal === undefined ? {} : { refusal }) };
      // Malformed output is not retried here: the same prompt usually fails the same way, and
      // every attempt is paid for. The caller decides (the error carries the usage to meter).
      if (request.responseFormat?.type === 'json') result.json = parseJsonAnswer(completion, request.maxOutputTokens);
      return result;
    },
  };
}

function exhausted(failure: RetryableFailure, attempts: number, endpoint: string): StrataError {
  const { kind, reason, cause, status, retryAfterMs } = failure;
  const code = kind === 'timeout' ? 'timeout' : status === 429 ? 'rate_limited' : 'unavailable';
  const details: Record<string, unknown> = { endpoint, attempts };
  if (status !== undefined) details.status = status;
  if (retryAfterMs !== undefined) {
    details.retryAfterMs = retryAfterMs;
    // The name the HTTP service turns into a Retry-After header.
    if (code === 'rate_limited') details.retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
  }
  return new StrataError(code, `chat completions request to ${endpoint} failed after ${attempts} attempt(s): ${reason}`, {
    details,
    cause,
  });
}

function validate(schema: z.ZodType, value: unknown, fallback: string): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || fallback;
  throw new StrataError('invalid_input', `${field}: ${issue?.message ?? 'is invalid'}`, { details: { field } });
}
