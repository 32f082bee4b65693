import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReadyMessage, StartMessage } from './http-server.ts';
import type { StoreLocation } from './http-store.ts';

/** The Strata HTTP service running in a child process. */
export interface ServerChild {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Sends SIGTERM and waits for the child to close the server and the store and exit. */
  stop(): Promise<void>;
}

const serverScript = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const startTimeoutMs = 60_000;

/**
 * Forks bench/http/http-server.ts (under tsx, whatever the parent was started with), tells it which
 * store to open and waits for the URL it listens on.
 */
export async function startServerChild(location: StoreLocation, poolSize: number): Promise<ServerChild> {
  const child = fork(serverScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const url = await waitForReady(child, { type: 'start', location, poolSize });
    return { url, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

function waitForReady(child: ChildProcess, start: StartMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server child: no URL within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
    child.once('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      if (message.type === 'ready') resolve(message.url);
      else reject(new Error(`server child failed to start:\n${message.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server child exited early with code ${code}`));
    });
    child.send(start);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
