import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options for {@link startChatCompletionsServer}. */
export interface ChatCompletionsServerOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get OpenAI's 401. */
  apiKey?: string;
  /** Milliseconds to hold every chat completions response (answers, failures and faults). Default 0. */
  latencyMs?: number;
  /** When set, what `/v1/models` lists and the only models accepted (others get OpenAI's 404 `model_not_found`). */
  models?: readonly string[];
  /**
   * Answers a valid request when nothing is queued. Default: echo the last user message — as
   * text, or as `{"echo": "..."}` when JSON was asked for.
   */
  respond?: (request: ChatCompletionsCall) => ChatReply | Promise<ChatReply>;
}

/** A request as the server received it, valid or not. */
export interface RecordedChatRequest {
  method: string;
  path: string;
  /** The raw `Authorization` header, if any. */
  authorization?: string;
  /** Every header, names in lower case. */
  headers: Record<string, string>;
  /** The parsed JSON body (or `undefined` if it was not JSON). */
  body: unknown;
}

/** A valid chat completions request, as {@link ChatCompletionsServerOptions.respond} sees it. */
export interface ChatCompletionsCall extends RecordedChatRequest {
  body: ChatCompletionsBody;
}

/** The fields of a chat completions request body the server checked; others are kept as sent. */
export interface ChatCompletionsBody {
  model: string;
  messages: { role: string; content: unknown; [field: string]: unknown }[];
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  response_format?: { type: 'text' | 'json_object' | 'json_schema'; json_schema?: { name: string; schema?: unknown; strict?: boolean } };
  [field: string]: unknown;
}

/**
 * What to answer one request with: an answer, an HTTP failure, or a fault. Every reply may
 * add `delayMs` on top of the server's latency.
 */
export type ChatReply = ChatAnswer | ChatFailure | ChatFault;

/** A 200 answer. Its output is cut to the request's `max_tokens`, with `finish_reason: length`, as a real server does. */
export interface ChatAnswer {
  /** The message content (`null` as OpenAI sends with a refusal). Default: the echo. */
  content?: string | null;
  /** Shorthand for `content: JSON.stringify(json)`. */
  json?: unknown;
  /** Sent as `message.refusal` (OpenAI structured outputs). */
  refusal?: string;
  /** Default `stop`, or `length` when the output was cut. */
  finishReason?: string;
  /** The `model` the response names; default the requested one (OpenAI names a dated snapshot). */
  model?: string;
  /** Overrides the counted tokens; `null` sends no `usage` at all. */
  usage?: { promptTokens?: number; completionTokens?: number } | null;
  delayMs?: number;
}

