import { actingHeaders } from '../api/headers.ts';
import { type ApiKey, hashApiKey, parseApiKey } from '../core/api-key.ts';
import { StrataError } from '../core/errors.ts';
import { outranks, type Role, roles } from '../core/scope.ts';
import type { Strata } from '../create-strata.ts';
import type { CallerContext } from '../kernel/caller.ts';

/** The caller of a request: what its key stands for, narrowed by the acting headers. */
export type KeyCaller = CallerContext & { keyId: string; keyHash: string };

/** Request headers as Node gives them. */
export type Headers = Record<string, string | string[] | undefined>;

/** Resolves the caller of a request from its API key and acting headers. */
export interface Authenticator {
  authenticate(headers: Headers): Promise<KeyCaller>;
  /** Forgets the cached key a request presented (after the store said it is no longer live). */
  forget(headers: Headers): void;
  /** Forgets cached keys that match, after this server revoked, rotated or deleted them. */
  forgetWhere(matches: (key: ApiKey) => boolean): void;
}

const unauthenticated = (message: string) => new StrataError('unauthenticated', message);

/** The key from `Authorization: Bearer …` or `x-api-key`. */
function presentedKey(headers: Headers): string {
  const authorization = single(headers.authorization);
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+)$/i.exec(authorization);
    if (match?.[1] === undefined) throw unauthenticated('the Authorization header must be "Bearer <API key>"');
    return match[1];
  }
  const apiKey = single(headers['x-api-key']);
  if (apiKey === undefined) throw unauthenticated('an API key is required (Authorization: Bearer <key>)');
  return apiKey;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

interface CachedKey {
  key: ApiKey;
  caller: KeyCaller;
  cachedAt: number;
}

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /** Customer and user keys kept in memory. Default 10,000. */
  cacheSize?: number;
  /** How long a cached key is trusted before it is looked up again. Default 30,000 ms. */
  cacheTtlMs?: number;
  now?: () => number;
}

/**
 * Builds the authenticator. Malformed keys (wrong prefix, length or checksum) are refused
 * before any database work. Customer and user keys are cached by hash for `cacheTtlMs`: what a
 * key stands for never changes, and whether it is still live is checked again inside every
 * transaction its requests run, so a revoked key reads and writes nothing. Keys this server
 * revokes, rotates or deletes leave the cache at once; a revocation made by another process
 * is seen by the next transaction, and by validation-only failures within `cacheTtlMs`.
 * Operator and client admin keys are looked up on every request.
 */
export function createAuthenticator(strata: Strata, options: AuthenticatorOptions = {}): Authenticator {
  const cacheSize = options.cacheSize ?? 10_000;
  const cacheTtlMs = options.cacheTtlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, CachedKey>();

  const fresh = (entry: CachedKey | undefined): entry is CachedKey => {
    if (entry === undefined) return false;
    const expired = entry.key.expiresAt !== null && Date.parse(entry.key.expiresAt) <= now();
    return !expired && now() - entry.cachedAt < cacheTtlMs;
  };

  const keyCaller = async (secret: string): Promise<KeyCaller> => {
    const kind = parseApiKey(secret);
    if (kind === null) throw unauthenticated('the API key is malformed (wrong prefix, length or checksum)');
    const hash = hashApiKey(secret);
    const cached = cache.get(hash);
    if (fresh(cached)) return cached.caller;
    cache.delete(hash);
    const { key, caller } = await strata.keys.authenticate(secret);
    const keyCaller = { ...caller, keyId: key.id };
    if (kind === 'tenant' || kind === 'user') {
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(hash, { key, caller: keyCaller, cachedAt: now() });
    }
    return keyCaller;
  };

  return {
    async authenticate(headers) {
      return narrow(await keyCaller(presentedKey(headers)), headers);
    },
    forget(headers) {
      try {
        cache.delete(hashApiKey(presentedKey(headers)));
      } catch {
        // no usable key, nothing cached
      }
    },
    forgetWhere(matches) {
      for (const [hash, entry] of cache) if (matches(entry.key)) cache.delete(hash);
    },
  };
}

/**
 * Applies the acting headers. The operator may act as anyone; a client admin inside its own
 * client; a customer admin as one of its users (as that user, role `member`, unless
 * `strata-role` says `admin`); any key with a lower role. Naming another
 * tenant, client or user than the key's own is `forbidden`.
 */
export function narrow(key: KeyCaller, headers: Headers): KeyCaller {
  const tenant = single(headers[actingHeaders.tenant]);
  const user = single(headers[actingHeaders.user]);
  const role = single(headers[actingHeaders.role]);
  const client = single(headers[actingHeaders.client]);
  const keyRole = key.role ?? 'platform';
  if (keyRole === 'platform') {
    return {
      keyId: key.keyId,
      keyHash: key.keyHash,
      ...definedFields({ tenantId: tenant, userId: user, clientId: client, role: role as Role | undefined }),
    };
  }
  const caller: KeyCaller = { ...key };
  if (client !== undefined && client !== key.clientId) throw forbidden(actingHeaders.client, 'another client');
  if (tenant !== undefined && tenant !== key.tenantId) {
    if (keyRole !== 'client_admin') throw forbidden(actingHeaders.tenant, 'another tenant');
    caller.tenantId = tenant;
    caller.role = 'admin';
  }
  if (user !== undefined && user !== key.userId) {
    const actsForUsers = keyRole === 'client_admin' || (keyRole === 'admin' && key.userId === undefined);
    if (!actsForUsers || caller.tenantId === undefined) throw forbidden(actingHeaders.user, 'another user');
    caller.userId = user;
    // Acting as a user is acting as that user; an admin keeps its role only by sending strata-role.
    caller.role = 'member';
  }
  if (role !== undefined) {
    if (!(roles as readonly string[]).includes(role))
      throw new StrataError('invalid_input', `${actingHeaders.role}: must be one of ${roles.join(', ')}`);
    if (outranks(role as Role, keyRole)) throw forbidden(actingHeaders.role, `a role above ${keyRole}`);
    caller.role = role as Role;
  }
  return caller;
}

function forbidden(header: string, what: string): StrataError {
  return new StrataError('forbidden', `${header}: this API key cannot act for ${what}`, { details: { field: header } });
}

function definedFields(fields: CallerContext): CallerContext {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as CallerContext;
}

/**
 * Which cached keys an operation that just succeeded made stale: revoked or rotated keys, the
 * keys of a deleted or updated (perhaps suspended) tenant, the keys of a deleted or updated (perhaps demoted) user.
 */
export function keysMadeStale(operation: string, id: string | undefined, caller: CallerContext): ((key: ApiKey) => boolean) | undefined {
  if (id === undefined) return undefined;
  switch (operation) {
    case 'keys.revoke':
    case 'keys.rotate':
      return (key) => key.id === id;
    case 'tenants.update':
    case 'tenants.delete':
    case 'tenants.offboard':
      return (key) => key.tenantId === id;
    case 'users.update':
    case 'users.delete':
      return (key) => key.userId === id && (caller.tenantId === undefined || key.tenantId === caller.tenantId);
    default:
      return undefined;
  }
}
