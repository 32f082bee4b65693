import { type Queryable, quoteLiteral, type SessionSettings } from './database.ts';

// The one place that sets the strata.* settings row-level security reads (a test fails if
// anything else in src/ calls set_config on them; the migrations' audit functions are SQL).

/** The SQL that starts a session transaction; values are quoted literals so it is one round trip. */
export function sessionSetupSql(appRole: string, settings: SessionSettings, statementTimeoutMs: number): string {
  const values: Array<[string, string]> = [
    ['role', appRole],
    ['strata.role', settings.role],
    ['strata.client_id', settings.clientId ?? ''],
    ['strata.tenant_id', settings.tenantId ?? ''],
    ['strata.user_id', settings.userId ?? ''],
    ['strata.all_users', settings.allUsers === true ? 'on' : 'off'],
    ['strata.key_hash', settings.keyHash ?? ''],
    ['statement_timeout', String(statementTimeoutMs)],
    // JIT compilation costs tens of milliseconds on queries the planner deems expensive (an exact
    // scan of a 10,000-row tenant); these short queries never earn that back.
    ['jit', 'off'],
  ];
  const calls = values.map(([name, value]) => `set_config(${quoteLiteral(name)}, ${quoteLiteral(value)}, true)`);
  return `SELECT ${calls.join(', ')}`;
}

/**
 * Moves the open session transaction into `tenantId` (the row-level security context), for an
 * administrator's work that continues inside one tenant: a tenant's first rows written in the
 * transaction that created it, a key changed inside the tenant it belongs to.
 */
export async function enterTenant(db: Queryable, tenantId: string): Promise<void> {
  await db.query(`SELECT set_config('strata.tenant_id', $1, true)`, [tenantId]);
}
