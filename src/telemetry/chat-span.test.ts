import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Family, parseExposition } from '../../test/telemetry/exposition.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../test/telemetry/otlp-receiver.ts';
import type { ChatRequest, LLMProvider } from '../models/llm-provider.ts';
import { createOpenAIChatModel } from '../models/openai-chat-model.ts';
import { type ChatCompletionsServer, startChatCompletionsServer } from '../testing/openai-chat-server.ts';
import { chatDurationBuckets, createTelemetry, tokenUsageBuckets } from './telemetry.ts';

const secretPrompt = 'Ann told me her passport number is X1234567';
const secretAnswer = 'Ann keeps her passport number X1234567 in the drawer';

const request: ChatRequest = {
  messages: [
    { role: 'system', content: 'Extract durable facts as JSON.' },
    { role: 'user', content: secretPrompt },
  ],
  temperature: 0,
  maxOutputTokens: 200,
  responseFormat: { type: 'json' },
};

function onlySpan(receiver: OtlpReceiver): ReceivedSpan {
  const spans = receiver.spans();
  expect(spans).toHaveLength(1);
  return spans[0] as ReceivedSpan;
}

function family(families: Map<string, Family>, name: string): Family {
  const found = families.get(name);
  if (found === undefined) throw new Error(`no metric family ${name}`);
  return found;
}

// One LLM call through the real OpenAI-compatible provider, over loopback, inside telemetry.chat.
describe('GenAI chat spans', () => {
  let receiver: OtlpReceiver;
  let server: ChatCompletionsServer;
  let llm: LLMProvider;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
    server = await startChatCompletionsServer();
    llm = createOpenAIChatModel({ baseUrl: server.url, model: 'gpt-4o-mini', maxRetries: 0 });
  });
  afterEach(async () => {
    await Promise.all([receiver.close(), server.close()]);
  });

  it('names the span chat {model} with the convention attributes, and records no prompt or answer', async () => {
    const telemetry = createTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    server.queue({ json: { fact: secretAnswer }, model: 'gpt-4o-mini-2024-07-18', usage: { promptTokens: 42, completionTokens: 7 } });
    const result = await telemetry.chat({ model: llm.model, operation: 'extraction', tenantId: 'acme', request }, () => llm.chat(request));
    expect(result.json).toEqual({ fact: secretAnswer });
    await telemetry.shutdown();
    const span = onlySpan(receiver);
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(span.kind).toBe(3); // CLIENT
    expect(span.statusCode).toBe(0);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0,
      'gen_ai.request.max_tokens': 200,
      'gen_ai.output.type': 'json',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 42,
      'gen_ai.usage.output_tokens': 7,
      'strata.operation': 'extraction',
      'strata.tenant.id': 'acme',
    });
    const everything = receiver.bodies.join('\n');
    expect(everything).not.toContain('X1234567');
    expect(everything).not.toContain('durable facts');
  });

  it('marks a failed call with error.type and the error status, still without content', async () => {
    const telemetry = createTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    server.queue({ status: 400, body: { error: { message: `bad request: ${secretPrompt}`, type: 'invalid_request_error' } } });
    await expect(
      telemetry.chat({ model: llm.model, operation: 'extraction', provider: 'ollama', request }, () => llm.chat(request)),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await telemetry.shutdown();
    const span = onlySpan(receiver);
    expect(span.statusCode).toBe(2);
    expect(span.attributes).toMatchObject({ 'error.type': 'invalid_input', 'gen_ai.provider.name': 'ollama' });
    expect(span.attributes).not.toHaveProperty('gen_ai.usage.input_tokens');
    expect(span.attributes).not.toHaveProperty('strata.tenant.id');
    expect(receiver.bodies.join('\n')).not.toContain('X1234567');
  });

  it('records the prompt and the answer in the conventions message schema only with content capture on', async () => {
    const telemetry = createTelemetry({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
    });
    const conversation: ChatRequest = {
      messages: [
        { role: 'system', content: 'Use the tool.' },
        { role: 'user', content: secretPrompt },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"person":"Ann"}' }] },
        { role: 'tool', content: 'found', toolCallId: 'call_1' },
      ],
    };
    server.queue({ content: secretAnswer, usage: { promptTokens: 30, completionTokens: 9 } });
    await telemetry.chat({ model: llm.model, operation: 'extraction', request: conversation }, () => llm.chat(conversation));
    await telemetry.shutdown();
    const span = onlySpan(receiver);
    expect(JSON.parse(String(span.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Use the tool.' }] },
      { role: 'user', parts: [{ type: 'text', content: secretPrompt }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'lookup', arguments: { person: 'Ann' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', result: 'found' }] },
    ]);
    expect(JSON.parse(String(span.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: secretAnswer }], finish_reason: 'stop' },
    ]);
    expect(span.attributes).not.toHaveProperty('gen_ai.output.type');
  });

  it('counts gen_ai.client.token.usage and gen_ai.client.operation.duration with bounded labels, spans or not', async () => {
    const telemetry = createTelemetry({ env: {} });
    const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };
    server.queue(
      { content: 'one', usage: { promptTokens: 100, completionTokens: 10 } },
      { content: 'two', usage: { promptTokens: 50, completionTokens: 5 } },
      { content: 'three', usage: null },
      { status: 400 },
    );
    for (let call = 0; call < 3; call += 1) {
      await telemetry.chat({ model: 'gpt-4o-mini', operation: 'extraction', tenantId: `tenant-${call}` }, () => llm.chat(hello));
    }
    await telemetry.chat({ model: 'gpt-4o-mini', operation: 'extraction' }, () => llm.chat(hello)).catch(() => undefined);
    // A model name that is not a label-safe string is counted as `other`.
    await telemetry.chat({ model: 'weird model "x"', operation: 'extraction' }, async () => ({
      content: '',
      model: 'weird',
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    }));
    const text = await telemetry.metrics();
    expect(text).not.toMatch(/tenant-\d/);
    const families = parseExposition(text);
    const tokens = family(families, 'gen_ai_client_token_usage');
    expect(tokens.type).toBe('histogram');
    const sums = tokens.samples
      .filter((sample) => sample.name.endsWith('_sum'))
      .map(({ labels, value }) => [labels.gen_ai_request_model, labels.gen_ai_token_type, value]);
    expect(sums).toEqual([
      ['gpt-4o-mini', 'input', 150],
      ['gpt-4o-mini', 'output', 15],
      ['other', 'input', 1],
      ['other', 'output', 1],
    ]);
    const bucket = tokens.samples.find((sample) => sample.name.endsWith('_bucket'));
    expect(bucket?.labels).toEqual({
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'gpt-4o-mini',
      gen_ai_token_type: 'input',
      le: String(tokenUsageBuckets[0]),
    });
    const duration = family(families, 'gen_ai_client_operation_duration_seconds');
    const counts = duration.samples
      .filter((sample) => sample.name.endsWith('_count'))
      .map(({ labels, value }) => [labels.gen_ai_request_model, labels.error_type, value]);
    expect(counts).toEqual([
      ['gpt-4o-mini', '', 3],
      ['gpt-4o-mini', 'invalid_input', 1],
      ['other', '', 1],
    ]);
    expect(duration.samples.filter((sample) => sample.name.endsWith('_bucket')).map((sample) => sample.labels.le)).toContain(
      String(chatDurationBuckets.at(-1)),
    );
    await telemetry.shutdown();
  });
});
