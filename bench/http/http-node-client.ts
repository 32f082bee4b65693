import { Agent, request } from 'node:http';
import type { SearchCall } from './http-callers.ts';

/** A search over HTTP and the keep-alive connection it reuses. */
export interface NodeClientSearch {
  search: SearchCall;
  /** Closes the kept-alive socket. */
  close(): void;
}

/**
 * `POST /v1/search` through node:http on one kept-alive socket, with no client library on top:
 * next to the client SDK (global fetch), it shows how much of the HTTP overhead is the client's.
 */
export function createNodeClientSearch(baseUrl: string, secret: string, options: { limit: number }): NodeClientSearch {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(baseUrl);
  const post = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const outgoing = request(
        {
          agent,
          host: hostname,
          port,
          method: 'POST',
          path: '/v1/search',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode === 200) resolve(text);
            else reject(new Error(`POST /v1/search: HTTP ${response.statusCode}: ${text.slice(0, 200)}`));
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return {
    search: async (query) => {
      const text = await post(JSON.stringify({ query, limit: options.limit, mode: 'vector' }));
      return (JSON.parse(text) as { hits: Array<{ memoryId: string }> }).hits.map((hit) => hit.memoryId);
    },
    close: () => agent.destroy(),
  };
}
