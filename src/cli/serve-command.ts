import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseApiKey } from '../core/api-key.ts';
import { StrataError } from '../core/errors.ts';
import { servedByKeyName, writeServedBy } from '../db/served-by.ts';
import type { ApiKey, Page, Strata } from '../index.ts';
import { integerOption, stringOption, UsageError } from './args.ts';
import type { CommandDefinition } from './command.ts';
import type { CliIo } from './io.ts';

/** `strata serve`: the HTTP service on the store, until SIGTERM or SIGINT. */
export const serveCommands: CommandDefinition[] = [
  {
    path: ['serve'],
    arguments: [],
    summary: 'run the HTTP service (REST API v1, /docs, /openapi.json) until SIGTERM or SIGINT',
    options: {
      host: { type: 'string', valueName: '<host>', description: 'address to listen on (default STRATA_HOST, else 127.0.0.1)' },
      port: { type: 'string', valueName: '<port>', description: 'port to listen on, 0 for any (default STRATA_PORT, else 8787)' },
      quiet: { type: 'boolean', description: 'no request log lines on stdout' },
    },
    async run({ options, io, openStore }) {
      const host = stringOption(options, 'host') ?? io.env.STRATA_HOST ?? '127.0.0.1';
      const port = integerOption(options, 'port') ?? environmentInteger(io.env, 'STRATA_PORT') ?? 8787;
      if (port < 0 || port > 65_535) throw new UsageError('--port: must be between 0 and 65535');
      const bodyLimit = environmentInteger(io.env, 'STRATA_BODY_LIMIT');
      const importBodyLimit = environmentInteger(io.env, 'STRATA_IMPORT_BODY_LIMIT');
      const requestTimeoutMs = environmentInteger(io.env, 'STRATA_REQUEST_TIMEOUT_MS');
      const metricsToken = io.env.STRATA_METRICS_TOKEN === '' ? undefined : io.env.STRATA_METRICS_TOKEN;
      const strata = await openStore();
      // Loaded only here: other commands never pay for the HTTP server's modules.
      const { createServer } = await import('../server/create-server.ts');
      const server = createServer({
        strata,
        ...(bodyLimit === undefined ? {} : { bodyLimit }),
        ...(importBodyLimit === undefined ? {} : { importBodyLimit }),
        ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
        ...(metricsToken === undefined ? {} : { metricsToken }),
        ...(options.quiet === true ? {} : { log: (entry) => io.stdout.write(`${JSON.stringify(entry)}\n`) }),
      });
      const url = await server.listen({ host, port });
      const operator = strata.as({ role: 'platform' });
      const embedded = strata.info.backend === 'pglite' && strata.info.location !== 'memory' ? strata.info.location : undefined;
      const operatorKeys = await liveOperatorKeys(operator);
      // A crashed run's CLI key is revoked, and does not count as a way in.
      const staleCliKeys = embedded === undefined ? [] : operatorKeys.filter((key) => key.name === servedByKeyName);
      for (const key of staleCliKeys) await operator.keys.revoke(key.id);
      await ensureOperatorKey(operator, io, operatorKeys.length - staleCliKeys.length);
      const stopLocalCli = embedded === undefined ? undefined : await serveLocalCli(operator, embedded, url);
      collectStartupGarbage();
      io.stdout.write(`strata: serving ${strata.info.backend} (${strata.info.location}) at ${url}  (docs: ${url}/docs)\n`);
      const signal = await nextStopSignal();
      io.stdout.write(`strata: ${signal}: finishing in-flight requests and closing\n`);
      await stopLocalCli?.();
      await server.close();
      return { result: { url, stoppedBy: signal }, text: '' };
    },
  },
];

/**
 * Opening a fresh embedded store runs PGlite's initdb in a second WASM instance and copies its
 * heap; a few hundred MB of that is garbage once the store is open, and an idle server
 * allocates too little for V8 to collect it on its own. One full collection at start-up makes
 * the idle footprint the store's, not the initdb's (bench/results/startup.md).
 */
function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
}

function environmentInteger(env: CliIo['env'], name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new StrataError('misconfigured', `${name}: must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * Makes sure an operator can get in. With STRATA_ADMIN_KEY, that key is registered (once; a
 * revoked one stays revoked). Without it, a store with no live operator key gets one, printed
 * here once: it is stored only as a hash.
 */
async function ensureOperatorKey(strata: Strata, io: CliIo, liveOperatorKeyCount: number): Promise<void> {
  const configured = io.env.STRATA_ADMIN_KEY;
  if (configured !== undefined && configured !== '') {
    if (parseApiKey(configured) !== 'platform') {
      throw new StrataError(
        'misconfigured',
        'STRATA_ADMIN_KEY: must be an operator key (sk_platform_…); make one with `strata keys generate`',
      );
    }
    await strata.keys.register(configured, { name: 'STRATA_ADMIN_KEY' });
    return;
  }
  if (liveOperatorKeyCount > 0) return;
  const created = await strata.keys.create({ role: 'platform', name: 'first operator key' });
  io.stdout.write(
    [
      'strata: created the operator API key. It is shown this once and stored only as a hash:',
      '',
      `    ${created.secret}`,
      '',
      '  Use it as `Authorization: Bearer <key>` (or STRATA_API_KEY for the CLI with --url).',
      '',
    ].join('\n'),
  );
}

/** The operator keys that are neither revoked nor expired. */
async function liveOperatorKeys(strata: Strata): Promise<ApiKey[]> {
  const now = Date.now();
  const live: ApiKey[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<ApiKey> = await strata.keys.list({ limit: 200, ...(cursor === null ? {} : { cursor }) });
    live.push(
      ...page.items.filter(
        (key) => key.kind === 'platform' && key.revokedAt === null && (key.expiresAt === null || Date.parse(key.expiresAt) > now),
      ),
    );
    cursor = page.nextCursor;
  } while (cursor !== null);
  return live;
}

/**
 * Lets the CLI on this machine reach this server while it holds the data directory: mints an
 * operator key for this run and leaves it, with the URL, in the directory (0600). Returns what
 * undoes both at shutdown.
 */
async function serveLocalCli(strata: Strata, directory: string, url: string): Promise<() => Promise<void>> {
  const { key, secret } = await strata.keys.create({ role: 'platform', name: servedByKeyName });
  const remove = writeServedBy(directory, { url: loopbackUrl(url), apiKey: secret });
  return async () => {
    remove();
    await strata.keys.revoke(key.id);
  };
}

/** The URL a local process reaches a server listening on every address (`0.0.0.0`, `::`) by. */
function loopbackUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
  return parsed.origin;
}

/** Resolves with the name of the first SIGTERM or SIGINT. */
function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
