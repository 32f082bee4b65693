import { AsyncLocalStorage } from 'node:async_hooks';
import { invalidInput } from '../core/errors.ts';
import { parseOpaqueId } from '../core/ids.ts';
import { type Identity, type Role, roles } from '../core/scope.ts';

/**
 * Who an embedded call acts for. Every field is optional: a call with no context is the
 * deployment operator; with a tenant it defaults to that tenant's admin; with a user, to that
 * user (role `member`). An admin acting for a user says `role: 'admin'`.
 */
export interface CallerContext {
  clientId?: string;
  tenantId?: string;
  userId?: string;
  role?: Role;
  /**
   * Set by the HTTP service: the SHA-256 (hex) of the API key this call was authenticated
   * with. Every transaction checks that key is still live, so a revoked or expired key fails
   * on its next request.
   */
  keyHash?: string;
  /** Set by the HTTP service: the id of that API key, for the audit log. */
  keyId?: string;
  /** Set by the HTTP service: the request id, for the audit log. */
  requestId?: string;
}

/** How identities are filled in when a caller leaves fields out. */
export interface CallerDefaults {
  multitenancy: boolean;
  defaultTenant: string;
  defaultClient: string;
}

/** Carries a caller context through async calls (`strata.withTenant`). */
export type ContextStore = AsyncLocalStorage<CallerContext>;

/** A fresh async context store for one Strata instance. */
export function createContextStore(): ContextStore {
  return new AsyncLocalStorage<CallerContext>();
}

/** Validates a caller context; ids and role are checked like any other input. */
export function parseCallerContext(context: CallerContext): CallerContext {
  const parsed: CallerContext = {};
  if (context.clientId !== undefined) parsed.clientId = parseOpaqueId('clientId', context.clientId);
  if (context.tenantId !== undefined) parsed.tenantId = parseOpaqueId('tenantId', context.tenantId);
  if (context.userId !== undefined) parsed.userId = parseOpaqueId('userId', context.userId);
  if (context.keyHash !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(context.keyHash)) throw invalidInput('keyHash', 'must be a SHA-256 in hex');
    parsed.keyHash = context.keyHash;
  }
  if (context.keyId !== undefined) parsed.keyId = parseOpaqueId('keyId', context.keyId);
  if (context.requestId !== undefined) {
    if (!/^[\x21-\x7e]{1,200}$/.test(context.requestId)) throw invalidInput('requestId', 'must be 1 to 200 printable ASCII characters');
    parsed.requestId = context.requestId;
  }
  if (context.role !== undefined) {
    if (!roles.includes(context.role)) throw invalidInput('role', `must be one of ${roles.join(', ')}`);
    parsed.role = context.role;
  }
  return parsed;
}

/**
 * The identity a call runs as. In single-tenant mode the tenant is always the default one;
 * in B2B mode a user without a customer is refused (the same user id in two customers is two
 * people, so it cannot stand alone). The client id, when absent, is filled in from the tenant.
 */
export function resolveIdentity(context: CallerContext, defaults: CallerDefaults): Identity & { clientKnown: boolean } {
  let tenantId = context.tenantId;
  if (!defaults.multitenancy) {
    if (tenantId !== undefined && tenantId !== defaults.defaultTenant) {
      throw invalidInput('tenantId', `multitenancy is off: every call uses tenant ${defaults.defaultTenant}`);
    }
    tenantId = defaults.defaultTenant;
  }
  if (context.userId !== undefined && tenantId === undefined) {
    throw invalidInput('tenantId', 'a user belongs to a customer: name the tenant too');
  }
  const role: Role = context.role ?? defaultRole(tenantId, context);
  const identity: Identity & { clientKnown: boolean } = {
    clientId: context.clientId ?? defaults.defaultClient,
    role,
    clientKnown: context.clientId !== undefined,
  };
  if (tenantId !== undefined) identity.tenantId = tenantId;
  if (context.userId !== undefined) identity.userId = context.userId;
  if (context.keyHash !== undefined) identity.keyHash = context.keyHash;
  return identity;
}

/** Least privilege: a named user acts as that user, a tenant as its admin, a client as its admin. */
function defaultRole(tenantId: string | undefined, context: CallerContext): Role {
  if (context.userId !== undefined) return 'member';
  if (tenantId !== undefined) return 'admin';
  return context.clientId !== undefined ? 'client_admin' : 'platform';
}

/** The identity of the current call: the bound context, else `withTenant`'s, else none. */
export function currentIdentity(
  engine: { contexts: ContextStore; defaults: CallerDefaults },
  bound: CallerContext | undefined,
): Identity & { clientKnown: boolean } {
  return resolveIdentity(bound ?? engine.contexts.getStore() ?? {}, engine.defaults);
}
