-- The webhook sender's two statements of every batch, the claim and the record, as functions.
-- A PL/pgSQL function keeps the plans of its statements for the session, so a warm sender
-- does not plan them again on each batch (planning was about a third of the claim's time on the
-- server). The driver sends no named prepared statements, which would pin connections behind
-- RDS Proxy; a function's cached plans are the server's own business.
--
-- Both run as the caller (hearth_app), so row-level security limits them to the transaction's
-- org exactly as the statements did; search_path is fixed.

-- Leases the pending attempts that are these messages' to make, (delivery, prior attempts,
-- lane) each, and answers the claimed rows with what sending them needs (endpoint, event),
-- as a JSON array (bytea as base64). See hearth.webhooks.store.deliveries.claim.
CREATE FUNCTION hearth_webhook_claim(
  p_ids uuid[], p_priors int[], p_lanes text[], p_now timestamptz, p_due_by timestamptz, p_lease timestamptz
) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  claimed_rows jsonb;
BEGIN
  WITH claimed AS (
    UPDATE webhook_deliveries d
    SET lease_until = p_lease, enqueued_at = NULL
    FROM unnest(p_ids, p_priors, p_lanes) AS m(id, prior, lane),
         webhook_endpoints e, domain_events ev
    WHERE d.id = m.id AND d.status = 'pending' AND d.attempts = m.prior
      AND (d.lease_until IS NULL OR d.lease_until < p_now)
      AND d.next_attempt_at <= p_due_by
      AND e.org_id = d.org_id AND e.id = d.endpoint_id AND e.enabled AND e.deleted_at IS NULL
      AND NOT (m.lane = 'main' AND d.pending_trigger = 'automatic' AND e.degraded_at IS NOT NULL)
      AND ev.org_id = d.org_id AND ev.id = d.event_id
    RETURNING d.id, d.org_id, d.endpoint_id, d.event_id, d.attempts, d.pending_trigger, d.lease_until,
      e.url, e.secret_ciphertext, e.previous_secret_ciphertext, e.previous_secret_expires_at,
      e.degraded_at, e.failing_since, ev.type AS event_type, ev.occurred_at, ev.payload,
      ev.actor_type, ev.actor_id, ev.resource_type, ev.resource_id
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object(
    'id', c.id, 'org_id', c.org_id, 'endpoint_id', c.endpoint_id, 'event_id', c.event_id,
    'attempts', c.attempts, 'pending_trigger', c.pending_trigger, 'lease_until', c.lease_until,
    'url', c.url, 'secret_ciphertext', encode(c.secret_ciphertext, 'base64'),
    'previous_secret_ciphertext', encode(c.previous_secret_ciphertext, 'base64'),
    'previous_secret_expires_at', c.previous_secret_expires_at, 'degraded_at', c.degraded_at,
    'failing_since', c.failing_since, 'event_type', c.event_type, 'occurred_at', c.occurred_at,
    'payload', c.payload, 'actor_type', c.actor_type, 'actor_id', c.actor_id,
    'resource_type', c.resource_type, 'resource_id', c.resource_id)), '[]'::jsonb)
  INTO claimed_rows
  FROM claimed c;
  RETURN claimed_rows;
END $$;
REVOKE ALL ON FUNCTION hearth_webhook_claim(uuid[], int[], text[], timestamptz, timestamptz, timestamptz)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_webhook_claim(uuid[], int[], text[], timestamptz, timestamptz, timestamptz)
  TO hearth_app;

-- Logs attempts and moves their deliveries on: p_rows is a JSON array of attempts (see
-- hearth.webhooks.store.deliveries.AttemptRecord.as_json). A delivery is moved only while the
-- attempt's lease is still its own; one ended while its attempt was under way stays ended.
-- Answers {delivery id: status after it}; a delivery missing from the answer lost its lease.
CREATE FUNCTION hearth_webhook_record(p_rows jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  statuses jsonb;
BEGIN
  WITH given AS (
    SELECT * FROM jsonb_to_recordset(p_rows) AS r(
      id uuid, prior int, lease timestamptz, status text, next timestamptz, enqueued timestamptz,
      lane text, at timestamptz, trigger text, url text, code int, body text, ms int, error text)
  ), moved AS (
    UPDATE webhook_deliveries d
    SET attempts = d.attempts + 1,
        status = CASE WHEN d.status = 'pending' THEN g.status ELSE d.status END,
        next_attempt_at = CASE WHEN d.status = 'pending' THEN g.next END,
        enqueued_at = CASE WHEN d.status = 'pending' THEN g.enqueued END,
        lane = g.lane, pending_trigger = 'automatic', lease_until = NULL, last_attempt_at = g.at,
        last_status_code = g.code, last_error = g.error, updated_at = now()
    FROM given g
    WHERE d.id = g.id AND d.attempts = g.prior AND d.lease_until = g.lease
    RETURNING d.org_id, d.id, d.status, g.prior, g.trigger, g.url, g.code, g.body, g.ms, g.error,
      g.next, g.at
  ), logged AS (
    INSERT INTO webhook_delivery_attempts
      (org_id, delivery_id, attempt, trigger, url, status_code, response_body, duration_ms, error,
       next_attempt_at, attempted_at)
    SELECT org_id, id, prior + 1, trigger, url, code, body, ms, error,
           CASE WHEN status = 'pending' THEN next END, at
    FROM moved
  )
  SELECT coalesce(jsonb_object_agg(id, status), '{}'::jsonb) INTO statuses FROM moved;
  RETURN statuses;
END $$;
REVOKE ALL ON FUNCTION hearth_webhook_record(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_webhook_record(jsonb) TO hearth_app;
