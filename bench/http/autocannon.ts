import { createRequire } from 'node:module';

// autocannon ships no type declarations: these are the parts of its API the benches use.

/** One request template; `setupRequest` may rewrite it before each send. */
export interface AutocannonRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}

/** Options of one load run: either one fixed request (method, headers, body) or request templates. */
export interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  /** Seconds before a request counts as a timeout. */
  timeout?: number;
  method?: 'POST';
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
}

/** The parts of autocannon's result the benches read. */
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}

/** A running load: an event emitter that is also a thenable of the result. */
export interface AutocannonRun extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
}

/** Starts a load run. */
export const autocannon = createRequire(import.meta.url)('autocannon') as (options: AutocannonOptions) => AutocannonRun;
