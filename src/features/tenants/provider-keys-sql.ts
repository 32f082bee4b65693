import type { Queryable } from '../../db/database.ts';
import { isoTime } from '../../db/memory-tables.ts';

/** A tenant's provider key row, as the status reads it. */
interface StatusRow {
  key_hint: string | null;
  updated_at: Date | string;
}

/** Sets (or replaces) the sealed key of `tenantId`; returns its hint and time. */
export async function upsertProviderKey(
  db: Queryable,
  row: { tenantId: string; sealed: string; keyVersion: number; keyHint: string | null; at: string },
): Promise<{ keyHint: string | null; updatedAt: string }> {
  const result = await db.query<StatusRow>(
    `INSERT INTO tenant_provider_keys (tenant_id, sealed, key_version, key_hint, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::timestamptz, $5::timestamptz)
     ON CONFLICT (tenant_id) DO UPDATE SET
       sealed = EXCLUDED.sealed, key_version = EXCLUDED.key_version, key_hint = EXCLUDED.key_hint, updated_at = EXCLUDED.updated_at
     RETURNING key_hint, updated_at`,
    [row.tenantId, row.sealed, row.keyVersion, row.keyHint, row.at],
  );
  const stored = result.rows[0] as StatusRow;
  return { keyHint: stored.key_hint, updatedAt: isoTime(stored.updated_at) };
}

/** Deletes the key of `tenantId`; true when there was one. */
export async function deleteProviderKeyRow(db: Queryable, tenantId: string): Promise<boolean> {
  const result = await db.query('DELETE FROM tenant_provider_keys WHERE tenant_id = $1', [tenantId]);
  return result.affectedRows > 0;
}

/**
 * The sealed key of `tenantId`, if it has one, and the tenant the session is in: a session of
 * another tenant (or of none) cannot see the row, and must not be mistaken for "no key".
 */
export async function readProviderKey(
  db: Queryable,
  tenantId: string,
): Promise<{ sessionTenant: string; stored: { sealed: string; keyVersion: number } | undefined }> {
  const result = await db.query<{ session_tenant: string | null; sealed: string | null; key_version: number | null }>(
    `SELECT current_setting('strata.tenant_id', true) AS session_tenant, k.sealed, k.key_version
       FROM (SELECT 1) AS one LEFT JOIN tenant_provider_keys k ON k.tenant_id = $1`,
    [tenantId],
  );
  const row = result.rows[0];
  const stored =
    row === undefined || row.sealed === null || row.key_version === null
      ? undefined
      : { sealed: row.sealed, keyVersion: Number(row.key_version) };
  return { sessionTenant: row?.session_tenant ?? '', stored };
}
