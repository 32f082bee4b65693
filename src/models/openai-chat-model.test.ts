import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failure } from '../../test/support/failure.ts';
import { type ChatCompletionsServer, type ChatCompletionsServerOptions, startChatCompletionsServer } from '../testing/index.ts';
import { abortableSleep } from './http-retry.ts';
import type { ChatMessage, ChatRequest } from './llm-provider.ts';
import { createOpenAIChatModel, type OpenAIChatModelOptions } from './openai-chat-model.ts';

let server: ChatCompletionsServer;
const sleeps: number[] = [];
// Records each backoff instead of waiting it out, so retry tests are instant and untimed.
const sleep = async (milliseconds: number) => {
  sleeps.push(milliseconds);
};

beforeEach(async () => {
  sleeps.length = 0;
  server = await startChatCompletionsServer();
});
afterEach(async () => {
  await server.close();
});

async function restart(options: ChatCompletionsServerOptions) {
  await server.close();
  server = await startChatCompletionsServer(options);
}

function llm(options: Partial<OpenAIChatModelOptions> = {}) {
  return createOpenAIChatModel({ baseUrl: server.url, model: 'stub-chat', sleep, ...options });
}

const hello: ChatRequest = { messages: [{ role: 'user', content: 'Hello there' }] };
const askJson: ChatRequest = {
  messages: [
    { role: 'system', content: 'Extract facts about the user. Reply with a JSON object {"facts": string[]}.' },
    { role: 'user', content: 'I moved to Lyon and I drink green tea.' },
  ],
  responseFormat: { type: 'json' },
};
const sent = (index = 0) => server.requests[index]?.body as Record<string, unknown>;

