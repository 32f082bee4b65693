import { StrataError } from './errors.ts';

/** The four scopes, broadest first. */
export const scopes = ['world', 'client', 'customer', 'user'] as const;
/** Where a memory lives in the scope chain. */
export type Scope = (typeof scopes)[number];
/** Scopes whose rows live in tenant tables; the others are shared knowledge. */
export type TenantScope = Extract<Scope, 'customer' | 'user'>;
/** Scopes whose rows live in the shared-knowledge table. */
export type SharedScope = Extract<Scope, 'world' | 'client'>;

/** Roles, from the deployment operator down to a read-only customer key. */
export const roles = ['platform', 'client_admin', 'admin', 'member', 'reader'] as const;
/** What an identity may do. `platform` is the deployment operator. */
export type Role = (typeof roles)[number];

/** True when role `a` may do more than role `b` (roles are ordered from the operator down). */
export function outranks(a: Role, b: Role): boolean {
  return roles.indexOf(a) < roles.indexOf(b);
}

/**
 * Who is calling. Comes only from the credential (an API key, or the embedded caller's
 * explicit context), never from a request body.
 */
export interface Identity {
  /** The client application (the vendor). */
  clientId: string;
  /** The customer organisation (tenant); absent for platform and client-level callers. */
  tenantId?: string;
  /** The user inside the customer; absent for customer-level callers. */
  userId?: string;
  /** What the caller may do. */
  role: Role;
  /** SHA-256 (hex) of the API key the call was authenticated with; re-checked (not revoked, not expired) in every transaction. */
  keyHash?: string;
}

/** True for tenant-table scopes. */
export function isTenantScope(scope: Scope): scope is TenantScope {
  return scope === 'customer' || scope === 'user';
}

/**
 * The scopes an identity reads, narrowest first: user (only with a user), customer (only
 * with a tenant), client, world. A customer-level caller never sees user-scoped memory.
 */
export function readableScopes(identity: Identity): Scope[] {
  const chain: Scope[] = [];
  if (identity.tenantId !== undefined && identity.userId !== undefined) chain.push('user');
  if (identity.tenantId !== undefined) chain.push('customer');
  chain.push('client', 'world');
  return chain;
}

const writersByScope: Record<Scope, readonly Role[]> = {
  world: ['platform'],
  client: ['platform', 'client_admin'],
  customer: ['platform', 'client_admin', 'admin', 'member'],
  user: ['platform', 'client_admin', 'admin', 'member'],
};

/** Whether `identity` may write rows of `scope` (the rule {@link assertCanWrite} enforces). */
export function canWrite(identity: Identity, scope: Scope): boolean {
  if (!writersByScope[scope].includes(identity.role)) return false;
  if (isTenantScope(scope) && identity.tenantId === undefined) return false;
  return scope !== 'user' || identity.userId !== undefined;
}

/**
 * Throws unless `identity` may write memories of `scope`: world by the operator, client by
 * its admin, customer by admins and members, user by that user (who must be named).
 */
export function assertCanWrite(identity: Identity, scope: Scope): void {
  if (!writersByScope[scope].includes(identity.role)) {
    throw new StrataError('forbidden', `role ${identity.role} cannot write ${scope}-scoped memory`, {
      details: { role: identity.role, scope },
    });
  }
  if (isTenantScope(scope) && identity.tenantId === undefined) {
    throw new StrataError('invalid_input', `tenantId: a ${scope}-scoped write must name a customer`, {
      details: { field: 'tenantId', scope },
    });
  }
  if (scope === 'user' && identity.userId === undefined) {
    throw new StrataError('invalid_input', 'userId: a user-scoped write must name a user', {
      details: { field: 'userId', scope },
    });
  }
}

/** The scope a write lands in when the caller names none: the narrowest it has. */
export function defaultWriteScope(identity: Identity): Scope {
  if (identity.userId !== undefined) return 'user';
  if (identity.tenantId !== undefined) return 'customer';
  throw new StrataError('invalid_input', 'tenantId: a write must name a customer (or an explicit shared scope)', {
    details: { field: 'tenantId' },
  });
}
