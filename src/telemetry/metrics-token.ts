import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when an `Authorization` header is `Bearer <token>`. Compared in constant time (both
 * sides hashed first, so neither the token's length nor its prefix leaks through timing).
 */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const given = match?.[1] ?? '';
  const equal = timingSafeEqual(digest(given), digest(token));
  return match !== null && equal;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
