/**
 * Delivery logs keep a fixed reason, never a receiver's words. Before this migration an
 * attempt's `last_error` held up to 200 characters of the receiver's answer and the network
 * error's text, which let a tenant read and fingerprint services its webhook URL pointed at.
 * Existing rows are rewritten to the reason their status implies, and a check keeps it so
 * (the list is `deliveryFailureReasons`, spelled out: a migration never changes once applied).
 */
export const webhookEgressMigration = `
UPDATE webhook_deliveries SET last_error = CASE
    WHEN last_error IS NULL THEN NULL
    WHEN last_status BETWEEN 300 AND 399 THEN 'redirect not followed'
    WHEN last_status BETWEEN 400 AND 499 THEN 'answered 4xx'
    WHEN last_status BETWEEN 500 AND 599 THEN 'answered 5xx'
    WHEN last_status IS NOT NULL THEN 'unexpected answer'
    WHEN last_error LIKE 'timed out%' THEN 'timed out'
    ELSE 'could not connect'
  END;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_last_error_fixed
  CHECK (last_error IS NULL OR last_error IN ('address not allowed', 'could not connect', 'timed out',
    'redirect not followed', 'answered 4xx', 'answered 5xx', 'unexpected answer'));
`;
