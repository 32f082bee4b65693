import type { Attributes } from '@opentelemetry/api';
import type { ChatCall, ChatCallMessage, ChatOutcome } from './types.ts';

/**
 * Span attributes for LLM calls, per the OpenTelemetry GenAI client conventions (inference
 * spans): `gen_ai.operation.name = chat`, request and response model, token usage and finish
 * reasons, plus `strata.*` extras. The prompt and the answer (`gen_ai.input.messages`,
 * `gen_ai.output.messages`, JSON text in the conventions' message schema) only when content
 * capture is on: they hold memory content and user text.
 */

/** The provider named when the caller names none: the protocol Strata's LLM provider speaks. */
export const defaultChatProvider = 'openai';

/** `chat <model>`, the convention's `{gen_ai.operation.name} {gen_ai.request.model}`. */
export function chatSpanName(call: Pick<ChatCall, 'model'>): string {
  return `chat ${call.model}`;
}

/** Attributes known before the call: operation, provider, request model and parameters, and the prompt when captured. */
export function chatStartAttributes(call: ChatCall, captureContent: boolean): Attributes {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': call.provider ?? defaultChatProvider,
    'gen_ai.request.model': call.model,
    'strata.operation': call.operation,
  };
  if (call.tenantId !== undefined) attributes['strata.tenant.id'] = call.tenantId;
  const request = call.request;
  if (request?.temperature !== undefined) attributes['gen_ai.request.temperature'] = request.temperature;
  if (request?.maxOutputTokens !== undefined) attributes['gen_ai.request.max_tokens'] = request.maxOutputTokens;
  if (request?.responseFormat !== undefined) attributes['gen_ai.output.type'] = request.responseFormat.type === 'json' ? 'json' : 'text';
  if (captureContent && request !== undefined) attributes['gen_ai.input.messages'] = JSON.stringify(request.messages.map(inputMessage));
  return attributes;
}

/** Attributes read from the answer: response model, usage, finish reason, and the answer when captured. */
export function chatResultAttributes(result: ChatOutcome, captureContent: boolean): Attributes {
  const attributes: Attributes = {
    'gen_ai.response.model': result.model,
    'gen_ai.response.finish_reasons': [result.finishReason],
  };
  if (result.usage !== undefined) {
    attributes['gen_ai.usage.input_tokens'] = result.usage.inputTokens;
    attributes['gen_ai.usage.output_tokens'] = result.usage.outputTokens;
  }
  if (captureContent) {
    const parts = result.content === '' ? [] : [{ type: 'text', content: result.content }];
    attributes['gen_ai.output.messages'] = JSON.stringify([{ role: 'assistant', parts, finish_reason: result.finishReason }]);
  }
  return attributes;
}

/** One message in the conventions' input schema: `{ role, parts: [text | tool_call | tool_call_response] }`. */
function inputMessage(message: ChatCallMessage): { role: string; parts: Array<Record<string, unknown>> } {
  if (message.role === 'tool') {
    return { role: 'tool', parts: [{ type: 'tool_call_response', id: message.toolCallId ?? '', result: message.content }] };
  }
  const parts: Array<Record<string, unknown>> = message.content === '' ? [] : [{ type: 'text', content: message.content }];
  for (const call of message.toolCalls ?? [])
    parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: toolArguments(call.arguments) });
  return { role: message.role, parts };
}

/** Tool arguments are JSON text from the model: recorded as the value it parses to, else as given. */
function toolArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
