import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failure } from '../../test/support/failure.ts';
import { type EmbeddingsServer, startEmbeddingsServer } from '../testing/index.ts';
import { createHashEmbedder } from './hash-embedder.ts';
import { abortableSleep } from './http-retry.ts';
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from './openai-embedder.ts';

let server: EmbeddingsServer;
const sleeps: number[] = [];
// Records each backoff instead of waiting it out, so retry tests are instant and untimed.
const sleep = async (milliseconds: number) => {
  sleeps.push(milliseconds);
};

beforeEach(async () => {
  sleeps.length = 0;
  server = await startEmbeddingsServer({ dimensions: 16 });
});
afterEach(async () => {
  await server.close();
});

function embedder(options: Partial<OpenAIEmbedderOptions> = {}) {
  return createOpenAIEmbedder({ baseUrl: server.url, model: 'stub-embed', dimensions: 16, sleep, ...options });
}

const texts = Array.from({ length: 10 }, (_, index) => `text number ${index} about topic ${index % 3}`);

describe('createOpenAIEmbedder', () => {
  it('names the model and dimensions', () => {
    expect(embedder().model).toBe('openai:stub-embed/16');
    expect(embedder().dimensions).toBe(16);
  });

  it('splits input into batches and returns vectors in input order', async () => {
    const vectors = await embedder({ batchSize: 4 }).embed(texts);
    expect(vectors).toEqual(await createHashEmbedder({ dimensions: 16 }).embed(texts));
    expect(server.requests.map((request) => (request.body as { input: string[] }).input.length)).toEqual([4, 4, 2]);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/embeddings',
      body: { model: 'stub-embed', encoding_format: 'float' },
    });
    expect(server.requests[0]?.body).not.toHaveProperty('dimensions');
  });

  it('orders results by index when the server returns them out of order', async () => {
    await server.close();
    server = await startEmbeddingsServer({ dimensions: 16, order: 'reversed' });
    expect(await embedder().embed(texts)).toEqual(await createHashEmbedder({ dimensions: 16 }).embed(texts));
  });

  it('sends no request for no texts', async () => {
    expect(await embedder().embed([])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('sends dimensions only when asked to', async () => {
    const vectors = await embedder({ dimensions: 24, sendDimensions: true }).embed(['hello']);
    expect(vectors[0]).toHaveLength(24);
    expect(server.requests[0]?.body).toMatchObject({ dimensions: 24 });
  });

  it('retries 5xx and 429 with growing backoff, then succeeds', async () => {
    server.failNext(2, { status: 500 });
    server.failNext(1, { status: 429 });
    const vectors = await embedder({ retryBaseDelayMs: 100 }).embed(['hello']);
    expect(vectors).toHaveLength(1);
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    // Equal jitter: retry n waits between half and all of 100 * 2^n.
    sleeps.forEach((delay, retry) => {
      expect(delay).toBeGreaterThanOrEqual(50 * 2 ** retry);
      expect(delay).toBeLessThanOrEqual(100 * 2 ** retry);
    });
  });

  it('honours Retry-After', async () => {
    server.failNext(1, { status: 429, retryAfter: '2' });
    await embedder().embed(['hello']);
    expect(sleeps).toEqual([2000]);
  });

  it('gives up when Retry-After asks for longer than maxRetryDelayMs', async () => {
    server.failNext(1, { status: 503, retryAfter: '3600' });
    const error = await failure(embedder().embed(['hello']));
    expect(error.code).toBe('unavailable');
    expect(error.details).toMatchObject({ attempts: 1, status: 503, retryAfterMs: 3_600_000 });
    expect(sleeps).toEqual([]);
  });

  it('fails with unavailable after maxRetries, naming the last failure', async () => {
    server.failNext(10, { status: 503 });
    const error = await failure(embedder({ maxRetries: 2 }).embed(['hello']));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/after 3 attempt\(s\): HTTP 503/);
    expect(server.requests).toHaveLength(3);
  });

  it('fails with unavailable, with the network error as cause, when nothing listens', async () => {
    const baseUrl = server.url;
    await server.close();
    const error = await failure(createOpenAIEmbedder({ baseUrl, model: 'm', dimensions: 16, maxRetries: 1, sleep }).embed(['hello']));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/network error/);
    expect(error.cause).toBeInstanceOf(Error);
    expect(sleeps).toHaveLength(1);
    server = await startEmbeddingsServer();
  });

  it('times out each attempt and fails with timeout after the retries', async () => {
    server.setDelay(10_000);
    const error = await failure(embedder({ timeoutMs: 50, maxRetries: 1 }).embed(['hello']));
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/no response within 50 ms/);
    // Not server.requests: under load an attempt can time out before the server has read it.
    expect(error.details).toMatchObject({ attempts: 2 });
  });

  it('does not retry a rejected input', async () => {
    server.failNext(1, { status: 400, body: { error: { message: "'input' is invalid" } } });
    const error = await failure(embedder().embed(['hello']));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain("'input' is invalid");
    expect(server.requests).toHaveLength(1);
  });

  it('sends the key as a bearer token', async () => {
    await server.close();
    server = await startEmbeddingsServer({ dimensions: 16, apiKey: 'sk-right-key' });
    await embedder({ apiKey: 'sk-right-key' }).embed(['hello']);
    expect(server.requests[0]?.authorization).toBe('Bearer sk-right-key');
  });

  it('reports a refused key as misconfigured, without retrying and without the key', async () => {
    await server.close();
    server = await startEmbeddingsServer({ dimensions: 16, apiKey: 'sk-right-key' });
    const error = await failure(embedder({ apiKey: 'sk-wrong-key-123' }).embed(['hello']));
    expect(error.code).toBe('misconfigured');
    expect(error.details).toMatchObject({ field: 'apiKey', status: 401 });
    expect(server.requests).toHaveLength(1);
    // The stub echoes the key it got, as OpenAI does; it must not reach the error.
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('sk-wrong-key-123');
    expect(error.message).toContain('[redacted]');
  });

  it('reports vectors of the wrong length as misconfigured naming dimensions', async () => {
    const error = await failure(embedder({ dimensions: 32 }).embed(['hello']));
    expect(error.code).toBe('misconfigured');
    expect(error.message).toMatch(/^dimensions: .*length 16.*dimensions is 32/);
    expect(error.details).toMatchObject({ field: 'dimensions', expected: 32, actual: 16 });
  });

  it('reports a response with the wrong number of vectors as misconfigured', async () => {
    const dropLast: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as { data: unknown[] };
      return Response.json({ ...body, data: body.data.slice(0, -1) });
    };
    const error = await failure(embedder({ fetch: dropLast }).embed(['one', 'two']));
    expect(error.code).toBe('misconfigured');
    expect(error.message).toMatch(/1 embeddings for 2 inputs/);
  });

  it('reports a wrong base URL as misconfigured', async () => {
    const error = await failure(embedder({ baseUrl: `${server.url}/nowhere` }).embed(['hello']));
    expect(error.code).toBe('misconfigured');
    expect(error.details).toMatchObject({ status: 404 });
  });

  it('rejects invalid options, naming the field', () => {
    expect(() => embedder({ batchSize: 0 })).toThrow(/^batchSize: /);
    expect(() => embedder({ baseUrl: 'ftp://example.com' })).toThrow(/^baseUrl: /);
    expect(() => embedder({ dimensions: 1.5 })).toThrow(expect.objectContaining({ code: 'misconfigured' }));
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(embedder().embed(['hello'], { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests).toHaveLength(0);
  });

  it('aborts a request in flight with the signal’s reason, without retrying', async () => {
    server.setDelay(10_000);
    const controller = new AbortController();
    const pending = embedder({ timeoutMs: 60_000 }).embed(['hello'], { signal: controller.signal });
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    expect(sleeps).toEqual([]);
  });

  it('aborts a backoff wait (with the default sleep)', async () => {
    server.failNext(1, { status: 500 });
    const controller = new AbortController();
    let waiting = false;
    const pending = embedder({
      retryBaseDelayMs: 600_000,
      maxRetryDelayMs: 600_000,
      sleep: (milliseconds, signal) => {
        waiting = true;
        return abortableSleep(milliseconds, signal);
      },
    }).embed(['hello'], { signal: controller.signal });
    await vi.waitFor(() => expect(waiting).toBe(true));
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    expect(server.requests).toHaveLength(1);
  });
});