describe('createOpenAIChatModel', () => {
  it('sends the conversation and returns the answer, its finish reason, usage and model', async () => {
    server.queue({ content: 'General Kenobi!' });
    const result = await llm().chat(hello);
    expect(result).toEqual({
      content: 'General Kenobi!',
      finishReason: 'stop',
      usage: { inputTokens: 2, outputTokens: 3 },
      model: 'stub-chat',
    });
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(sent()).toEqual({ model: 'stub-chat', messages: [{ role: 'user', content: 'Hello there' }] });
  });

  it('maps every role to the wire format, tool calls included', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Lyon?', name: 'john' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Lyon"}' }] },
      { role: 'tool', content: '{"celsius":21}', toolCallId: 'call_1' },
    ];
    await llm().chat({ messages });
    expect(sent().messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Lyon?', name: 'john' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Lyon"}' } }],
      },
      { role: 'tool', content: '{"celsius":21}', tool_call_id: 'call_1' },
    ]);
  });

  it('sends the request’s model, temperature and token limit, and reports the model that answered', async () => {
    server.queue({ content: 'ok', model: 'gpt-4o-mini-2024-07-18' });
    const result = await llm().chat({ ...hello, model: 'gpt-4o-mini', temperature: 0, maxOutputTokens: 64 });
    expect(sent()).toMatchObject({ model: 'gpt-4o-mini', temperature: 0, max_tokens: 64 });
    expect(result.model).toBe('gpt-4o-mini-2024-07-18');
    await llm({ maxTokensParameter: 'max_completion_tokens' }).chat({ ...hello, maxOutputTokens: 64 });
    expect(sent(1)).toMatchObject({ max_completion_tokens: 64 });
    expect(sent(1)).not.toHaveProperty('max_tokens');
  });

  it('sends the key as a bearer token, with the extra headers', async () => {
    await restart({ apiKey: 'sk-right-key' });
    await llm({ apiKey: 'sk-right-key', headers: { 'HTTP-Referer': 'https://example.com' } }).chat(hello);
    expect(server.requests[0]?.authorization).toBe('Bearer sk-right-key');
    expect(server.requests[0]?.headers['http-referer']).toBe('https://example.com');
  });

  it('reports the server’s token counts, cached and reasoning tokens included, and none when it sends none', async () => {
    const withDetails: typeof fetch = async (input, init) => {
      const body = (await (await fetch(input, init)).json()) as Record<string, unknown>;
      const usage = {
        prompt_tokens: 120,
        completion_tokens: 40,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 30 },
      };
      return Response.json({ ...body, usage });
    };
    expect((await llm({ fetch: withDetails }).chat(hello)).usage).toEqual({
      inputTokens: 120,
      outputTokens: 40,
      cachedInputTokens: 100,
      reasoningTokens: 30,
    });
    server.queue({ content: 'ok', usage: null });
    expect((await llm().chat(hello)).usage).toBeUndefined();
    expect(server.usage).toMatchObject({ completions: 2 });
  });

  it('returns a truncated text answer as it is, with finish reason length', async () => {
    server.queue({ content: 'one two three four five six seven eight' });
    const result = await llm().chat({ ...hello, maxOutputTokens: 3 });
    expect(result).toMatchObject({ content: 'one two three', finishReason: 'length', usage: { outputTokens: 3 } });
  });

  describe('JSON output', () => {
    it('asks for JSON mode and parses the answer', async () => {
      server.queue({ json: { facts: ['Lives in Lyon', 'Drinks green tea'] } });
      const result = await llm().chat(askJson);
      expect(sent().response_format).toEqual({ type: 'json_object' });
      expect(result.json).toEqual({ facts: ['Lives in Lyon', 'Drinks green tea'] });
      expect(result.content).toBe('{"facts":["Lives in Lyon","Drinks green tea"]}');
    });

    it('sends a JSON schema as structured output', async () => {
      const schema = { type: 'object', properties: { facts: { type: 'array', items: { type: 'string' } } }, required: ['facts'] };
      server.queue({ json: { facts: [] } });
      await llm().chat({ ...askJson, responseFormat: { type: 'json', schema, schemaName: 'extracted_facts', strict: true } });
      expect(sent().response_format).toEqual({ type: 'json_schema', json_schema: { name: 'extracted_facts', schema, strict: true } });
    });

    it('tolerates a code fence and a leading think block around the JSON', async () => {
      server.queue({ content: '<think>The user moved.</think>\n```json\n{"facts": ["Lives in Lyon"]}\n```' });
      expect((await llm().chat(askJson)).json).toEqual({ facts: ['Lives in Lyon'] });
    });

    it('accepts complete JSON padded to the token limit', async () => {
      server.queue({ content: '{"facts": []}\n\n\n', finishReason: 'length' });
      expect((await llm().chat(askJson)).json).toEqual({ facts: [] });
    });

    it('reports malformed JSON as invalid_model_output, with usage to meter and without the content', async () => {
      server.queue({ fault: 'malformed-json' });
      const error = await failure(llm().chat(askJson));
      expect(error.code).toBe('invalid_model_output');
      expect(error.status).toBe(502);
      expect(error.message).toBe('model "stub-chat" returned malformed JSON');
      expect(error.details).toMatchObject({
        reason: 'malformed_json',
        finishReason: 'stop',
        model: 'stub-chat',
        usage: { inputTokens: 31 },
      });
      expect(JSON.stringify(error.details) + error.message).not.toContain('Lyon');
      expect(server.requests).toHaveLength(1);
    });

    it('reports JSON cut off by the output token limit as truncated', async () => {
      server.queue({ json: { facts: ['Lives in Lyon', 'Drinks green tea', 'Has a cat named Tom'] } });
      const error = await failure(llm().chat({ ...askJson, maxOutputTokens: 8 }));
      expect(error.code).toBe('invalid_model_output');
      expect(error.details).toMatchObject({ reason: 'truncated', finishReason: 'length', maxOutputTokens: 8, usage: { outputTokens: 8 } });
      expect(error.message).toMatch(/cut off by the output token limit \(maxOutputTokens 8\)/);
      server.queue({ fault: 'truncated' });
      expect((await failure(llm().chat(askJson))).details).toMatchObject({ reason: 'truncated' });
    });

    it('reports a refusal, and empty content, as invalid_model_output', async () => {
      server.queue({ content: null, refusal: 'I can’t help with that.' }, { content: '' });
      expect((await failure(llm().chat(askJson))).details).toMatchObject({ reason: 'refused' });
      const empty = await failure(llm().chat(askJson));
      expect(empty.details).toMatchObject({ reason: 'malformed_json', contentLength: 0 });
      expect(empty.message).toMatch(/no content/);
    });

    it('passes on the server’s rule that JSON mode needs the word JSON in the messages', async () => {
      const error = await failure(llm().chat({ ...hello, responseFormat: { type: 'json' } }));
      expect(error.code).toBe('invalid_input');
      expect(error.details).toMatchObject({ field: 'messages', status: 400 });
      expect(error.message).toContain("must contain the word 'json'");
    });
  });

  describe('retries', () => {
    it('honours Retry-After in seconds, then succeeds', async () => {
      server.queue({ status: 429, retryAfter: '2' }, { content: 'ok' });
      expect((await llm().chat(hello)).content).toBe('ok');
      expect(sleeps).toEqual([2000]);
      expect(server.requests).toHaveLength(2);
    });

    it('honours Retry-After as an HTTP date, read against the injected clock', async () => {
      const now = Date.parse('2030-01-01T00:00:00Z');
      server.queue({ status: 503, retryAfter: 'Tue, 01 Jan 2030 00:00:05 GMT' }, { content: 'ok' });
      await llm({ now: () => now }).chat(hello);
      expect(sleeps).toEqual([5000]);
    });

    it('backs off exponentially with jitter on 408, 409, 5xx and dropped connections', async () => {
      server.queue({ status: 500 }, { status: 408 }, { status: 409 }, { fault: 'drop' }, { fault: 'drop-mid-body' }, { content: 'ok' });
      const result = await llm({ maxRetries: 5, retryBaseDelayMs: 100, random: () => 0.5 }).chat(hello);
      expect(result.content).toBe('ok');
      // Equal jitter with random 0.5: three quarters of 100 * 2^retry.
      expect(sleeps).toEqual([75, 150, 300, 600, 1200]);
      expect(server.requests).toHaveLength(6);
    });

    it('fails with rate_limited, carrying retryAfterSeconds, when 429s outlast the retries', async () => {
      server.queue({ status: 429, retryAfter: '1' }, { status: 429, retryAfter: '1' }, { status: 429, retryAfter: '3' });
      const error = await failure(llm({ maxRetries: 2 }).chat(hello));
      expect(error.code).toBe('rate_limited');
      expect(error.status).toBe(429);
      expect(error.details).toMatchObject({ attempts: 3, status: 429, retryAfterSeconds: 3 });
      expect(error.message).toMatch(/failed after 3 attempt\(s\): HTTP 429: Rate limit reached/);
      expect(sleeps).toEqual([1000, 1000]);
    });

    it('gives up at once when Retry-After asks for longer than maxRetryDelayMs', async () => {
      server.queue({ status: 429, retryAfter: '3600' });
      const error = await failure(llm().chat(hello));
      expect(error.code).toBe('rate_limited');
      expect(error.details).toMatchObject({ attempts: 1, retryAfterSeconds: 3600 });
      expect(sleeps).toEqual([]);
    });

    it('fails with unavailable after the retries, naming the last failure', async () => {
      server.queue({ status: 502 }, { status: 503 }, { status: 500 });
      const error = await failure(llm({ maxRetries: 2 }).chat(hello));
      expect(error.code).toBe('unavailable');
      expect(error.message).toMatch(/after 3 attempt\(s\): HTTP 500: The server had an error/);
      expect(server.requests).toHaveLength(3);
    });

    it('does not retry when the server says x-should-retry: false', async () => {
      server.queue({ status: 503, headers: { 'x-should-retry': 'false' } });
      expect((await failure(llm().chat(hello))).code).toBe('unavailable');
      expect(server.requests).toHaveLength(1);
    });

    it('fails with unavailable, with the network error as cause, when nothing listens', async () => {
      const baseUrl = server.url;
      await server.close();
      const error = await failure(createOpenAIChatModel({ baseUrl, model: 'm', maxRetries: 1, sleep }).chat(hello));
      expect(error.code).toBe('unavailable');
      expect(error.message).toMatch(/network error/);
      expect(error.cause).toBeInstanceOf(Error);
      expect(sleeps).toHaveLength(1);
      server = await startChatCompletionsServer();
    });
  });

  describe('timeouts and aborts', () => {
    it('times out each attempt and fails with timeout after the retries', async () => {
      server.queue({ fault: 'stall' }, { fault: 'stall' });
      const error = await failure(llm({ timeoutMs: 50, maxRetries: 1 }).chat(hello));
      expect(error.code).toBe('timeout');
      expect(error.status).toBe(504);
      expect(error.message).toMatch(/no response within 50 ms/);
      // Not server.requests: under load an attempt can time out before the server has read it.
      expect(error.details).toMatchObject({ attempts: 2 });
    });

    it('lets a call set its own time limit', async () => {
      server.queue({ fault: 'stall' });
      const error = await failure(llm({ timeoutMs: 600_000, maxRetries: 0 }).chat(hello, { timeoutMs: 30 }));
      expect(error.message).toMatch(/no response within 30 ms/);
    });

    it('times out when the server’s latency exceeds the limit', async () => {
      await restart({ latencyMs: 10_000 });
      expect((await failure(llm({ timeoutMs: 20, maxRetries: 0 }).chat(hello))).code).toBe('timeout');
    });

    it('rejects at once when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(llm().chat(hello, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
      expect(server.requests).toHaveLength(0);
    });

    it('aborts a request in flight with the signal’s reason, without retrying', async () => {
      server.queue({ fault: 'stall' });
      const controller = new AbortController();
      const pending = llm().chat(hello, { signal: controller.signal });
      await vi.waitFor(() => expect(server.requests).toHaveLength(1));
      controller.abort(new Error('caller gave up'));
      await expect(pending).rejects.toThrow('caller gave up');
      expect(sleeps).toEqual([]);
    });

    it('aborts a backoff wait (with the default sleep)', async () => {
      server.queue({ status: 500 });
      const controller = new AbortController();
      let waiting = false;
      const pending = llm({
        retryBaseDelayMs: 600_000,
        maxRetryDelayMs: 600_000,
        sleep: (milliseconds, signal) => {
          waiting = true;
          return abortableSleep(milliseconds, signal);
        },
      }).chat(hello, { signal: controller.signal });
      await vi.waitFor(() => expect(waiting).toBe(true));
      controller.abort(new Error('caller gave up'));
      await expect(pending).rejects.toThrow('caller gave up');
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('errors the server reports', () => {
    it('reports a refused key as misconfigured, without retrying and without the key', async () => {
      await restart({ apiKey: 'sk-right-key' });
      const error = await failure(llm({ apiKey: 'sk-wrong-key-123' }).chat(hello));
      expect(error.code).toBe('misconfigured');
      expect(error.details).toMatchObject({ field: 'apiKey', status: 401 });
      expect(server.requests).toHaveLength(1);
      // The stub echoes the key it got; it must not reach the error.
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('sk-wrong-key-123');
      expect(error.message).toContain('[redacted]');
    });

    it('redacts the values of extra headers too', async () => {
      server.queue({ status: 400, body: { error: { message: 'bad api-key azure-secret-value', type: 'invalid_request_error' } } });
      const error = await failure(llm({ headers: { 'api-key': 'azure-secret-value' } }).chat(hello));
      expect(error.message).not.toContain('azure-secret-value');
    });

    it('does not retry a 429 that means the account has no quota', async () => {
      server.queue({
        status: 429,
        body: {
          error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' },
        },
      });
      const error = await failure(llm().chat(hello));
      expect(error.code).toBe('misconfigured');
      expect(error.details).toMatchObject({ field: 'apiKey', status: 429, serverCode: 'insufficient_quota' });
      expect(server.requests).toHaveLength(1);
    });

    it('reports an unknown model as misconfigured naming model', async () => {
      await restart({ models: ['llama3.2'] });
      const error = await failure(llm({ model: 'llama3.3' }).chat(hello));
      expect(error.code).toBe('misconfigured');
      expect(error.details).toMatchObject({ field: 'model', status: 404, serverCode: 'model_not_found' });
    });

    it('reports a wrong base URL as misconfigured naming baseUrl', async () => {
      const error = await failure(llm({ baseUrl: `${server.url}/nowhere` }).chat(hello));
      expect(error.code).toBe('misconfigured');
      expect(error.details).toMatchObject({ field: 'baseUrl', status: 404 });
    });

    it('says which token-limit field to use when the model refuses max_tokens', async () => {
      const message = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
      server.queue({
        status: 400,
        body: { error: { message, type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } },
      });
      const error = await failure(llm({ model: 'o3-mini' }).chat({ ...hello, maxOutputTokens: 100 }));
      expect(error.code).toBe('misconfigured');
      expect(error.message).toMatch(/^maxTokensParameter: .*set it to max_completion_tokens/);
    });

    it('reports a conversation over the context window as invalid_input naming messages', async () => {
      const message = "This model's maximum context length is 128000 tokens.";
      server.queue({
        status: 400,
        body: { error: { message, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
      });
      const error = await failure(llm().chat(hello));
      expect(error.code).toBe('invalid_input');
      expect(error.details).toMatchObject({ field: 'messages', serverCode: 'context_length_exceeded' });
      expect(server.requests).toHaveLength(1);
    });

    it('reads vLLM’s flat error body', async () => {
      server.queue({
        status: 404,
        body: { object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', param: null, code: 404 },
      });
      const error = await failure(llm().chat(hello));
      expect(error.details).toMatchObject({ field: 'baseUrl', serverCode: '404' });
      expect(error.message).toMatch(/^baseUrl or model: /);
      expect(error.message).toContain('The model `x` does not exist.');
    });

    it('reports a server that does not speak chat completions as misconfigured', async () => {
      const html: typeof fetch = async () => new Response('<html>welcome</html>', { status: 200 });
      const empty: typeof fetch = async () => Response.json({ choices: [] });
      expect((await failure(llm({ fetch: html }).chat(hello))).message).toMatch(/^baseUrl: .*not JSON/);
      expect((await failure(llm({ fetch: empty }).chat(hello))).message).toMatch(/^baseUrl: .*choices/);
    });
  });

  describe('validation', () => {
    it('rejects an invalid request naming the field, before sending anything', async () => {
      const cases: [unknown, RegExp][] = [
        [{ messages: [] }, /^messages: must hold at least one message/],
        [{ messages: [{ role: 'wizard', content: 'hi' }] }, /^messages\.0\.role: /],
        [{ messages: [{ role: 'tool', content: '42' }] }, /^messages\.0\.toolCallId: /],
        [{ ...hello, temperature: 3 }, /^temperature: /],
        [{ ...hello, maxOutputTokens: 0 }, /^maxOutputTokens: /],
        [{ ...hello, responseFormat: { type: 'json', schema: {}, schemaName: 'has spaces' } }, /^responseFormat\.schemaName: must be 1-64/],
      ];
      for (const [request, message] of cases) {
        const error = await failure(llm().chat(request as ChatRequest));
        expect(error.code).toBe('invalid_input');
        expect(error.message).toMatch(message);
      }
      expect((await failure(llm().chat(hello, { timeoutMs: -1 }))).message).toMatch(/^timeoutMs: /);
      expect(server.requests).toHaveLength(0);
    });

    it('rejects invalid options, naming the field', () => {
      expect(() => llm({ baseUrl: 'ftp://example.com' })).toThrow(/^baseUrl: /);
      expect(() => llm({ model: '' })).toThrow(/^model: /);
      expect(() => llm({ maxRetries: -1 })).toThrow(expect.objectContaining({ code: 'misconfigured', details: { field: 'maxRetries' } }));
      expect(() => llm({ maxTokensParameter: 'tokens' as 'max_tokens' })).toThrow(/^maxTokensParameter: /);
    });

    it('names its default model', () => {
      expect(llm({ model: 'llama3.2' }).model).toBe('llama3.2');
    });
  });
});
