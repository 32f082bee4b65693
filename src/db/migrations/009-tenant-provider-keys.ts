/**
 * A tenant's own LLM provider key, sealed under the deployment's master key (AES-256-GCM,
 * `src/kernel/secret-box.ts`): `sealed` is base64 of format, IV, tag and ciphertext, bound to
 * (tenant, `tenant_provider_keys.sealed`, tenant, `key_version`), so a value copied into another
 * tenant's row does not open. `key_hint` is the key's last four characters (NULL for keys under
 * 16 characters), for people to tell keys apart; the key itself is never stored in clear.
 * One row per tenant, `tenant_id` its whole key (Citus: distributed by it, co-located).
 */
export const tenantProviderKeysMigration = `
CREATE TABLE tenant_provider_keys (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  sealed text NOT NULL,
  key_version integer NOT NULL CHECK (key_version > 0),
  key_hint text CHECK (char_length(key_hint) = 4),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

ALTER TABLE tenant_provider_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_provider_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_provider_keys
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_provider_keys TO :app_role;
`;
