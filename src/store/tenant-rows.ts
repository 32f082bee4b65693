import type { Tenant } from '../core/types.ts';
import { isoTime } from './memory-tables.ts';

/** Columns selected for a tenant. */
export const tenantColumns = 'tenant_id, client_id, name, plan, status, settings, created_at, updated_at';

/** A tenant row as selected by {@link tenantColumns}. */
export interface TenantRow {
  tenant_id: string;
  client_id: string;
  name: string | null;
  plan: string;
  status: Tenant['status'];
  settings: Tenant['settings'];
  created_at: Date | string;
  updated_at: Date | string;
}

/** Maps a tenant row to the public shape. */
export function toTenant(row: TenantRow): Tenant {
  return {
    id: row.tenant_id,
    clientId: row.client_id,
    name: row.name,
    plan: row.plan,
    status: row.status,
    settings: row.settings,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}
