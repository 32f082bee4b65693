/**
 * Answers chat completions: the language model behind extraction. Implementations talk to a
 * model server; none is faked, so with no provider configured, features that need one are off.
 *
 * Errors are `StrataError`s: `invalid_input` (a request the server or the checks reject),
 * `misconfigured` (URL, key, model or parameter the deployment got wrong), `rate_limited`
 * (`details.retryAfterSeconds` when known), `timeout`, `unavailable` (retries exhausted), and
 * `invalid_model_output` when JSON was asked for and the answer was not usable JSON. Aborting
 * through `signal` rejects with the signal's reason.
 */
export interface LLMProvider {
  /** The model a request that names none is sent to, e.g. `gpt-4o-mini`. */
  readonly model: string;
  /** Sends one chat completion request (one choice, not streamed) and returns its answer. */
  chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResult>;
}

/** One chat completion request. */
export interface ChatRequest {
  /** The conversation so far, oldest first; at least one message. */
  messages: readonly ChatMessage[];
  /** Model to use; default the provider's `model`. */
  model?: string;
  /** Sampling temperature, 0 to 2; default the server's. */
  temperature?: number;
  /** Upper bound of tokens the model may generate; default the server's. */
  maxOutputTokens?: number;
  /** Ask for text (the default) or JSON; see {@link ChatResponseFormat}. */
  responseFormat?: ChatResponseFormat;
}

/** Per-call options for {@link LLMProvider.chat}. */
export interface ChatOptions {
  /** Aborts the call (and any retries) when signalled. */
  signal?: AbortSignal;
  /** Time limit of each attempt for this call, overriding the provider's. */
  timeoutMs?: number;
}

/** A message of the conversation. `tool` messages answer an earlier assistant message's tool call. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string; name?: string }
  | { role: 'assistant'; content: string; name?: string; toolCalls?: readonly ToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string };

/** A tool call an assistant message made, kept so the `tool` message answering it can be sent back. */
export interface ToolCall {
  /** The id the model gave the call; the answering `tool` message carries it as `toolCallId`. */
  id: string;
  /** The function called. */
  name: string;
  /** Its arguments, as the JSON text the model produced. */
  arguments: string;
}

/**
 * `text`: free text. `json`: a JSON value in `ChatResult.json` — with `schema`, the server is
 * asked to follow that JSON Schema (structured output); without, only for valid JSON (JSON
 * mode). Servers differ in how strictly they follow a schema, so check the value's shape.
 */
export type ChatResponseFormat = { type: 'text' } | ({ type: 'json' } & JsonOutputOptions);

/** How to ask for JSON; see {@link ChatResponseFormat}. */
export interface JsonOutputOptions {
  /** A JSON Schema the answer must follow. Without it, any JSON object (JSON mode). */
  schema?: Record<string, unknown>;
  /** The schema's name, letters, digits, `_` and `-`, at most 64. Default `response`. */
  schemaName?: string;
  /** A description of the schema, which the model may read. */
  schemaDescription?: string;
  /** Ask for strict adherence (OpenAI structured outputs: every property required, no others). Default the server's. */
  strict?: boolean;
}

/** The model's answer. */
export interface ChatResult {
  /** The text of the answer, exactly as received (empty when the model gave none). */
  content: string;
  /** The parsed JSON value, when `responseFormat` asked for JSON. */
  json?: unknown;
  /** The model's refusal message, when it declined (OpenAI structured outputs). */
  refusal?: string;
  /** Why generation stopped: `stop`, `length` (the output token limit), `content_filter`, `tool_calls`, ... */
  finishReason: FinishReason;
  /** Tokens counted by the server; `undefined` when the server reports none. */
  usage: TokenUsage | undefined;
  /** The model that answered, as the server names it (OpenAI names a dated snapshot, e.g. `gpt-4o-mini-2024-07-18`). */
  model: string;
}

/** The reasons OpenAI defines, and any other a compatible server sends (`unknown` when it sends none). */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'unknown' | (string & {});

/** Tokens one call used, as the server counted them. */
export interface TokenUsage {
  /** Prompt tokens. */
  inputTokens: number;
  /** Generated tokens, reasoning tokens included. */
  outputTokens: number;
  /** Of `inputTokens`, how many the server served from its prompt cache, when it says. */
  cachedInputTokens?: number;
  /** Of `outputTokens`, how many were hidden reasoning, when it says. */
  reasoningTokens?: number;
}

/** Why an `invalid_model_output` error was raised; its `details.reason`. */
export type InvalidModelOutputReason = 'malformed_json' | 'truncated' | 'refused';
