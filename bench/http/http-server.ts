/**
 * The HTTP bench's server process: forked by bench/http/http.ts (see http-child.ts), it waits for a
 * `start` message naming the store, opens Strata on it, serves `createServer` on 127.0.0.1
 * port 0 and reports the URL over IPC. SIGTERM (or the parent going away) closes the server,
 * then the store, then exits.
 */
import { createServer } from '../../src/server/index.ts';
import type { StoreLocation } from './http-store.ts';
import { openStore } from './http-store.ts';

/** The message the parent sends once the child is up. */
export interface StartMessage {
  type: 'start';
  location: StoreLocation;
  poolSize: number;
}

/** What the child answers: the base URL, or why it could not start. */
export type ReadyMessage = { type: 'ready'; url: string } | { type: 'failed'; message: string };

async function serve(message: StartMessage): Promise<void> {
  const strata = await openStore(message.location, message.poolSize);
  const server = createServer({ strata });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await strata.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('disconnect', shutdown);
  send({ type: 'ready', url });
}

function send(message: ReadyMessage, then?: () => void): void {
  process.send?.(message, undefined, undefined, () => then?.());
}

if (process.send === undefined) throw new Error('bench/http/http-server.ts is started by bench/http/http.ts over IPC, not on its own');
process.once('message', (message: StartMessage) => {
  serve(message).catch((error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    send({ type: 'failed', message: text }, () => process.exit(1));
  });
});