/** An HTTP error response. The default body is OpenAI's `{ error: { message, type, param, code } }` for the status. */
export interface ChatFailure {
  status: number;
  /** Sent as the `Retry-After` header: seconds (`'2'`) or an HTTP date. */
  retryAfter?: string;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

/**
 * `stall`: never answer (until `close`). `drop`: close the connection without a response.
 * `drop-mid-body`: send the headers and half the body, then close. `malformed-json`: answer
 * with content that is almost JSON (a trailing comma). `truncated`: answer with JSON cut off,
 * `finish_reason: length`.
 */
export interface ChatFault {
  fault: 'stall' | 'drop' | 'drop-mid-body' | 'malformed-json' | 'truncated';
  delayMs?: number;
}

/** Tokens the server has reported in its answers, summed. */
export interface ChatCompletionsUsage {
  promptTokens: number;
  completionTokens: number;
  /** Answers sent (200s). */
  completions: number;
}

/** A running stub server; see {@link startChatCompletionsServer}. */
export interface ChatCompletionsServer {
  /** Base URL to give a client, ending in `/v1`. */
  url: string;
  /** Every request received, invalid and failed ones included, in arrival order. */
  requests: RecordedChatRequest[];
  /** Token totals of every answer so far. */
  readonly usage: ChatCompletionsUsage;
  /** Queues replies for the next valid chat completions requests, in order. */
  queue(...replies: ChatReply[]): void;
  /** Changes the latency from the next request on. */
  setLatency(milliseconds: number): void;
  /** Stops the server, dropping open connections, stalled and held responses. */
  close(): Promise<void>;
}

/**
 * Starts a real HTTP server on 127.0.0.1 (a free port) that speaks OpenAI's
 * `POST /v1/chat/completions` and `GET /v1/models`, checks requests the way OpenAI does
 * (400s in its error format, 401 without the key, JSON mode needing the word "JSON" in the
 * messages), counts tokens (about one per word or punctuation mark) into `usage`, and cuts
 * answers at `max_tokens`. Replies are scripted — queued, or a function of the request — and
 * can fail, rate-limit, stall, drop the connection or return broken JSON, so a provider's
 * retry, timeout and error paths can be tested over loopback. A test double for a paid API.
 *
 * @example
 * const server = await startChatCompletionsServer({ latencyMs: 50 });
 * server.queue({ status: 429, retryAfter: '1' }, { json: { facts: ['Lives in Lyon'] } });
 * const llm = createOpenAIChatModel({ baseUrl: server.url, model: 'stub-chat' });
 * await server.close();
 */
export async function startChatCompletionsServer(options: ChatCompletionsServerOptions = {}): Promise<ChatCompletionsServer> {
  const { apiKey, models, respond = echo } = options;
  let latencyMs = options.latencyMs ?? 0;
  const replies: ChatReply[] = [];
  const requests: RecordedChatRequest[] = [];
  const usage: ChatCompletionsUsage = { promptTokens: 0, completionTokens: 0, completions: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let sequence = 0;

  // A client that gives up mid-request (a timeout test) must not crash the test run.
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const recorded = await record(request);
    requests.push(recorded);
    if (apiKey !== undefined && request.headers.authorization !== `Bearer ${apiKey}`) {
      // Echoes the key it got, as OpenAI does (masked there), so clients' redaction is exercised.
      const given = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      return send(response, 401, openAIError(`Incorrect API key provided: ${given}.`, 'invalid_request_error', 'invalid_api_key'));
    }
    if (request.method === 'GET' && recorded.path === '/v1/models') {
      const data = (models ?? ['stub-chat']).map((id) => ({ id, object: 'model', created: 0, owned_by: 'strata-testing' }));
      return send(response, 200, { object: 'list', data });
    }
    if (request.method !== 'POST' || recorded.path !== '/v1/chat/completions') {
      return send(response, 404, openAIError(`Invalid URL (${request.method} ${recorded.path})`, 'invalid_request_error'));
    }
    const problem = checkRequest(recorded.body, models);
    if (problem !== undefined) return send(response, problem.status, problem.body);
    const call = recorded as ChatCompletionsCall;
    const reply = replies.shift() ?? (await scripted(call));
    if (reply instanceof Error)
      return send(response, 500, openAIError(`the stub's respond function threw: ${reply.message}`, 'server_error'));
    if ('fault' in reply && reply.fault === 'stall') return; // close() drops it.
    await wait(latencyMs + (reply.delayMs ?? 0));
    if (response.destroyed) return;
    if ('status' in reply) return sendFailure(response, reply);
    if ('fault' in reply && reply.fault === 'drop') {
      response.socket?.destroy();
      return;
    }
    const answer = 'fault' in reply ? faultAnswer(reply.fault) : reply;
    const body = completion(call.body, answer, ++sequence);
    if ('fault' in reply && reply.fault === 'drop-mid-body') return dropMidBody(response, body);
    send(response, 200, body);
  }

  // A bug in a test's respond function should read as one, not as a dropped connection.
  async function scripted(call: ChatCompletionsCall): Promise<ChatReply | Error> {
    try {
      return await respond(call);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  function completion(body: ChatCompletionsBody, answer: ChatAnswer, id: number) {
    let content = answer.json !== undefined ? JSON.stringify(answer.json) : answer.content === undefined ? echoText(body) : answer.content;
    let finishReason = answer.finishReason ?? 'stop';
    const limit = body.max_completion_tokens ?? body.max_tokens;
    if (content !== null && limit !== undefined && tokens(content).length > limit) {
      content = tokens(content).slice(0, limit).join('');
      finishReason = answer.finishReason ?? 'length';
    }
    const promptTokens =
      answer.usage?.promptTokens ?? body.messages.reduce((sum, message) => sum + tokens(textOf(message.content)).length, 0);
    const completionTokens = answer.usage?.completionTokens ?? tokens(content ?? '').length;
    usage.promptTokens += promptTokens;
    usage.completionTokens += completionTokens;
    usage.completions += 1;
    return {
      id: `chatcmpl-stub-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: answer.model ?? body.model,
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: answer.refusal ?? null }, logprobs: null, finish_reason: finishReason },
      ],
      ...(answer.usage === null
        ? {}
        : { usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } }),
      system_fingerprint: null,
    };
  }

  function wait(milliseconds: number): Promise<void> {
    if (milliseconds <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, milliseconds);
      timers.add(timer);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    usage,
    queue(...queued) {
      replies.push(...queued);
    },
    setLatency(milliseconds) {
      latencyMs = milliseconds;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** About one token per word or punctuation mark, each keeping the whitespace before it, so joining a prefix cuts the text. */
function tokens(text: string): string[] {
  return text.match(/\s*(?:\w+|[^\w\s])|\s+$/g) ?? [];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join(' ');
  return '';
}

function echoText(body: ChatCompletionsBody): string {
  const lastUser = body.messages.findLast((message) => message.role === 'user');
  const text = textOf(lastUser?.content);
  return body.response_format?.type === 'json_object' || body.response_format?.type === 'json_schema'
    ? JSON.stringify({ echo: text })
    : text;
}

function echo(call: ChatCompletionsCall): ChatReply {
  return { content: echoText(call.body) };
}

function faultAnswer(fault: ChatFault['fault']): ChatAnswer {
  if (fault === 'malformed-json') return { content: '{"facts": ["likes green tea", "lives in Lyon",]}' };
  if (fault === 'truncated') return { content: '{"facts": ["likes green tea", "lives in', finishReason: 'length' };
  return {};
}

/** OpenAI's checks, in its error format; `undefined` when the request is fine. */
function checkRequest(body: unknown, models: readonly string[] | undefined): { status: number; body: unknown } | undefined {
  const invalid = (message: string, param: string | null = null) => ({
    status: 400,
    body: openAIError(message, 'invalid_request_error', null, param),
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid('We could not parse the JSON body of your request.');
  const { model, messages, temperature, max_tokens, max_completion_tokens, response_format, stream } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model === '') return invalid('you must provide a model parameter', 'model');
  if (!Array.isArray(messages) || messages.length === 0) return invalid("'messages' must be a non-empty array", 'messages');
  for (const [index, message] of messages.entries()) {
    const problem = checkMessage(message);
    if (problem !== undefined) return invalid(`Invalid 'messages[${index}]': ${problem}`, `messages.[${index}]`);
  }
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 2)) {
    return invalid("Invalid 'temperature': must be a number between 0 and 2", 'temperature');
  }
  for (const [name, value] of [
    ['max_tokens', max_tokens],
    ['max_completion_tokens', max_completion_tokens],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1))
      return invalid(`Invalid '${name}': must be an integer >= 1`, name);
  }
  if (stream === true) return invalid('this stub does not stream', 'stream');
  if (response_format !== undefined) {
    const problem = checkResponseFormat(response_format, messages);
    if (problem !== undefined) return invalid(problem.message, problem.param);
  }
  if (models !== undefined && !models.includes(model)) {
    return {
      status: 404,
      body: openAIError(
        `The model \`${model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      ),
    };
  }
  return undefined;
}

function checkMessage(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return 'must be an object';
  const { role, content, tool_call_id, tool_calls } = message as Record<string, unknown>;
  if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(role as string)) return `unknown role ${JSON.stringify(role)}`;
  const nullAllowed = role === 'assistant' && Array.isArray(tool_calls);
  if (typeof content !== 'string' && !Array.isArray(content) && !(nullAllowed && content === null))
    return "'content' must be a string or an array of parts";
  if (role === 'tool' && typeof tool_call_id !== 'string') return "a 'tool' message needs 'tool_call_id'";
  return undefined;
}

function checkResponseFormat(format: unknown, messages: unknown[]): { message: string; param: string } | undefined {
  const { type, json_schema } = (format ?? {}) as { type?: unknown; json_schema?: { name?: unknown } };
  if (type === 'text') return undefined;
  if (type === 'json_object') {
    // OpenAI's own rule, so prompts written against the stub work against OpenAI.
    const mentionsJson = messages.some((message) => /json/i.test(textOf((message as { content?: unknown }).content)));
    if (!mentionsJson)
      return {
        message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        param: 'messages',
      };
    return undefined;
  }
  if (type === 'json_schema') {
    if (typeof json_schema?.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(json_schema.name)) {
      return { message: "Invalid 'response_format.json_schema.name'", param: 'response_format.json_schema.name' };
    }
    return undefined;
  }
  return { message: `Invalid 'response_format.type': ${JSON.stringify(type)}`, param: 'response_format.type' };
}

function sendFailure(response: ServerResponse, failure: ChatFailure): void {
  const headers = { ...failure.headers, ...(failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter }) };
  send(response, failure.status, failure.body ?? defaultErrorBody(failure.status), headers);
}

function defaultErrorBody(status: number) {
  if (status === 429) return openAIError('Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded');
  if (status >= 500) return openAIError('The server had an error while processing your request. Sorry about that!', 'server_error');
  return openAIError(`stub failure ${status}`, 'invalid_request_error');
}

/** Announces the whole body, sends half, and closes: the client sees a response cut short. */
function dropMidBody(response: ServerResponse, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body));
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
  response.write(text.subarray(0, Math.floor(text.length / 2)), () => response.socket?.destroy());
}

async function record(request: IncomingMessage): Promise<RecordedChatRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    body = undefined;
  }
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
  );
  return {
    method: request.method ?? '',
    path: (request.url ?? '').split('?')[0] ?? '',
    ...(request.headers.authorization === undefined ? {} : { authorization: request.headers.authorization }),
    headers,
    body,
  };
}

function openAIError(message: string, type: string, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
