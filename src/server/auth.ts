import { actingHeaders } from '../api/headers.ts';
import { hashApiKey, parseApiKey } from '../core/api-key.ts';
import { StrataError } from '../core/errors.ts';
import { type Role, roles } from '../core/scope.ts';
import type { CallerContext } from '../strata/caller.ts';
import type { Strata } from '../strata/create-strata.ts';

/** The caller of a request: what its key stands for, narrowed by the acting headers. */
export type KeyCaller = CallerContext & { keyId: string; keyHash: string };

/** Request headers as Node gives them. */
export type Headers = Record<string, string | string[] | undefined>;

/** Resolves the caller of a request from its API key and acting headers. */
export interface Authenticator {
  authenticate(headers: Headers): Promise<KeyCaller>;
  /** Forgets a cached key (after the store says it is no longer live). */
  forget(headers: Headers): void;
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

/**
 * Builds the authenticator. Malformed keys (wrong prefix, length or checksum) are refused
 * before any database work. Customer and user keys are cached by hash: what a key stands for
 * never changes, and whether it is still live is checked inside every transaction it runs.
 * Operator and client admin keys are looked up on every request.
 */
export function createAuthenticator(strata: Strata, options: { cacheSize?: number } = {}): Authenticator {
  const cacheSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, KeyCaller>();

  const keyCaller = async (key: string) => {
    const kind = parseApiKey(key);
    if (kind === null) throw unauthenticated('the API key is malformed (wrong prefix, length or checksum)');
    const hash = hashApiKey(key);
    const cached = cache.get(hash);
    if (cached !== undefined) return cached;
    const caller = await strata.keys.authenticate(key);
    if (kind === 'tenant' || kind === 'user') {
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(hash, caller);
    }
    return caller;
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
  };
}

const rank = (role: Role) => roles.length - roles.indexOf(role);

/**
 * Applies the acting headers. The operator may act as anyone; a client admin inside its own
 * client; a customer admin as one of its users; any key with a lower role. Naming another
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
  }
  if (role !== undefined) {
    if (!(roles as readonly string[]).includes(role))
      throw new StrataError('invalid_input', `${actingHeaders.role}: must be one of ${roles.join(', ')}`);
    if (rank(role as Role) > rank(keyRole)) throw forbidden(actingHeaders.role, `a role above ${keyRole}`);
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
