/**
 * Webhook fan-out across the row-level security boundary.
 *
 * An event raised inside a tenant's session must reach the platform-wide webhooks too, but the
 * `webhooks` policy hides platform rows (NULL tenant) from tenant sessions, as it should: a
 * tenant must never read the operator's URLs or secrets. `strata_enqueue_webhook_event` runs as
 * the owner and inserts one pending delivery per active matching subscription — the tenant's
 * own and the platform's — and returns how many it queued; it never returns webhook rows.
 *
 * It checks the caller first: an event about tenant T may be raised by T's own session, by the
 * operator or the system, or by a client admin of T's client; an event about no tenant only by
 * the operator, a client admin or the system. It then reads as role `system` (so it works
 * whether or not the owner bypasses row-level security) and puts the caller's role back.
 */
export const webhooksMigration = `
CREATE FUNCTION strata_enqueue_webhook_event(p_target text, p_event text, p_event_id uuid, p_payload jsonb, p_at timestamptz)
  RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  caller_role text := coalesce(current_setting('strata.role', true), '');
  caller_tenant text := coalesce(current_setting('strata.tenant_id', true), '');
  caller_client text := coalesce(current_setting('strata.client_id', true), '');
  queued integer;
BEGIN
  IF NOT (
    caller_role IN ('platform', 'system')
    OR (p_target IS NOT NULL AND p_target = caller_tenant)
    OR (caller_role = 'client_admin' AND (p_target IS NULL OR EXISTS (
          SELECT 1 FROM public.tenants t WHERE t.tenant_id = p_target AND t.client_id = caller_client)))
  ) THEN
    RAISE EXCEPTION 'this session may not raise webhook events for tenant %', coalesce(p_target, '(platform)')
      USING ERRCODE = '42501';
  END IF;
  PERFORM set_config('strata.role', 'system', true);
  INSERT INTO public.webhook_deliveries
      (delivery_id, webhook_id, tenant_id, event, event_id, payload, status, attempts, next_attempt_at, created_at)
    SELECT gen_random_uuid(), w.webhook_id, w.tenant_id, p_event, p_event_id, p_payload, 'pending', 0, p_at, p_at
      FROM public.webhooks w
     WHERE w.active
       AND (w.tenant_id IS NULL OR (p_target IS NOT NULL AND w.tenant_id = p_target))
       AND (p_event = ANY (w.events) OR '*' = ANY (w.events));
  GET DIAGNOSTICS queued = ROW_COUNT;
  PERFORM set_config('strata.role', caller_role, true);
  RETURN queued;
END $$;
REVOKE ALL ON FUNCTION strata_enqueue_webhook_event(text, text, uuid, jsonb, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION strata_enqueue_webhook_event(text, text, uuid, jsonb, timestamptz) TO :app_role;
`;
