import { loadavg } from 'node:os';
import type { SearchMode } from '../../src/index.ts';
import { type LatencySummary, summarize } from '../lib/stats.ts';
import { type AutocannonRun, autocannon } from './autocannon.ts';

/** One measured load point. */
export interface LoadPoint {
  mode: SearchMode;
  connections: number;
  seconds: number;
  /** autocannon's `requests.average`: the mean of its per-second request counts. */
  requestsPerSecond: number;
  /** 2xx responses in the measured run. */
  responses: number;
  /** Latency of 2xx responses from autocannon's per-response timings (sub-millisecond, unlike its histogram). */
  latency: LatencySummary;
  /** autocannon's own histogram figures, in whole milliseconds. */
  autocannonLatency: { p50: number; p99: number; mean: number };
  non2xx: number;
  /** Connection errors (timeouts included). */
  errors: number;
  timeouts: number;
  /** The 1-minute load average just before the measured run. */
  loadAverage: number;
}

/** What every load run shares. */
export interface LoadTarget {
  url: string;
  secret: string;
  queries: readonly string[];
  limit: number;
}

/**
 * Loads `POST /v1/search` with `connections` connections: a discarded warm-up of `warmupSeconds`,
 * then `seconds` measured. Every request takes the next query of the shared rotation, so the
 * connections together cycle through all of them.
 */
export async function measureLoad(
  target: LoadTarget,
  point: { mode: SearchMode; connections: number; seconds: number; warmupSeconds: number },
): Promise<LoadPoint> {
  const bodies = target.queries.map((query) => JSON.stringify({ query, limit: target.limit, mode: point.mode }));
  if (point.warmupSeconds > 0) await run(target, bodies, point.connections, point.warmupSeconds);
  const loadAverage = loadavg()[0] ?? Number.NaN;
  const samples: number[] = [];
  const result = await run(target, bodies, point.connections, point.seconds, (status, milliseconds) => {
    if (status >= 200 && status < 300) samples.push(milliseconds);
  });
  return {
    mode: point.mode,
    connections: point.connections,
    seconds: result.duration,
    requestsPerSecond: result.requests.average,
    responses: samples.length,
    latency: summarize(samples),
    autocannonLatency: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    loadAverage,
  };
}

function run(
  target: LoadTarget,
  bodies: readonly string[],
  connections: number,
  seconds: number,
  onResponse?: (status: number, milliseconds: number) => void,
): AutocannonRun {
  let next = 0;
  const instance = autocannon({
    url: target.url,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/v1/search',
        headers: { authorization: `Bearer ${target.secret}`, 'content-type': 'application/json' },
        setupRequest: (request) => {
          const body = bodies[next % bodies.length];
          next += 1;
          return { ...request, body };
        },
      },
    ],
  });
  if (onResponse !== undefined) instance.on('response', (_client, status, _bytes, milliseconds) => onResponse(status, milliseconds));
  return instance;
}
