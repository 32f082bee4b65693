import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './scope.ts';

/** What a key stands for: the operator, a client application's admin, a customer, or one user. */
export const apiKeyKinds = ['platform', 'client', 'tenant', 'user'] as const;
/** The kind of an API key, visible in its prefix (`sk_tenant_…`). */
export type ApiKeyKind = (typeof apiKeyKinds)[number];

/** An API key as listed: everything but the secret, which is shown once at creation. */
export interface ApiKey {
  id: string;
  kind: ApiKeyKind;
  /** The key's first characters (`sk_tenant_4fX9aQ2b`), to recognise it. */
  prefix: string;
  name: string | null;
  clientId: string | null;
  tenantId: string | null;
  userId: string | null;
  role: Role;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// 24 random bytes (192 bits) in base 62 take at most 33 digits; the checksum (4 bytes) 6.
const secretDigits = 33;
const checksumDigits = 6;
const keyPattern = new RegExp(`^sk_(${apiKeyKinds.join('|')})_([0-9A-Za-z]{${secretDigits}})([0-9A-Za-z]{${checksumDigits}})$`);

function base62(bytes: Buffer, digits: number): string {
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let text = '';
  for (let index = 0; index < digits; index += 1) {
    text = alphabet[Number(value % 62n)] + text;
    value /= 62n;
  }
  return text;
}

function checksum(kind: string, secret: string): string {
  return base62(createHash('sha256').update(`sk_${kind}_${secret}`).digest().subarray(0, 4), checksumDigits);
}

/** A freshly minted key: the secret to hand out once, and what is stored instead of it. */
export interface MintedKey {
  secret: string;
  hash: string;
  /** The first characters, safe to show in listings (`sk_tenant_4fX9aQ2b`). */
  prefix: string;
}

/**
 * Mints an API key: `sk_<kind>_` + 192 random bits in base 62 + a 6-digit checksum, so a typo
 * or a truncated key is rejected without touching the database.
 */
export function mintApiKey(kind: ApiKeyKind): MintedKey {
  const secret = base62(randomBytes(24), secretDigits);
  const key = `sk_${kind}_${secret}${checksum(kind, secret)}`;
  return { secret: key, hash: hashApiKey(key), prefix: key.slice(0, `sk_${kind}_`.length + 8) };
}

/** The kind of a well-formed key with a valid checksum, or null for anything else. */
export function parseApiKey(key: string): ApiKeyKind | null {
  const match = keyPattern.exec(key);
  if (match === null) return null;
  const [, kind, secret, sum] = match;
  if (kind === undefined || secret === undefined || sum === undefined) return null;
  return checksum(kind, secret) === sum ? (kind as ApiKeyKind) : null;
}

/** SHA-256 of the whole key, hex: the only form a key is stored in. 192 random bits need no slow hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Compares two key hashes in constant time. */
export function sameKeyHash(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
