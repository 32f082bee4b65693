import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const binPath = resolve(import.meta.dirname, '..', '..', 'bin', 'strata.js');

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

/** How to start it: request log lines on stdout (off by default) and extra environment variables. */
export interface ServeOptions {
  logRequests?: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Working directory of the process. Default this process's. */
  cwd?: string;
}

/** Starts `strata serve --port 0` on `store` in its own process and waits for the URL it prints. */
export async function startServe(store: ServeStore, options: ServeOptions = {}): Promise<ServeProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const storeArguments = 'dataDir' in store ? ['--data-dir', store.dataDir] : ['--database-url', store.databaseUrl];
  const quiet = options.logRequests === true ? [] : ['--quiet'];
  const port = String(options.port ?? 0);
  const child = spawn(process.execPath, [binPath, 'serve', '--port', port, ...quiet, ...storeArguments], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
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
