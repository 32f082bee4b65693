import { createHmac, timingSafeEqual } from 'node:crypto';

/** The hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the webhook's secret (as UTF-8). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The `strata-webhook-signature` header value for a body sent at `timestamp` (Unix seconds). */
export function signatureHeader(secret: string, timestamp: string, body: string): string {
  return `v1=${webhookSignature(secret, timestamp, body)}`;
}

/**
 * Checks a webhook request for receivers: `header` is `strata-webhook-signature`, `timestamp`
 * is `strata-webhook-timestamp` (Unix seconds), `body` the raw request body exactly as received.
 * True only if one `v1=` signature matches and the timestamp is within `toleranceSeconds` of
 * now (replayed old requests fail).
 *
 * @example
 * const ok = verifyWebhookSignature(process.env.WEBHOOK_SECRET, request.headers['strata-webhook-timestamp'],
 *   rawBody, request.headers['strata-webhook-signature']);
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | null | undefined,
  body: string,
  header: string | null | undefined,
  toleranceSeconds = 300,
  now: Date = new Date(),
): boolean {
  if (typeof timestamp !== 'string' || typeof header !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body), 'hex');
  // Several signatures may be listed (space separated) while a secret is being rotated.
  return header.split(' ').some((part) => {
    const match = /^v1=([0-9a-f]{64})$/.exec(part.trim());
    return match?.[1] !== undefined && timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
  });
}
