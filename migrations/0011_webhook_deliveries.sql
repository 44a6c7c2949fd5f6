-- webhook_deliveries: one row per (endpoint, event). The unique key is what makes relaying an
-- event twice harmless: the fan-out inserts with ON CONFLICT DO NOTHING, so an endpoint gets at
-- most one delivery per event, whatever the queues repeat.
--
-- The row is the truth about what happens next; queue messages only wake a sender up:
--   status          pending (an attempt is due or under way), succeeded, failed
--   attempts        attempts made so far; a queue message names the attempt it is for, and a
--                   sender claims the row only when attempts = that number - 1 (a repeated
--                   message finds the number moved on and does nothing)
--   next_attempt_at when the next attempt is due (waits beyond SQS's 15-minute delay are held
--                   here until the scheduled dispatcher releases them)
--   enqueued_at     when a message for the pending attempt was handed to a queue; NULL = held in
--                   the database, waiting for the dispatcher
--   lease_until     a sender is attempting it until then (a crashed sender's lease runs out)
--   lane            main (fresh deliveries to healthy endpoints) or retry (retries, and endpoints
--                   that are failing or slow): see docs/decisions.md, fairness

CREATE TABLE webhook_deliveries (
  org_id            uuid NOT NULL REFERENCES orgs (id),
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  endpoint_id       uuid NOT NULL,
  event_id          uuid NOT NULL,
  event_type        text NOT NULL,
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  pending_trigger   text NOT NULL DEFAULT 'automatic' CHECK (pending_trigger IN ('automatic', 'manual')),
  lane              text NOT NULL DEFAULT 'main' CHECK (lane IN ('main', 'retry')),
  attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at   timestamptz,
  enqueued_at       timestamptz,
  lease_until       timestamptz,
  last_attempt_at   timestamptz,
  last_status_code  integer,
  last_error        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, endpoint_id, event_id),
  FOREIGN KEY (org_id, endpoint_id) REFERENCES webhook_endpoints (org_id, id),
  FOREIGN KEY (org_id, event_id) REFERENCES domain_events (org_id, id) ON DELETE CASCADE,
  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
SELECT hearth_protect_tenant_table('webhook_deliveries');
CREATE INDEX webhook_deliveries_org_endpoint ON webhook_deliveries (org_id, endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_org_event ON webhook_deliveries (org_id, event_id);
-- The dispatcher finds due deliveries across tenants (system role): the partial index holds
-- pending rows only, so its scan costs what is pending, not the whole delivery log.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (org_id, endpoint_id, next_attempt_at)
  WHERE status = 'pending';

GRANT SELECT, INSERT ON webhook_deliveries TO hearth_app;
GRANT UPDATE (status, pending_trigger, lane, attempts, next_attempt_at, enqueued_at, lease_until,
              last_attempt_at, last_status_code, last_error, updated_at)
  ON webhook_deliveries TO hearth_app;
-- The dispatcher (system role) reads what is due and marks what it handed to the retry queue.
GRANT SELECT (org_id, id, endpoint_id, status, pending_trigger, attempts, next_attempt_at, enqueued_at,
              lease_until)
  ON webhook_deliveries TO hearth_system;
GRANT UPDATE (enqueued_at, lane) ON webhook_deliveries TO hearth_system;
CREATE POLICY system_select ON webhook_deliveries FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_update ON webhook_deliveries FOR UPDATE TO hearth_system
  USING (status = 'pending') WITH CHECK (status = 'pending');
