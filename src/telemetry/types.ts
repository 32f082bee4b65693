import type { GenAiMemoryOperation } from '../core/operation.ts';
import type { Identity } from '../core/scope.ts';

/** One library operation as telemetry sees it. */
export interface OperationCall {
  /** The operation's name on a Strata handle: `memories.create`, `search`, `tenants.delete`. */
  action: string;
  identity: Identity;
  /** The arguments the caller passed (query text lives here; record it only when content capture is on). */
  args: readonly unknown[];
  /** The OpenTelemetry GenAI memory operation name (`create_memory`, `search_memory`, ...) for memory operations: from the operation's declaration. */
  genAiOperation?: GenAiMemoryOperation;
  /** The tenant's size class (`small`, `medium`, `large`, or `none` without a tenant); read after the work settles. */
  sizeClass: () => string;
}

/** A message of a chat request, as telemetry records it (only with content capture on). */
export interface ChatCallMessage {
  role: string;
  content: string;
  /** Tool calls an assistant message made. */
  toolCalls?: ReadonlyArray<{ id: string; name: string; arguments: string }>;
  /** The tool call a `tool` message answers. */
  toolCallId?: string;
}

/** One LLM chat completion call as telemetry sees it (the models layer's `ChatRequest` fits `request`). */
export interface ChatCall {
  /** The model asked for: `gen_ai.request.model`, and the span is named `chat <model>`. */
  model: string;
  /** What Strata made the call for, e.g. `extraction`: `strata.operation`. */
  operation: string;
  /** The tenant the call works for: `strata.tenant.id` on the span (never a metrics label). */
  tenantId?: string;
  /** `gen_ai.provider.name`. Default `openai`, the chat-completions protocol Strata's LLM provider speaks; name the real one when known. */
  provider?: string;
  /** The request: its parameters become attributes; its messages are recorded only with content capture on. */
  request?: {
    messages: readonly ChatCallMessage[];
    temperature?: number;
    maxOutputTokens?: number;
    responseFormat?: { type: string };
  };
}

/** What telemetry reads from a chat call's answer (the models layer's `ChatResult` fits). */
export interface ChatOutcome {
  content: string;
  /** The model that answered: `gen_ai.response.model`. */
  model: string;
  finishReason: string;
  usage: { inputTokens: number; outputTokens: number } | undefined;
}

/** Spans and metrics for every operation. */
export interface Telemetry {
  /** Runs `work` inside the operation's span and records its latency and outcome. */
  operation<T>(call: OperationCall, work: () => Promise<T>): Promise<T>;
  /**
   * Runs one LLM call inside a GenAI `chat {model}` span (CLIENT) and records its duration and
   * token usage (`gen_ai.client.*` metrics). Prompt and answer are recorded only when content
   * capture is on (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`).
   *
   * @example
   * const result = await telemetry.chat({ model: 'gpt-4o-mini', operation: 'extraction', tenantId: 'acme', request }, () => llm.chat(request));
   */
  chat<T extends ChatOutcome>(call: ChatCall, work: () => Promise<T>): Promise<T>;
  /** The Prometheus text exposition of the metrics so far. */
  metrics(): Promise<string>;
  /** Flushes and stops exporters. */
  shutdown(): Promise<void>;
}
