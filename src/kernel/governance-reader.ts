import { StrataError } from '../core/errors.ts';
import type { Identity } from '../core/scope.ts';

/**
 * The session identity for reading a tenant's governance records (usage, audit): a tenant
 * caller must be its tenant's admin and may name only its own tenant; the operator and client
 * admins act inside the tenant they name (a client admin only its own client's: others are
 * `not_found`). Without a tenant, administrators get an identity outside any tenant.
 */
export function governanceReader(
  identity: Identity & { clientKnown: boolean },
  tenantId: string | undefined,
  what: string,
): Identity & { clientKnown: boolean } {
  const { userId: _user, ...rest } = identity;
  if (identity.role === 'platform' || identity.role === 'client_admin') {
    const administrator = { ...rest, clientKnown: identity.role === 'client_admin' || identity.clientKnown };
    if (tenantId === undefined) {
      const { tenantId: _tenant, ...outside } = administrator;
      return outside;
    }
    return { ...administrator, tenantId };
  }
  // Other roles than a tenant's admin were refused by the permission table (usage.read, audit.read).
  if (tenantId !== undefined && tenantId !== identity.tenantId) {
    throw new StrataError('forbidden', `tenantId: a tenant reads its own ${what} only`, { details: { field: 'tenantId' } });
  }
  return rest;
}
