import { createStrataClient, type StrataClient } from '../../src/client/index.ts';
import type { Strata, StrataOptions } from '../../src/index.ts';
import { createServer, type RequestLog, type ServerOptions } from '../../src/server/index.ts';
import { forgetInjected, injectedBaseUrl } from './inject.ts';
import type { StoreTarget } from './stores.ts';

/** A Strata service listening on a loopback port, with an operator key. */
export interface TestServer {
  url: string;
  strata: Strata;
  /** An operator (platform) API key secret. */
  adminKey: string;
  /** Every request log line written so far. */
  logs: RequestLog[];
  /** A client with the operator key. */
  client: StrataClient;
  close(): Promise<void>;
}

/** Opens a fresh store of `target`'s kind and serves it on 127.0.0.1, port 0 (or, with `inject`, in-process). */
export async function startTestServer(
  target: StoreTarget,
  options: { store?: StrataOptions; server?: Omit<ServerOptions, 'strata' | 'log'>; inject?: boolean } = {},
): Promise<TestServer> {
  return serveStore(await target.open(options.store), options.server, options.inject === true);
}

/** Serves an opened store on 127.0.0.1, port 0, with a new operator key; closing the server closes the store. */
export async function serveStore(strata: Strata, options: Omit<ServerOptions, 'strata' | 'log'> = {}, inject = false): Promise<TestServer> {
  const logs: RequestLog[] = [];
  const server = createServer({ strata, ...options, log: (entry) => logs.push(entry) });
  // With `inject`, no socket: requests go through Fastify's inject (see inject.ts).
  const injected = inject ? injectedBaseUrl(server.app) : undefined;
  const url = injected?.url ?? (await server.listen({ host: '127.0.0.1', port: 0 }));
  const { secret } = await strata.as({ role: 'platform' }).keys.create({ role: 'platform', name: 'test operator' });
  return {
    url,
    strata,
    adminKey: secret,
    logs,
    client: createStrataClient({ baseUrl: url, apiKey: secret, ...(injected === undefined ? {} : { fetch: injected.fetch }) }),
    async close() {
      forgetInjected(url);
      await server.close();
      await strata.close();
    },
  };
}
