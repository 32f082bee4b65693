import { afterEach, describe, expect, it } from 'vitest';
import { type ChatCompletionsServer, startChatCompletionsServer } from './index.ts';

// The stub is a test double for a paid API: these check it speaks the wire format the way
// OpenAI does, beyond what the provider's tests exercise.
let server: ChatCompletionsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server?.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as WireBody };
}

// The fields these tests read, of an answer or an error body.
interface WireBody {
  choices: { message: { content: string }; finish_reason: string }[];
  usage: { completion_tokens: number };
  error: { message: string; type: string; code: string | null; param: string | null };
}

const user = (content: string) => ({ role: 'user', content });

describe('startChatCompletionsServer', () => {
  it('answers in the chat completions format, echoing by default, with usage', async () => {
    server = await startChatCompletionsServer();
    const { status, body } = await post({ model: 'stub-chat', messages: [user('Hello, world')] });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'stub-chat',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello, world', refusal: null }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
    });
    expect(server.usage).toEqual({ promptTokens: 3, completionTokens: 3, completions: 1 });
  });

  it('echoes as JSON when JSON was asked for', async () => {
    server = await startChatCompletionsServer();
    const { body } = await post({ model: 'm', messages: [user('as json please')], response_format: { type: 'json_object' } });
    expect(JSON.parse(body.choices[0]?.message.content ?? '')).toEqual({ echo: 'as json please' });
  });

  it('uses queued replies first, then the respond function, which sees the request', async () => {
    const seen: unknown[] = [];
    server = await startChatCompletionsServer({
      respond: (call) => {
        seen.push(call.body.messages.at(-1)?.content);
        return { json: { count: call.body.messages.length } };
      },
    });
    server.queue({ content: 'queued' });
    expect((await post({ model: 'm', messages: [user('one')] })).body.choices[0]?.message.content).toBe('queued');
    expect((await post({ model: 'm', messages: [user('one'), user('two')] })).body.choices[0]?.message.content).toBe('{"count":2}');
    expect(seen).toEqual(['two']);
  });

  it('answers 500 naming the problem when the respond function throws', async () => {
    server = await startChatCompletionsServer({
      respond: () => {
        throw new Error('no script for this prompt');
      },
    });
    const response = await post({ model: 'm', messages: [user('x')] });
    expect(response.status).toBe(500);
    expect(response.body.error.message).toContain('no script for this prompt');
  });

  it('cuts an answer at max_tokens or max_completion_tokens, with finish_reason length', async () => {
    server = await startChatCompletionsServer();
    server.queue({ json: { facts: ['a', 'b'] } }, { content: 'one two three' });
    const cut = await post({ model: 'm', messages: [user('json')], max_tokens: 6 });
    expect(cut.body.choices[0]).toMatchObject({ message: { content: '{"facts":[' }, finish_reason: 'length' });
    expect(cut.body.usage.completion_tokens).toBe(6);
    const newer = await post({ model: 'm', messages: [user('x')], max_completion_tokens: 2 });
    expect(newer.body.choices[0]).toMatchObject({ message: { content: 'one two' }, finish_reason: 'length' });
  });

  it('rejects what OpenAI rejects, in its error format, without using up a queued reply', async () => {
    server = await startChatCompletionsServer();
    server.queue({ content: 'kept' });
    const cases: [unknown, string | null][] = [
      [{ messages: [user('x')] }, 'model'],
      [{ model: 'm', messages: [] }, 'messages'],
      [{ model: 'm', messages: [{ role: 'tool', content: '1' }] }, 'messages.[0]'],
      [{ model: 'm', messages: [user('x')], temperature: 2.5 }, 'temperature'],
      [{ model: 'm', messages: [user('x')], max_tokens: 0 }, 'max_tokens'],
      [{ model: 'm', messages: [user('x')], stream: true }, 'stream'],
      [{ model: 'm', messages: [user('x')], response_format: { type: 'json_object' } }, 'messages'],
      [
        { model: 'm', messages: [user('x')], response_format: { type: 'json_schema', json_schema: { name: 'a b' } } },
        'response_format.json_schema.name',
      ],
    ];
    for (const [body, param] of cases) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    expect((await post({ model: 'm', messages: [user('x')] })).body.choices[0]?.message.content).toBe('kept');
    expect(server.requests).toHaveLength(cases.length + 1);
  });

  it('lists its models and refuses others when given a list', async () => {
    server = await startChatCompletionsServer({ models: ['llama3.2'] });
    const listed = await fetch(`${server.url}/models`);
    expect(await listed.json()).toMatchObject({ object: 'list', data: [{ id: 'llama3.2', object: 'model' }] });
    const refused = await post({ model: 'gpt-4o', messages: [user('x')] });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('model_not_found');
  });

  it('demands the key as a bearer token and records what it got', async () => {
    server = await startChatCompletionsServer({ apiKey: 'sk-stub' });
    expect((await post({ model: 'm', messages: [user('x')] })).status).toBe(401);
    expect((await post({ model: 'm', messages: [user('x')] }, { authorization: 'Bearer sk-stub' })).status).toBe(200);
    expect(server.requests.map((request) => request.authorization)).toEqual([undefined, 'Bearer sk-stub']);
  });

  it('sends scripted failures with Retry-After and OpenAI’s error bodies', async () => {
    server = await startChatCompletionsServer();
    server.queue({ status: 429, retryAfter: '7' }, { status: 500 });
    const limited = await post({ model: 'm', messages: [user('x')] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.error.code).toBe('rate_limit_exceeded');
    expect((await post({ model: 'm', messages: [user('x')] })).body.error.type).toBe('server_error');
  });

  it('drops the connection, before a response or halfway through its body', async () => {
    server = await startChatCompletionsServer();
    server.queue({ fault: 'drop' }, { fault: 'drop-mid-body' });
    await expect(post({ model: 'm', messages: [user('x')] })).rejects.toThrow();
    await expect(post({ model: 'm', messages: [user('x')] })).rejects.toThrow();
  });
});
