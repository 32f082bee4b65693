import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress, WebhookEgress } from './webhook-egress.ts';

/**
 * Why an attempt failed, as recorded in the delivery log: a fixed phrase, never the receiver's
 * words, so a log cannot be used to read or fingerprint what answers at a URL.
 */
export const deliveryFailureReasons = [
  'address not allowed',
  'could not connect',
  'timed out',
  'redirect not followed',
  'answered 4xx',
  'answered 5xx',
  'unexpected answer',
] as const;

/** One of {@link deliveryFailureReasons}. */
export type DeliveryFailureReason = (typeof deliveryFailureReasons)[number];

/** The outcome of one POST. */
export type PostOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; reason: DeliveryFailureReason }
  | { ok: false; abandoned: true };

/** What one attempt sends and how long it may take. */
export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Aborting it abandons the attempt (`stop()`). */
  signal: AbortSignal;
}

/**
 * POSTs a webhook body under the egress policy: resolves the host, refuses unless every address
 * is allowed, connects only to those addresses (the lookup is pinned, so the name cannot be
 * re-pointed between the check and the connection), never follows a redirect, and never reads
 * the answer's body: the status line decides.
 */
export async function postWebhook(egress: WebhookEgress, request: PostRequest): Promise<PostOutcome> {
  const target = new URL(request.url);
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = AbortSignal.any([request.signal, timeout]);
  const failed = (): PostOutcome => {
    if (request.signal.aborted) return { ok: false, abandoned: true };
    return { ok: false, status: null, reason: timeout.aborted ? 'timed out' : 'could not connect' };
  };
  let decision: Awaited<ReturnType<WebhookEgress['addressesFor']>>;
  try {
    decision = await egress.addressesFor(target.hostname);
  } catch {
    return failed();
  }
  if (!decision.allowed) return { ok: false, status: null, reason: 'address not allowed' };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostOutcome>((resolve) => {
    const outgoing = send(
      target,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: false,
        lookup: pinnedLookup(decision.addresses),
        signal,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // The status line is all we need; the body is never read.
        response.destroy();
        outgoing.destroy();
        resolve(classify(status));
      },
    );
    outgoing.on('error', () => resolve(failed()));
    outgoing.end(request.body);
  });
}

function classify(status: number): PostOutcome {
  if (status >= 200 && status < 300) return { ok: true, status };
  const reason: DeliveryFailureReason =
    status >= 300 && status < 400
      ? 'redirect not followed'
      : status >= 400 && status < 500
        ? 'answered 4xx'
        : status >= 500 && status < 600
          ? 'answered 5xx'
          : 'unexpected answer';
  return { ok: false, status, reason };
}

/** A `lookup` that answers only with the addresses already checked. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = typeof options === 'object' && options !== null ? options.family : undefined;
    const usable = addresses.filter((entry) => family === undefined || family === 0 || entry.family === family);
    if (typeof options === 'object' && options !== null && options.all === true) {
      (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, usable);
      return;
    }
    const first = usable[0];
    if (first === undefined) {
      callback(Object.assign(new Error('no allowed address for this family'), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    callback(null, first.address, first.family);
  };
}
