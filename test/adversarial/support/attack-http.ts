import http from 'node:http';

/** What one request over a caller-owned connection pool returned. */
export interface PooledResponse {
  status: number;
  text: string;
}

/**
 * Sends one request through `agent` (a keep-alive pool the test owns), abortable with `signal`.
 * Unlike the global `fetch` pool, the test can destroy this pool afterwards: a request aborted
 * mid-write leaves a half-sent request on its socket, which holds the server's close() open for
 * about 70 s (the bug pinned in bad-input.test.ts, 'closes within the request timeout ...').
 */
export function pooledRequest(
  agent: http.Agent,
  url: string,
  request: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
): Promise<PooledResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method: request.method, headers: request.headers, agent, signal: request.signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
