import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const binPath = resolve(import.meta.dirname, '..', '..', '..', 'bin', 'strata.js');

/** Where a `strata serve` child keeps its data: a PGlite directory or a server database. */
export type ServeStore = { dataDir: string } | { databaseUrl: string };

/** A running `strata serve` child process. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** The operator key printed on first start, or `undefined` on a later start. */
  printedKey: string | undefined;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGKILL, then waits for the process to be gone. */
  kill(): Promise<void>;
}

/** Starts `strata serve --port 0 --quiet` on `store` and waits for the URL it prints. */
export async function startServe(store: ServeStore, timeoutMs = 60_000): Promise<ServeProcess> {
  const storeArguments = 'dataDir' in store ? ['--data-dir', store.dataDir] : ['--database-url', store.databaseUrl];
  const child = spawn(process.execPath, [binPath, 'serve', '--port', '0', '--quiet', ...storeArguments], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const started = Date.now();
  const servingPattern = /serving .* at (http:\/\/\S+)/;
  while (!servingPattern.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`strata serve did not start:\n${output}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
  return {
    child,
    url: servingPattern.exec(output)?.[1] ?? '',
    printedKey: /(sk_platform_\w+)/.exec(output)?.[1],
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A small seeded generator (mulberry32), so a failing kill point can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
