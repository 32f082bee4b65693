/**
 * Governance: tenant lifecycle and limits, metering, the audit log and webhooks.
 *
 * - `tenants.limits` holds a tenant's own limits; its plan's preset fills in the rest.
 * - `tenant_meter` is one row per tenant: the head of its audit hash chain and the counters
 *   the per-period quotas read (API calls today, tokens and calls this month). Every tenant
 *   operation advances it in its own transaction, so the counters are exact under concurrency.
 * - `usage_daily` breaks usage down per tenant, day, operation and model; `storage_daily`
 *   keeps each day's last storage figure.
 * - `audit_log` is append-only: the application role may INSERT and SELECT only. Rows of the
 *   platform chain have a NULL tenant. Only `strata_purge_audit_log`, for a tenant being
 *   offboarded, removes a tenant's chain.
 * - `webhooks` and `webhook_deliveries` are subscriptions and the outbox with its delivery log.
 */
export const governanceMigration = `
ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended', 'offboarding', 'deleted'));
ALTER TABLE tenants ADD COLUMN limits jsonb NOT NULL DEFAULT '{}';

ALTER TABLE tenant_usage ADD COLUMN user_count bigint NOT NULL DEFAULT 0;
UPDATE tenant_usage u SET user_count = (SELECT count(*) FROM users x WHERE x.tenant_id = u.tenant_id);

CREATE TABLE tenant_meter (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  audit_seq bigint NOT NULL DEFAULT 0,
  audit_prev_hash text NOT NULL DEFAULT '',
  audit_hash text NOT NULL DEFAULT '',
  day date,
  day_calls bigint NOT NULL DEFAULT 0,
  month date,
  month_calls bigint NOT NULL DEFAULT 0,
  month_tokens bigint NOT NULL DEFAULT 0
);
INSERT INTO tenant_meter (tenant_id) SELECT tenant_id FROM tenants;

CREATE TABLE platform_meter (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  audit_seq bigint NOT NULL DEFAULT 0,
  audit_prev_hash text NOT NULL DEFAULT '',
  audit_hash text NOT NULL DEFAULT ''
);
INSERT INTO platform_meter DEFAULT VALUES;

CREATE TABLE usage_daily (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  day date NOT NULL,
  operation text NOT NULL,
  model text NOT NULL DEFAULT '',
  calls bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  embedding_tokens bigint NOT NULL DEFAULT 0,
  llm_tokens bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day, operation, model)
);

CREATE TABLE storage_daily (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  day date NOT NULL,
  memories bigint NOT NULL,
  bytes bigint NOT NULL,
  PRIMARY KEY (tenant_id, day)
);

CREATE TABLE audit_log (
  tenant_id text,
  seq bigint NOT NULL,
  at timestamptz NOT NULL,
  actor_role text NOT NULL,
  actor_client text,
  actor_user text,
  key_id text,
  action text NOT NULL,
  target_ids text[] NOT NULL DEFAULT '{}',
  outcome text NOT NULL CHECK (outcome IN ('ok', 'error')),
  error_code text,
  request_id text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE UNIQUE INDEX audit_log_chain ON audit_log (tenant_id, seq) NULLS NOT DISTINCT;
CREATE INDEX audit_log_by_time ON audit_log (tenant_id, at);

CREATE TABLE webhooks (
  webhook_id uuid PRIMARY KEY,
  tenant_id text REFERENCES tenants (tenant_id),
  url text NOT NULL,
  events text[] NOT NULL,
  secret text NOT NULL,
  description text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL
);
CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id);

CREATE TABLE webhook_deliveries (
  delivery_id uuid PRIMARY KEY,
  webhook_id uuid NOT NULL REFERENCES webhooks (webhook_id) ON DELETE CASCADE,
  tenant_id text REFERENCES tenants (tenant_id),
  event text NOT NULL,
  event_id uuid NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at);

-- One notice per event, limit and period (limit.approaching, budget.exceeded, ...).
CREATE TABLE tenant_notices (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  notice text NOT NULL,
  period text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, notice, period)
);

ALTER TABLE tenant_meter ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_meter FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_meter
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

ALTER TABLE platform_meter ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_meter FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_only ON platform_meter
  USING (current_setting('strata.role', true) IN ('platform', 'client_admin', 'system'))
  WITH CHECK (current_setting('strata.role', true) IN ('platform', 'client_admin', 'system'));

ALTER TABLE usage_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_daily
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

ALTER TABLE storage_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON storage_daily
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

ALTER TABLE tenant_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_notices
  USING (tenant_id = current_setting('strata.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('strata.tenant_id', true));

-- A tenant's chain to its tenant; the platform chain (NULL tenant) to the operator and to
-- client admins (their entries name their client).
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_read ON audit_log FOR SELECT
  USING (
    tenant_id = current_setting('strata.tenant_id', true)
    OR (tenant_id IS NULL AND current_setting('strata.role', true) IN ('platform', 'system'))
  );
CREATE POLICY audit_append ON audit_log FOR INSERT
  WITH CHECK (
    tenant_id = current_setting('strata.tenant_id', true)
    OR (tenant_id IS NULL AND current_setting('strata.role', true) IN ('platform', 'client_admin', 'system'))
  );

-- Appends one entry to a chain and meters the call: the only way the application role writes
-- the audit log or moves a chain head. hash(n) = sha256(hash(n-1), newline, n, newline, payload);
-- the payload is the entry's fields as the application serialises them, so an entry whose
-- columns do not match its payload fails verification. A tenant entry must be for the session's
-- own tenant; the platform chain takes operator and client-admin sessions. Returns the tenant's
-- counters after the call (nothing when the tenant has no meter row: it is gone).
CREATE FUNCTION strata_record_call(
  p_tenant text, p_payload text, p_at timestamptz, p_role text, p_client text, p_user text, p_key text,
  p_action text, p_targets text[], p_outcome text, p_error text, p_request text,
  p_day date, p_calls bigint, p_tokens bigint
) RETURNS TABLE (day_calls bigint, month_calls bigint, month_tokens bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_hash text;
  v_month date := date_trunc('month', p_day)::date;
BEGIN
  IF p_tenant IS NULL THEN
    IF coalesce(current_setting('strata.role', true), '') NOT IN ('platform', 'client_admin', 'system') THEN
      RAISE EXCEPTION 'only operator and client-admin sessions extend the platform audit chain' USING ERRCODE = '42501';
    END IF;
    UPDATE public.platform_meter m SET audit_seq = m.audit_seq + 1, audit_prev_hash = m.audit_hash,
        audit_hash = encode(sha256(convert_to(m.audit_hash || E'\\n' || (m.audit_seq + 1)::text || E'\\n' || p_payload, 'UTF8')), 'hex')
      RETURNING m.audit_seq, m.audit_prev_hash, m.audit_hash INTO v_seq, v_prev, v_hash;
  ELSE
    IF p_tenant IS DISTINCT FROM current_setting('strata.tenant_id', true) THEN
      RAISE EXCEPTION 'a session appends to its own tenant''s audit chain only' USING ERRCODE = '42501';
    END IF;
    UPDATE public.tenant_meter m SET audit_seq = m.audit_seq + 1, audit_prev_hash = m.audit_hash,
        audit_hash = encode(sha256(convert_to(m.audit_hash || E'\\n' || (m.audit_seq + 1)::text || E'\\n' || p_payload, 'UTF8')), 'hex'),
        day = p_day, day_calls = (CASE WHEN m.day = p_day THEN m.day_calls ELSE 0 END) + p_calls,
        month = v_month, month_calls = (CASE WHEN m.month = v_month THEN m.month_calls ELSE 0 END) + p_calls,
        month_tokens = (CASE WHEN m.month = v_month THEN m.month_tokens ELSE 0 END) + p_tokens
      WHERE m.tenant_id = p_tenant
      RETURNING m.audit_seq, m.audit_prev_hash, m.audit_hash, m.day_calls, m.month_calls, m.month_tokens
      INTO v_seq, v_prev, v_hash, day_calls, month_calls, month_tokens;
    IF NOT FOUND THEN
      RETURN;
    END IF;
  END IF;
  INSERT INTO public.audit_log (tenant_id, seq, at, actor_role, actor_client, actor_user, key_id, action, target_ids,
      outcome, error_code, request_id, prev_hash, hash)
    VALUES (p_tenant, v_seq, p_at, p_role, p_client, p_user, p_key, p_action, p_targets, p_outcome, p_error, p_request, v_prev, v_hash);
  RETURN NEXT;
END $$;
REVOKE ALL ON FUNCTION strata_record_call(text, text, timestamptz, text, text, text, text, text, text[], text, text, text, date, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION strata_record_call(text, text, timestamptz, text, text, text, text, text, text[], text, text, text, date, bigint, bigint) TO :app_role;

ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhooks FORCE ROW LEVEL SECURITY;
CREATE POLICY webhook_access ON webhooks
  USING (
    tenant_id = current_setting('strata.tenant_id', true)
    OR (tenant_id IS NULL AND current_setting('strata.role', true) IN ('platform', 'system'))
    OR current_setting('strata.role', true) = 'system'
  )
  WITH CHECK (
    tenant_id = current_setting('strata.tenant_id', true)
    OR (tenant_id IS NULL AND current_setting('strata.role', true) = 'platform')
  );

ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY delivery_access ON webhook_deliveries
  USING (
    tenant_id = current_setting('strata.tenant_id', true)
    OR (tenant_id IS NULL AND current_setting('strata.role', true) = 'platform')
    OR current_setting('strata.role', true) = 'system'
  )
  WITH CHECK (
    tenant_id = current_setting('strata.tenant_id', true)
    OR tenant_id IS NULL
    OR current_setting('strata.role', true) = 'system'
  );

-- Offboarding removes a tenant's audit chain; nothing else can. Runs as the owner, and only
-- for a tenant whose row says it is being offboarded.
CREATE FUNCTION strata_purge_audit_log(target text) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  removed bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.tenants WHERE tenant_id = target AND status = 'offboarding') THEN
    RAISE EXCEPTION 'tenant % is not being offboarded', target USING ERRCODE = '42501';
  END IF;
  DELETE FROM public.audit_log WHERE tenant_id = target;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;
REVOKE ALL ON FUNCTION strata_purge_audit_log(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION strata_purge_audit_log(text) TO :app_role;

-- The log and the chain heads: read, and a meter row per new tenant (its head starts empty).
GRANT SELECT ON audit_log, platform_meter TO :app_role;
GRANT SELECT, INSERT (tenant_id), DELETE ON tenant_meter TO :app_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_daily, storage_daily, tenant_notices,
  webhooks, webhook_deliveries TO :app_role;
`;
