import { StrataError } from '../core/errors.ts';

/** Options for {@link backoffDelay}. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Upper bound of any computed delay. */
  maxDelayMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed and half random, so
 * clients that failed together do not retry together, yet none retries almost at once.
 *
 * @param retry 0 for the first retry, 1 for the second, ...
 */
export function backoffDelay(retry: number, options: BackoffOptions): number {
  const { baseDelayMs, maxDelayMs, random = Math.random } = options;
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * How long the server asked us to wait, in milliseconds, from `Retry-After` (seconds or an
 * HTTP date) or the non-standard `retry-after-ms` that OpenAI sends. `undefined` when absent
 * or unreadable.
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const milliseconds = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.ceil(milliseconds);
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * True for statuses worth retrying: request timeout, conflict (OpenAI answers 409 when a
 * lock on the request timed out), rate limiting and server errors — the set OpenAI's own SDKs retry.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Waits `milliseconds`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * True when a failed response is worth another attempt. The server's `x-should-retry` header
 * (sent by OpenAI and proxies in front of it) overrides the status; otherwise
 * {@link isRetryableStatus} decides.
 */
export function isRetryableResponse(response: Response): boolean {
  const directive = response.headers.get('x-should-retry');
  if (directive === 'true') return true;
  if (directive === 'false') return false;
  return isRetryableStatus(response.status);
}

/** A failed attempt worth repeating. Anything else an attempt should throw. */
export interface RetryableFailure {
  /** `timeout`: the attempt ran out of time; `network`: no usable response; `status`: a retryable HTTP status. */
  kind: 'timeout' | 'network' | 'status';
  /** What went wrong, for the final error message; must hold no secret. */
  reason: string;
  /** The HTTP status, for `kind: 'status'`. */
  status?: number;
  /** How long the server asked us to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** What one attempt of {@link withRetries} returns: its value, or a failure worth retrying. */
export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; failure: RetryableFailure };

/** What an HTTP provider (embeddings, chat) lets its caller tune about retrying and transport. */
export interface ProviderRetryOptions {
  /** Backoff before the first retry, doubled for each further one (with jitter). Default 500. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts; a `Retry-After` asking for longer ends the retries. Default 60000. */
  maxRetryDelayMs?: number;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Waits between retries; must reject when the signal aborts. Injectable so tests need not wait. */
  sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
}

/** Options for {@link withRetries}. */
export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Time limit of each attempt; the attempt's signal aborts when it passes. */
  timeoutMs: number;
  /** Backoff before the first retry, doubled for each further one (with jitter). */
  baseDelayMs: number;
  /** Longest wait between attempts; a `Retry-After` asking for longer ends the retries. */
  maxDelayMs: number;
  /** Waits between attempts; must reject when the signal aborts. */
  sleep: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** The caller's signal: aborting it rejects with its reason at once, and nothing is retried. */
  signal?: AbortSignal | undefined;
  /** Removes secrets from a network error's text before it becomes a failure reason. */
  redact?: (text: string) => string;
  /** The error to throw when retries run out (or a `Retry-After` is too long), given the last failure. */
  exhausted: (failure: RetryableFailure, attempts: number) => Error;
}

/**
 * Runs `attempt` until it returns a value, throws, or retries run out. Each attempt gets a
 * signal that aborts on its own time limit or on the caller's abort; a rejection that is not
 * a `StrataError` counts as a timeout (if the limit passed) or a network failure, and is
 * retried. Between attempts it waits the server's `Retry-After`, or exponential backoff with
 * jitter. The caller's abort is never retried: it rejects with the signal's reason.
 */
export async function withRetries<T>(attempt: (signal: AbortSignal) => Promise<AttemptOutcome<T>>, options: RetryOptions): Promise<T> {
  const { signal, sleep, redact = (text) => text } = options;
  const backoff = { baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs, random: options.random ?? Math.random };
  for (let retry = 0; ; retry++) {
    // An abort during an injected sleep that ignores the signal fires no event, so check before every attempt.
    signal?.throwIfAborted();
    const outcome = await attemptWithin(attempt, options.timeoutMs, signal, redact);
    if (outcome.ok) return outcome.value;
    const delay = outcome.failure.retryAfterMs ?? backoffDelay(retry, backoff);
    if (retry >= options.maxRetries || delay > options.maxDelayMs) throw options.exhausted(outcome.failure, retry + 1);
    await sleep(delay, signal);
  }
}

async function attemptWithin<T>(
  attempt: (signal: AbortSignal) => Promise<AttemptOutcome<T>>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  redact: (text: string) => string,
): Promise<AttemptOutcome<T>> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const forwardAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', forwardAbort, { once: true });
  try {
    return await attempt(controller.signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof StrataError) throw error;
    if (timedOut) return { ok: false, failure: { kind: 'timeout', reason: `no response within ${timeoutMs} ms`, cause: error } };
    return { ok: false, failure: { kind: 'network', reason: redact(networkReason(error)), cause: error } };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forwardAbort);
  }
}

/** undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
export function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return 'network error';
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string') return `network error (${cause.code})`;
  return `network error (${typeof cause?.message === 'string' ? cause.message : error.message})`;
}
