import { z } from 'zod';
import { StrataError } from '../core/errors.ts';
import type { ChatMessage, ChatRequest, FinishReason, InvalidModelOutputReason, TokenUsage } from './llm-provider.ts';
import { errorMessage } from './openai-wire.ts';

/** Which request field carries the output token limit; see `OpenAIChatModelOptions.maxTokensParameter`. */
export type MaxTokensParameter = 'max_tokens' | 'max_completion_tokens';

/** The `POST /chat/completions` body for a request. Fields the caller left out are not sent, so the server's defaults apply. */
export function chatRequestBody(request: ChatRequest, model: string, maxTokensParameter: MaxTokensParameter): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages: request.messages.map(wireMessage) };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxOutputTokens !== undefined) body[maxTokensParameter] = request.maxOutputTokens;
  const format = request.responseFormat;
  if (format?.type === 'json') {
    body.response_format =
      format.schema === undefined
        ? { type: 'json_object' }
        : {
            type: 'json_schema',
            json_schema: {
              name: format.schemaName ?? 'response',
              schema: format.schema,
              ...(format.schemaDescription === undefined ? {} : { description: format.schemaDescription }),
              ...(format.strict === undefined ? {} : { strict: format.strict }),
            },
          };
  }
  return body;
}

function wireMessage(message: ChatMessage): Record<string, unknown> {
  if (message.role === 'tool') return { role: 'tool', content: message.content, tool_call_id: message.toolCallId };
  const wire: Record<string, unknown> = { role: message.role, content: message.content };
  if (message.name !== undefined) wire.name = message.name;
  if (message.role === 'assistant' && message.toolCalls !== undefined && message.toolCalls.length > 0) {
    wire.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return wire;
}

// Only the fields Strata reads. Servers disagree on the rest (Ollama and vLLM add their own,
// some send null where OpenAI omits), so everything beyond `choices[0].message` is optional.
const count = z.number().int().min(0);
const responseSchema = z.object({
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: count,
      completion_tokens: count,
      prompt_tokens_details: z.object({ cached_tokens: count.nullish() }).nullish(),
      completion_tokens_details: z.object({ reasoning_tokens: count.nullish() }).nullish(),
    })
    .nullish(),
});

/** A `/chat/completions` answer, reduced to what Strata uses. */
export interface ChatCompletion {
  content: string;
  refusal?: string;
  finishReason: FinishReason;
  usage: TokenUsage | undefined;
  /** The server's model name, or the requested one when it sends none. */
  model: string;
}

/**
 * Parses a `/chat/completions` response body. A body that is not the chat completions format
 * means the base URL points at something else: `misconfigured`, never retried.
 */
export function parseChatCompletion(body: string, requestedModel: string): ChatCompletion {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // No cause: V8's message quotes the body, which may hold the model's answer.
    throw incompatible('the response is not JSON');
  }
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw incompatible(`the response does not match the chat completions format (${issue?.path.join('.')}: ${issue?.message})`);
  }
  const { choices, usage, model } = parsed.data;
  const choice = choices[0] as (typeof choices)[number];
  return {
    content: choice.message.content ?? '',
    ...(choice.message.refusal ? { refusal: choice.message.refusal } : {}),
    finishReason: choice.finish_reason ?? 'unknown',
    usage: usage ? tokenUsage(usage) : undefined,
    model: model || requestedModel,
  };
}

function tokenUsage(usage: NonNullable<z.infer<typeof responseSchema>['usage']>): TokenUsage {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(cached == null ? {} : { cachedInputTokens: cached }),
    ...(reasoning == null ? {} : { reasoningTokens: reasoning }),
  };
}

/**
 * The JSON value of an answer that was asked to be JSON. Tolerates what models wrap around it
 * even in JSON mode — a leading `<think>` block (reasoning models served by Ollama or vLLM
 * without a reasoning parser) and a Markdown code fence — but nothing else. An answer that
 * still does not parse is `invalid_model_output`: `truncated` when the output token limit cut
 * it off, `refused` when the model declined or the server filtered it, else `malformed_json`.
 * A value that parses is accepted even at the limit (Ollama's JSON mode can pad a complete
 * object with whitespace until it runs out of tokens). The content never goes in the error:
 * it may hold user data.
 */
export function parseJsonAnswer(completion: ChatCompletion, maxOutputTokens: number | undefined): unknown {
  const text = unwrapJson(completion.content);
  if (completion.refusal === undefined && text !== '') {
    try {
      return JSON.parse(text);
    } catch {
      // Classified below.
    }
  }
  const reason: InvalidModelOutputReason =
    completion.refusal !== undefined || completion.finishReason === 'content_filter'
      ? 'refused'
      : completion.finishReason === 'length'
        ? 'truncated'
        : 'malformed_json';
  const problems: Record<InvalidModelOutputReason, string> = {
    refused: 'declined to answer',
    truncated: `was cut off by the output token limit${maxOutputTokens === undefined ? '' : ` (maxOutputTokens ${maxOutputTokens})`} before its JSON was complete`,
    malformed_json: completion.content === '' ? 'returned no content where JSON was asked for' : 'returned malformed JSON',
  };
  throw new StrataError('invalid_model_output', `model "${completion.model}" ${problems[reason]}`, {
    details: {
      reason,
      model: completion.model,
      finishReason: completion.finishReason,
      contentLength: completion.content.length,
      ...(completion.usage === undefined ? {} : { usage: completion.usage }),
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    },
  });
}

