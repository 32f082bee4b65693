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

/** Spans and metrics for every operation. */
export interface Telemetry {
  /** Runs `work` inside the operation's span and records its latency and outcome. */
  operation<T>(call: OperationCall, work: () => Promise<T>): Promise<T>;
  /** The Prometheus text exposition of the metrics so far. */
  metrics(): Promise<string>;
  /** Flushes and stops exporters. */
  shutdown(): Promise<void>;
}
