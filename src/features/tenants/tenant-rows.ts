import { effectiveFeatures, effectiveLimits, type LimitOverrides, type Plan } from '../../core/plans.ts';
import type { Tenant } from '../../core/types.ts';
import { isoTime } from '../../db/memory-tables.ts';

/** Columns selected for a tenant. */
export const tenantColumns = 'tenant_id, client_id, name, plan, status, limits, settings, created_at, updated_at';

/** A tenant row as selected by {@link tenantColumns}. */
export interface TenantRow {
  tenant_id: string;
  client_id: string;
  name: string | null;
  plan: string;
  status: Tenant['status'];
  limits: LimitOverrides;
  settings: Tenant['settings'];
  created_at: Date | string;
  updated_at: Date | string;
}

/** Maps a tenant row to the public shape, with its plan's limits and features resolved from `plans`. */
export function toTenant(row: TenantRow, plans: Readonly<Record<string, Plan>>): Tenant {
  return {
    id: row.tenant_id,
    clientId: row.client_id,
    name: row.name,
    plan: row.plan,
    status: row.status,
    limits: effectiveLimits(row.plan, row.limits, plans),
    limitOverrides: row.limits as Tenant['limitOverrides'],
    features: effectiveFeatures(row.plan, row.settings, plans),
    settings: row.settings,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}
