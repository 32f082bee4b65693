import type { FastifyInstance } from 'fastify';

// HTTP tests whose point is not the socket drive the server in-process with Fastify's
// `inject`: the same routing, hooks, parsers and serialisation, without a listener or a
// loopback round trip. Such a server gets a base URL on a port nothing listens on, so a
// request that escaped the injected `fetch` would be refused, never sent anywhere.

const injected = new Map<string, typeof fetch>();
let nextPort = 1;

/** A `fetch` that answers from `app.inject` instead of the network. */
export function injectFetch(app: FastifyInstance): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const payload = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const response = await app.inject({
      method: request.method as 'GET',
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(request.headers),
      ...(payload === undefined ? {} : { payload }),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, String(item));
    }
    const empty = response.statusCode === 204 || response.statusCode === 304 || request.method === 'HEAD';
    return new Response(empty ? null : response.rawPayload, { status: response.statusCode, headers });
  };
}

/** Registers `app` under a new base URL that `send()` and the SDK client reach through `inject`. */
export function injectedBaseUrl(app: FastifyInstance): { url: string; fetch: typeof fetch } {
  const url = `http://127.0.0.1:${nextPort}`;
  nextPort += 1;
  const fetcher = injectFetch(app);
  injected.set(url, fetcher);
  return { url, fetch: fetcher };
}

/** The injected `fetch` of a base URL, if it is one; `forget` drops it when its server closes. */
export function injectedFetch(baseUrl: string): typeof fetch | undefined {
  return injected.get(baseUrl);
}

/** Drops an injected base URL. */
export function forgetInjected(baseUrl: string): void {
  injected.delete(baseUrl);
}
