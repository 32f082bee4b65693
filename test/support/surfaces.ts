import { afterAll, describe } from 'vitest';
import { createStrataClient, type StrataClient } from '../../src/client/index.ts';
import type { Strata, StrataOptions } from '../../src/index.ts';
import { startTestServer } from './http-server.ts';
import { schemaCheckingFetch } from './response-check.ts';
import { dropServerDatabases, type StoreTarget, storeTargets } from './stores.ts';

/** What the contract suite drives: the embedded library, or the client SDK against a real server. */
export type ContractStrata = StrataClient & {
  close(): Promise<void>;
  /** Embedded only: AsyncLocalStorage does not cross HTTP. */
  withTenant?: Strata['withTenant'];
};

/** One way of reaching a store: in-process, or client → HTTP on loopback → store. */
export interface SurfaceTarget {
  name: string;
  /** `embedded` runs in-process; `http` goes through the client SDK and a server on loopback. */
  surface: 'embedded' | 'http';
  open(options?: StrataOptions): Promise<ContractStrata>;
}

const embedded = (store: StoreTarget): SurfaceTarget => ({ name: store.name, surface: 'embedded', open: (options) => store.open(options) });

// The client acts with an operator key; `as(context)` sends the acting headers, so the same calls
// the embedded suite makes (`strata.as({ tenantId, userId })`) travel over HTTP unchanged. Every
// response is also checked against its operation's response schema (the OpenAPI document's).
const http = (store: StoreTarget): SurfaceTarget => ({
  name: `http+${store.name}`,
  surface: 'http',
  async open(options) {
    const server = await startTestServer(store, options === undefined ? {} : { store: options });
    const client = createStrataClient({ baseUrl: server.url, apiKey: server.adminKey, fetch: schemaCheckingFetch() });
    return Object.assign(Object.create(null), client, { close: () => server.close() }) as ContractStrata;
  },
});

/** Every store target embedded, plus the client SDK over HTTP on the first (PGlite) and, when given, the server. */
export const surfaceTargets: SurfaceTarget[] = [...storeTargets.map(embedded), ...storeTargets.map(http)];

/** Runs `suite` once per surface and store: the library and the client over HTTP keep one contract. */
export function describeEachSurface(title: string, suite: (target: SurfaceTarget) => void): void {
  for (const target of surfaceTargets) {
    describe(`${title} [${target.name}]`, () => suite(target));
  }
  afterAll(dropServerDatabases);
}
