/**
 * LLM tokens metered as input and output, and counted in the month's token total.
 *
 * - `usage_daily.llm_tokens` (always written as 0 before this migration) becomes
 *   `llm_input_tokens` and `llm_output_tokens`: prompt and completion tokens are priced at
 *   different rates. Whatever a row held moves to input (an import could have set it), so no
 *   token is lost; the old column is dropped, so nothing can write one figure and read another.
 * - `tenant_meter` keeps the month's LLM share beside `month_tokens` (which `tokensPerMonth`
 *   reads, and which now counts LLM tokens too): the input and output tokens, and their
 *   estimated cost at the prices in force when each call was recorded. With them the monthly
 *   budget is priced without reading the day rows: embedding tokens are `month_tokens` minus
 *   the LLM share, at the embedding model's rate, plus `month_llm_cost`.
 * - `strata_record_call` rolls the new counters over with the month and returns them;
 *   `strata_record_model_usage` adds one LLM call's tokens and cost. Both run as the owner:
 *   the application role still cannot move a counter any other way.
 *
 * No key changes (the day rows stay keyed by tenant, day, operation and model).
 */
export const llmTokensMigration = `
ALTER TABLE usage_daily ADD COLUMN llm_input_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN llm_output_tokens bigint NOT NULL DEFAULT 0;
-- FORCE applies row-level security to the owner too (unless it is a superuser): lift it for the copy.
ALTER TABLE usage_daily NO FORCE ROW LEVEL SECURITY;
UPDATE usage_daily SET llm_input_tokens = llm_tokens WHERE llm_tokens <> 0;
ALTER TABLE usage_daily FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_daily DROP COLUMN llm_tokens;

ALTER TABLE tenant_meter ADD COLUMN month_llm_input_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE tenant_meter ADD COLUMN month_llm_output_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE tenant_meter ADD COLUMN month_llm_cost double precision NOT NULL DEFAULT 0;

-- As in 003, plus the LLM counters: reset with the month, returned with the others.
DROP FUNCTION strata_record_call(text, text, timestamptz, text, text, text, text, text, text[], text, text, text, date, bigint, bigint);
CREATE FUNCTION strata_record_call(
  p_tenant text, p_payload text, p_at timestamptz, p_role text, p_client text, p_user text, p_key text,
  p_action text, p_targets text[], p_outcome text, p_error text, p_request text,
  p_day date, p_calls bigint, p_tokens bigint
) RETURNS TABLE (day_calls bigint, month_calls bigint, month_tokens bigint,
    month_llm_input_tokens bigint, month_llm_output_tokens bigint, month_llm_cost double precision)
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
        month_tokens = (CASE WHEN m.month = v_month THEN m.month_tokens ELSE 0 END) + p_tokens,
        month_llm_input_tokens = CASE WHEN m.month = v_month THEN m.month_llm_input_tokens ELSE 0 END,
        month_llm_output_tokens = CASE WHEN m.month = v_month THEN m.month_llm_output_tokens ELSE 0 END,
        month_llm_cost = CASE WHEN m.month = v_month THEN m.month_llm_cost ELSE 0 END
      WHERE m.tenant_id = p_tenant
      RETURNING m.audit_seq, m.audit_prev_hash, m.audit_hash, m.day_calls, m.month_calls, m.month_tokens,
        m.month_llm_input_tokens, m.month_llm_output_tokens, m.month_llm_cost
      INTO v_seq, v_prev, v_hash, day_calls, month_calls, month_tokens,
        month_llm_input_tokens, month_llm_output_tokens, month_llm_cost;
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

-- Adds one LLM call's tokens (and their estimated cost) to the session's own tenant's month,
-- rolling the month over first. Returns the month's counters after it; nothing when the tenant
-- has no meter row (it is gone). Calls and the day's count are API calls: not touched here.
CREATE FUNCTION strata_record_model_usage(p_tenant text, p_day date, p_input bigint, p_output bigint, p_cost double precision)
  RETURNS TABLE (month_calls bigint, month_tokens bigint,
    month_llm_input_tokens bigint, month_llm_output_tokens bigint, month_llm_cost double precision)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_month date := date_trunc('month', p_day)::date;
BEGIN
  IF p_tenant IS DISTINCT FROM current_setting('strata.tenant_id', true) THEN
    RAISE EXCEPTION 'a session meters its own tenant''s model usage only' USING ERRCODE = '42501';
  END IF;
  IF p_input < 0 OR p_output < 0 OR p_cost < 0 OR p_cost = 'NaN'::double precision THEN
    RAISE EXCEPTION 'model usage is never negative' USING ERRCODE = '22023';
  END IF;
  UPDATE public.tenant_meter m SET month = v_month,
      month_calls = CASE WHEN m.month = v_month THEN m.month_calls ELSE 0 END,
      month_tokens = (CASE WHEN m.month = v_month THEN m.month_tokens ELSE 0 END) + p_input + p_output,
      month_llm_input_tokens = (CASE WHEN m.month = v_month THEN m.month_llm_input_tokens ELSE 0 END) + p_input,
      month_llm_output_tokens = (CASE WHEN m.month = v_month THEN m.month_llm_output_tokens ELSE 0 END) + p_output,
      month_llm_cost = (CASE WHEN m.month = v_month THEN m.month_llm_cost ELSE 0 END) + p_cost
    WHERE m.tenant_id = p_tenant
    RETURNING m.month_calls, m.month_tokens, m.month_llm_input_tokens, m.month_llm_output_tokens, m.month_llm_cost
    INTO month_calls, month_tokens, month_llm_input_tokens, month_llm_output_tokens, month_llm_cost;
  IF FOUND THEN
    RETURN NEXT;
  END IF;
END $$;
REVOKE ALL ON FUNCTION strata_record_model_usage(text, date, bigint, bigint, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION strata_record_model_usage(text, date, bigint, bigint, double precision) TO :app_role;
`;
