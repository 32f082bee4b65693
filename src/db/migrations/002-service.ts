/**
 * What the HTTP service needs: API keys and idempotency records.
 *
 * API keys are stored only as SHA-256 hashes. Operator and client-admin keys live in
 * `admin_api_keys`; customer and user keys are tenant-owned rows in `tenant_api_keys`, so a
 * tenant purge removes them with everything else and a user's erasure removes that user's keys.
 *
 * An authentication lookup runs before anyone knows the tenant: it sets `strata.key_hash` and
 * the policies reveal the one row with that hash, nothing else.
 */
export const serviceMigration = `
CREATE TABLE admin_api_keys (
  key_id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('platform', 'client')),
  client_id text REFERENCES clients (client_id),
  name text,
  key_prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  CHECK ((kind = 'client') = (client_id IS NOT NULL))
);

CREATE TABLE tenant_api_keys (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  key_id uuid NOT NULL,
  client_id text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'member', 'reader')),
  user_id text,
  name text,
  key_prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, key_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX tenant_api_keys_by_id ON tenant_api_keys (key_id);

ALTER TABLE admin_api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE admin_api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY key_access ON admin_api_keys
  USING (
    current_setting('strata.role', true) = 'platform'
    OR (current_setting('strata.role', true) = 'client_admin' AND client_id = current_setting('strata.client_id', true))
    OR key_hash = current_setting('strata.key_hash', true)
  )
  WITH CHECK (
    current_setting('strata.role', true) = 'platform'
    OR (current_setting('strata.role', true) = 'client_admin' AND client_id = current_setting('strata.client_id', true))
  );

ALTER TABLE tenant_api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_api_keys
  USING (
    tenant_id = current_setting('strata.tenant_id', true)
    OR current_setting('strata.role', true) = 'platform'
    OR (current_setting('strata.role', true) = 'client_admin' AND client_id = current_setting('strata.client_id', true))
    OR key_hash = current_setting('strata.key_hash', true)
  )
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

-- A create retried with the same idempotency key returns the first outcome. Only memory ids are
-- kept (no content), so erasing a user needs nothing from this table.
CREATE TABLE idempotency_records (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  outcome jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, idempotency_key)
);
ALTER TABLE idempotency_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_records
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_records TO :app_role;
GRANT SELECT, INSERT, UPDATE ON admin_api_keys TO :app_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_api_keys TO :app_role;
`;
