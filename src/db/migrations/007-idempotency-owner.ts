/**
 * Idempotency records belong to the caller that made them: the user for a user's write, the
 * tenant (`user_id = ''`) for a tenant-level one. Before this migration a record was keyed by
 * tenant alone with the user folded into the request hash, so user B reusing user A's key got
 * `conflict` for any body (telling B that A had used it), and a record outlived its user's
 * erasure. The key now includes the user, row-level security shows a user only its own records
 * (and the tenant's), erasure deletes them, and `created_at` is indexed for the expiry purge.
 * Records made before this migration are dropped: they cannot be assigned an owner, and they
 * expire within a day anyway (a retry of such a write across the upgrade runs again).
 */
export const idempotencyOwnerMigration = `
DELETE FROM idempotency_records;
ALTER TABLE idempotency_records ADD COLUMN user_id text NOT NULL DEFAULT '';
ALTER TABLE idempotency_records DROP CONSTRAINT idempotency_records_pkey;
ALTER TABLE idempotency_records ADD PRIMARY KEY (tenant_id, user_id, idempotency_key);
CREATE INDEX idempotency_records_expiry ON idempotency_records (tenant_id, created_at);
DROP POLICY tenant_isolation ON idempotency_records;
CREATE POLICY tenant_isolation ON idempotency_records
  USING (
    tenant_id = current_setting('strata.tenant_id', true)
    AND (user_id = '' OR user_id = current_setting('strata.user_id', true)
         OR current_setting('strata.all_users', true) = 'on')
  )
  WITH CHECK (
    tenant_id = current_setting('strata.tenant_id', true)
    AND (user_id = '' OR user_id = current_setting('strata.user_id', true)
         OR current_setting('strata.all_users', true) = 'on')
  );
`;