function unwrapJson(content: string): string {
  let text = content.trim();
  if (text.startsWith('<think>')) {
    const end = text.indexOf('</think>');
    if (end !== -1) text = text.slice(end + '</think>'.length).trim();
  }
  const fenced = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/.exec(text);
  return fenced ? (fenced[1] ?? '').trim() : text;
}

/** The parts of an error body Strata acts on; OpenAI's `{ error: { message, type, code, param } }`, vLLM's flat `{ message, type, code }`. */
export interface ErrorBody {
  /** The server's message, at most 300 characters; not yet redacted. */
  message: string;
  code?: string;
  type?: string;
  param?: string;
}

/** Reads an error response body. Never throws: a body that is not JSON is its own message. */
export function parseErrorBody(body: string): ErrorBody {
  const result: ErrorBody = { message: errorMessage(body) };
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const error = typeof json.error === 'object' && json.error !== null ? (json.error as Record<string, unknown>) : json;
    for (const field of ['code', 'type', 'param'] as const) {
      const value = error[field];
      if (typeof value === 'string' || typeof value === 'number') result[field] = String(value);
    }
  } catch {
    // Not JSON: the message is all there is.
  }
  return result;
}

/** True for OpenAI's 429 that means the account is out of credit: no retry will help. */
export function isQuotaExhausted(status: number, error: ErrorBody): boolean {
  return status === 429 && (error.code === 'insufficient_quota' || error.type === 'insufficient_quota');
}

/**
 * The error for a status that retrying will not fix. `message` is the server's, already
 * redacted. Names the option or field to change when the server says which.
 */
export function chatStatusError(status: number, error: ErrorBody, message: string, endpoint: string): StrataError {
  const details: Record<string, unknown> = { status, endpoint, ...(error.code === undefined ? {} : { serverCode: error.code }) };
  const suffix = message ? `: ${message}` : '';
  if (isQuotaExhausted(status, error)) {
    return new StrataError('misconfigured', `apiKey: the account behind the key has no quota left (HTTP 429)${suffix}`, {
      details: { field: 'apiKey', ...details },
    });
  }
  if (status === 401 || status === 403) {
    return new StrataError('misconfigured', `apiKey: the chat completions server refused the credentials (HTTP ${status})${suffix}`, {
      details: { field: 'apiKey', ...details },
    });
  }
  if (status === 404) {
    // Only OpenAI says which (Ollama and vLLM send no code), so otherwise name both.
    const [field, label] = error.code === 'model_not_found' ? ['model', 'model'] : ['baseUrl', 'baseUrl or model'];
    return new StrataError('misconfigured', `${label}: ${endpoint} answered HTTP 404${suffix}`, { details: { field, ...details } });
  }
  if (status === 400 || status === 413 || status === 422) return rejectedRequest(status, error, suffix, details);
  return new StrataError('unavailable', `chat completions server ${endpoint} answered HTTP ${status}${suffix}`, { details });
}

function rejectedRequest(status: number, error: ErrorBody, suffix: string, details: Record<string, unknown>): StrataError {
  // OpenAI's reasoning models refuse `max_tokens`; Ollama ignores `max_completion_tokens`. Say which to pick.
  if (error.code === 'unsupported_parameter' && (error.param === 'max_tokens' || error.param === 'max_completion_tokens')) {
    const other = error.param === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
    return new StrataError('misconfigured', `maxTokensParameter: the model does not accept ${error.param}; set it to ${other}${suffix}`, {
      details: { field: 'maxTokensParameter', param: error.param, ...details },
    });
  }
  if (error.code === 'unsupported_parameter' || error.code === 'unsupported_value') {
    return new StrataError(
      'misconfigured',
      `model: the model does not support ${error.param ?? 'a parameter of this request'} (HTTP ${status})${suffix}`,
      {
        details: { field: 'model', ...(error.param === undefined ? {} : { param: error.param }), ...details },
      },
    );
  }
  const field = error.code === 'context_length_exceeded' ? 'messages' : (error.param ?? 'request');
  return new StrataError('invalid_input', `${field}: the chat completions server rejected the request (HTTP ${status})${suffix}`, {
    details: { field, ...details },
  });
}

function incompatible(problem: string): StrataError {
  return new StrataError('misconfigured', `baseUrl: not an OpenAI-compatible chat completions endpoint: ${problem}`, {
    details: { field: 'baseUrl' },
  });
}
