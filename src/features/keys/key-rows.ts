import type { ApiKey, ApiKeyKind } from '../../core/api-key.ts';
import type { Role } from '../../core/scope.ts';

import { isoTime } from '../../db/memory-tables.ts';

/** An API key row from either key table, in one shape. */
export interface ApiKeyRow {
  key_id: string;
  kind: ApiKeyKind;
  client_id: string | null;
  tenant_id: string | null;
  user_id: string | null;
  role: Role;
  name: string | null;
  key_prefix: string;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  key_hash?: string;
}

/** The select list giving {@link ApiKeyRow} from `admin_api_keys` or `tenant_api_keys`. */
export function apiKeyColumns(table: 'admin' | 'tenant'): string {
  const common = 'key_id, client_id, name, key_prefix, created_at, expires_at, revoked_at';
  return table === 'admin'
    ? `${common}, kind, NULL::text AS tenant_id, NULL::text AS user_id,
       CASE kind WHEN 'platform' THEN 'platform' ELSE 'client_admin' END AS role`
    : `${common}, CASE WHEN user_id IS NULL THEN 'tenant' ELSE 'user' END AS kind, tenant_id, user_id, role`;
}

/** The caller-facing form of a key row (never the hash). */
export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.key_id,
    kind: row.kind,
    prefix: row.key_prefix,
    name: row.name,
    clientId: row.client_id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    role: row.role,
    createdAt: isoTime(row.created_at),
    expiresAt: row.expires_at === null ? null : isoTime(row.expires_at),
    revokedAt: row.revoked_at === null ? null : isoTime(row.revoked_at),
  };
}
