/**
 * The noisy neighbour's flood, in its own process so autocannon's work does not weigh on the
 * small tenant's timings: forked by bench/noisy-neighbour/noisy-neighbour.ts, it waits for a `flood` message,
 * answers `started`, loads `POST /v1/search` with bench/http/http-load.ts and sends the load point back.
 */
import { type LoadPoint, type LoadTarget, measureLoad } from '../http/http-load.ts';

/** What the parent asks for. */
export interface FloodMessage {
  type: 'flood';
  target: LoadTarget;
  connections: number;
  seconds: number;
}

/** What the child answers: once when the load starts, once with its figures (or why it failed). */
export type FloodReply = { type: 'started' } | { type: 'done'; point: LoadPoint } | { type: 'failed'; message: string };

if (process.send === undefined)
  throw new Error('bench/noisy-neighbour/noisy-neighbour-flood.ts is forked by bench/noisy-neighbour/noisy-neighbour.ts');
process.once('message', (message: FloodMessage) => {
  process.send?.({ type: 'started' } satisfies FloodReply);
  measureLoad(message.target, { mode: 'vector', connections: message.connections, seconds: message.seconds, warmupSeconds: 0 })
    .then((point) => process.send?.({ type: 'done', point } satisfies FloodReply, undefined, undefined, () => process.exit(0)))
    .catch((error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ type: 'failed', message: text } satisfies FloodReply, undefined, undefined, () => process.exit(1));
    });
});
