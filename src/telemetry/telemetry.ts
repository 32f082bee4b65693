import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isStrataError } from '../core/errors.ts';
import { chatResultAttributes, chatSpanName, chatStartAttributes, defaultChatProvider } from './chat-attributes.ts';
import { resultAttributes, spanName, startAttributes } from './operation-attributes.ts';
import { createOtlpTracer, tracesEndpoint } from './otlp-tracer.ts';
import { createMetricsRegistry } from './prometheus.ts';
import type { ChatCall, OperationCall, Telemetry } from './types.ts';

/** Options of {@link createTelemetry}. */
export interface TelemetryOptions {
  /** Where `OTEL_*` settings are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The `service.name` resource attribute. Default `OTEL_SERVICE_NAME`, else `strata`. */
  serviceName?: string;
}

/** Upper bounds (seconds) of the latency histogram's buckets: 1 ms to 10 s. */
export const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Upper bounds (seconds) of `gen_ai.client.operation.duration`, as the GenAI conventions give them. */
export const chatDurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] as const;

/** Upper bounds of `gen_ai.client.token.usage`, as the GenAI conventions give them. */
export const tokenUsageBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] as const;

/** Label values must come from small fixed sets; anything else is counted as `other`. */
const boundedLabel = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

/** Model names (`gpt-4o-mini`, `llama3.2:3b`, `org/model@v2`) as metrics labels: this shape, and at most this many distinct ones. */
const modelLabel = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,99}$/;
const maxModelLabels = 20;

/**
 * Spans and Prometheus metrics for Strata operations and for the LLM calls Strata makes
 * (`chat`: GenAI inference spans and `gen_ai.client.*` metrics). Spans are exported over OTLP/HTTP (JSON)
 * when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; otherwise
 * no span is created at all. Metrics are always kept, in memory, for `metrics()`.
 *
 * @example
 * const telemetry = createTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' } });
 * const strata = await createStrata({ telemetry });
 * // ... later
 * console.log(await telemetry.metrics());
 * await telemetry.shutdown();
 */
export function createTelemetry(options: TelemetryOptions = {}): Telemetry {
  const env = options.env ?? process.env;
  const captureContent = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase() === 'true';
  const endpoint = tracesEndpoint(env);
  const serviceName = options.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || 'strata');
  const otlp = endpoint === undefined ? undefined : createOtlpTracer(endpoint, serviceName);

  const registry = createMetricsRegistry();
  const duration = registry.histogram({
    name: 'strata_operation_duration_seconds',
    help: 'Latency of Strata operations in seconds, by operation, tenant size class and outcome.',
    labelNames: ['operation', 'size_class', 'outcome'],
    buckets: latencyBuckets,
  });
  const operations = registry.counter({
    name: 'strata_operations_total',
    help: 'Strata operations completed, by operation, tenant size class and outcome.',
    labelNames: ['operation', 'size_class', 'outcome'],
  });
  const errors = registry.counter({
    name: 'strata_operation_errors_total',
    help: 'Strata operations that failed, by operation and error code.',
    labelNames: ['operation', 'code'],
  });

  // The GenAI client metrics, named as OpenTelemetry's Prometheus exporter names them.
  const chatDuration = registry.histogram({
    name: 'gen_ai_client_operation_duration_seconds',
    help: 'Duration of LLM calls in seconds (gen_ai.client.operation.duration), by operation, provider, model and error type.',
    labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'error_type'],
    buckets: chatDurationBuckets,
  });
  const tokenUsage = registry.histogram({
    name: 'gen_ai_client_token_usage',
    help: 'Tokens per LLM call (gen_ai.client.token.usage), by operation, provider, model and token type (input, output).',
    labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_token_type'],
    buckets: tokenUsageBuckets,
  });
  const models = new Set<string>();
  const modelName = (model: string) => {
    if (!modelLabel.test(model)) return 'other';
    if (!models.has(model) && models.size >= maxModelLabels) return 'other';
    models.add(model);
    return model;
  };
  const chatLabels = (call: ChatCall) => ({
    gen_ai_operation_name: 'chat',
    gen_ai_provider_name: bounded(call.provider ?? defaultChatProvider),
    gen_ai_request_model: modelName(call.model),
  });

  function finish(call: OperationCall, startedAt: bigint, span: Span | undefined, error: { value: unknown } | undefined): void {
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const sizeClass = readSizeClass(call);
    const operation = bounded(call.action);
    const outcome = error === undefined ? 'ok' : 'error';
    duration.observe({ operation, size_class: sizeClass, outcome }, seconds);
    operations.increment({ operation, size_class: sizeClass, outcome });
    if (error !== undefined) errors.increment({ operation, code: errorCode(error.value) });
    if (span === undefined) return;
    span.setAttribute('strata.tenant.size_class', sizeClass);
    if (error !== undefined) {
      const code = errorCode(error.value);
      // The code only: an error message may quote input, and spans must not carry content.
      span.setAttribute('error.type', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    }
    span.end();
  }

  return {
    async operation(call, work) {
      const startedAt = process.hrtime.bigint();
      const span = otlp?.tracer.startSpan(
        spanName(call),
        // A memory operation is a call into the memory store (CLIENT, as the GenAI conventions
        // have it); Strata's own administration (keys, usage, audit) is INTERNAL.
        {
          kind: call.genAiOperation === undefined ? SpanKind.INTERNAL : SpanKind.CLIENT,
          attributes: startAttributes(call, captureContent),
        },
        context.active(),
      );
      try {
        const result = await (span === undefined ? work() : context.with(trace.setSpan(context.active(), span), work));
        span?.setAttributes(resultAttributes(call.action, result));
        finish(call, startedAt, span, undefined);
        return result;
      } catch (error) {
        finish(call, startedAt, span, { value: error });
        throw error;
      }
    },
    async chat(call, work) {
      const startedAt = process.hrtime.bigint();
      const span = otlp?.tracer.startSpan(
        chatSpanName(call),
        { kind: SpanKind.CLIENT, attributes: chatStartAttributes(call, captureContent) },
        context.active(),
      );
      const labels = chatLabels(call);
      const seconds = () => Number(process.hrtime.bigint() - startedAt) / 1e9;
      try {
        const result = await (span === undefined ? work() : context.with(trace.setSpan(context.active(), span), work));
        chatDuration.observe({ ...labels, error_type: '' }, seconds());
        if (result.usage !== undefined) {
          tokenUsage.observe({ ...labels, gen_ai_token_type: 'input' }, result.usage.inputTokens);
          tokenUsage.observe({ ...labels, gen_ai_token_type: 'output' }, result.usage.outputTokens);
        }
        span?.setAttributes(chatResultAttributes(result, captureContent));
        span?.end();
        return result;
      } catch (error) {
        const code = errorCode(error);
        chatDuration.observe({ ...labels, error_type: code }, seconds());
        // The code only: a provider's error message may quote the prompt.
        span?.setAttribute('error.type', code);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: code });
        span?.end();
        throw error;
      }
    },
    async metrics() {
      return registry.render();
    },
    async shutdown() {
      await otlp?.shutdown();
    },
  };
}

function readSizeClass(call: OperationCall): string {
  try {
    return bounded(call.sizeClass());
  } catch {
    return 'none';
  }
}

function bounded(value: string): string {
  return boundedLabel.test(value) ? value : 'other';
}

/** The StrataError code, or `internal` for anything else (what a caller would be told). */
function errorCode(error: unknown): string {
  return isStrataError(error) ? error.code : 'internal';
}
