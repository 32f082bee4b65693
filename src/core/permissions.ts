import { StrataError } from './errors.ts';
import type { Role } from './scope.ts';

/** A right an operation requires of its caller's role. Scope rules (who writes which scope) are in scope.ts. */
export interface PermissionRule {
  /** The roles that hold it. */
  roles: readonly Role[];
  /** The refusal a caller of any other role gets. */
  refusal: (role: Role) => string;
}

const administrators: readonly Role[] = ['platform', 'client_admin', 'admin'];

/**
 * Role × operation, in one table: each operation names the permission it needs (its
 * declaration's `permission`), and the governed pipeline checks it before the call runs.
 * Finer rules that depend on the data (which tenant, which user, which scope) stay with the
 * feature, narrowing what these roles may do — never widening it.
 */
export const permissions = {
  'tenants.manage': { roles: ['platform', 'client_admin'], refusal: (role) => `role ${role} cannot manage tenants` },
  'tenants.configure': { roles: administrators, refusal: (role) => `role ${role} cannot configure a tenant's provider key` },
  'tenants.export': { roles: administrators, refusal: (role) => `role ${role} cannot export a tenant` },
  'tenants.import': { roles: ['platform', 'client_admin'], refusal: (role) => `role ${role} cannot import a tenant` },
  'users.manage': { roles: administrators, refusal: (role) => `role ${role} cannot manage users` },
  'keys.manage': { roles: administrators, refusal: (role) => `role ${role} cannot manage API keys` },
  'knowledge-bases.manage': {
    roles: administrators,
    refusal: (role) => `role ${role} cannot create, change or delete knowledge bases; an admin can (members add documents)`,
  },
  'collections.manage': {
    roles: administrators,
    refusal: (role) => `role ${role} cannot create, change or delete collections; an admin can (members write documents)`,
  },
  'agents.manage': { roles: administrators, refusal: (role) => `role ${role} cannot manage agents; a tenant admin can` },
  'webhooks.manage': { roles: administrators, refusal: (role) => `role ${role} cannot manage webhooks` },
  'usage.read': { roles: administrators, refusal: (role) => `role ${role} cannot read usage; a tenant admin can` },
  'audit.read': { roles: administrators, refusal: (role) => `role ${role} cannot read audit log; a tenant admin can` },
  'memories.erase': { roles: ['platform', 'client_admin', 'admin', 'member'], refusal: (role) => `role ${role} cannot erase memories` },
  'maintenance.run': { roles: ['platform'], refusal: () => 'maintenance is for the platform operator' },
} as const satisfies Record<string, PermissionRule>;

/** A permission's name. */
export type Permission = keyof typeof permissions;

/** Whether `role` holds `permission`. */
export function holds(role: Role, permission: Permission): boolean {
  return (permissions[permission].roles as readonly Role[]).includes(role);
}

/** Throws `forbidden` (naming the role) unless `role` holds `permission`. */
export function assertPermitted(role: Role, permission: Permission): void {
  if (!holds(role, permission)) throw new StrataError('forbidden', permissions[permission].refusal(role), { details: { role } });
}
