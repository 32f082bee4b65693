import { describe, expect, it } from 'vitest';
import { StrataError } from '../core/errors.ts';
import { backoffDelay, isRetryableResponse, isRetryableStatus, type RetryableFailure, retryAfterMs, withRetries } from './http-retry.ts';

describe('retryAfterMs', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('reads seconds, an HTTP date against the given clock, and retry-after-ms', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Tue, 01 Jan 2030 00:00:07 GMT' }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Mon, 31 Dec 2029 23:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
  });

  it('is undefined when absent or unreadable', () => {
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });
});

describe('isRetryableResponse', () => {
  it('retries 408, 409, 429 and 5xx, and nothing else', () => {
    expect([400, 401, 404, 408, 409, 422, 429, 500, 503].filter(isRetryableStatus)).toEqual([408, 409, 429, 500, 503]);
  });

  it('lets x-should-retry override the status', () => {
    expect(isRetryableResponse(new Response(null, { status: 429, headers: { 'x-should-retry': 'false' } }))).toBe(false);
    expect(isRetryableResponse(new Response(null, { status: 400, headers: { 'x-should-retry': 'true' } }))).toBe(true);
    expect(isRetryableResponse(new Response(null, { status: 503 }))).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('doubles per retry with equal jitter, capped', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4].map((retry) => backoffDelay(retry, { ...options, random: () => 0 }))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 4].map((retry) => backoffDelay(retry, { ...options, random: () => 0.999999 }))).toEqual([100, 200, 400, 800, 1000]);
  });
});

describe('withRetries', () => {
  const failure: RetryableFailure = { kind: 'status', reason: 'HTTP 503', status: 503 };
  const exhausted = (last: RetryableFailure, attempts: number) =>
    new StrataError('unavailable', `${attempts}: ${last.reason}`, { details: { last } });

  function policy(sleeps: number[]) {
    return {
      maxRetries: 3,
      timeoutMs: 60_000,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      random: () => 0.5,
      sleep: async (milliseconds: number) => {
        sleeps.push(milliseconds);
      },
      exhausted,
    };
  }

  it('retries failures with backoff, preferring the server’s Retry-After, until a value comes', async () => {
    const sleeps: number[] = [];
    const outcomes = [
      { ok: false as const, failure },
      { ok: false as const, failure: { ...failure, retryAfterMs: 2500 } },
      { ok: true as const, value: 'done' },
    ];
    expect(await withRetries(async () => outcomes.shift() ?? { ok: false, failure }, policy(sleeps))).toBe('done');
    expect(sleeps).toEqual([75, 2500]);
  });

  it('throws exhausted with the last failure and the attempt count', async () => {
    const sleeps: number[] = [];
    await expect(withRetries(async () => ({ ok: false, failure }), policy(sleeps))).rejects.toThrow('4: HTTP 503');
    expect(sleeps).toHaveLength(3);
  });

  it('stops at once when Retry-After asks for longer than maxDelayMs', async () => {
    const sleeps: number[] = [];
    await expect(withRetries(async () => ({ ok: false, failure: { ...failure, retryAfterMs: 60_000 } }), policy(sleeps))).rejects.toThrow(
      '1: HTTP 503',
    );
    expect(sleeps).toEqual([]);
  });

  it('classifies a rejection as a network failure, redacted, and rethrows a StrataError untouched', async () => {
    const sleeps: number[] = [];
    const network = withRetries(
      async () => {
        throw new TypeError('fetch failed', { cause: new Error('connect to sk-secret failed') });
      },
      { ...policy(sleeps), maxRetries: 0, redact: (text) => text.replaceAll('sk-secret', '[redacted]') },
    );
    await expect(network).rejects.toMatchObject({
      details: { last: { kind: 'network', reason: 'network error (connect to [redacted] failed)' } },
    });
    const permanent = new StrataError('invalid_input', 'messages: bad');
    await expect(
      withRetries(async () => {
        throw permanent;
      }, policy(sleeps)),
    ).rejects.toBe(permanent);
    expect(sleeps).toEqual([]);
  });

  it('aborts the attempt’s signal on its time limit and reports a timeout', async () => {
    const stalled = (signal: AbortSignal) =>
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    const error = await withRetries(stalled, { ...policy([]), maxRetries: 0, timeoutMs: 5 }).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ details: { last: { kind: 'timeout', reason: 'no response within 5 ms' } } });
  });

  it('rejects with the caller’s reason and never retries an abort', async () => {
    const controller = new AbortController();
    const sleeps: number[] = [];
    let attempts = 0;
    const pending = withRetries(
      (signal) => {
        attempts++;
        const aborted = new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        );
        controller.abort(new Error('caller gave up'));
        return aborted;
      },
      { ...policy(sleeps), signal: controller.signal },
    );
    await expect(pending).rejects.toThrow('caller gave up');
    expect(attempts).toBe(1);
    expect(sleeps).toEqual([]);
  });
});
