-- inbound_webhook_receipts: one row per provider delivery that reached an org (Twilio MessageSid,
-- Stripe event id, GitHub X-GitHub-Delivery). The inbound webhook kit inserts it in the same
-- transaction as the delivery's effect, before the effect runs: a second delivery of the same id
-- waits for the first's transaction, then finds the row and answers what the first answered,
-- changing nothing. Receipts are per org like every tenant key (a delivery is resolved to its
-- org before it is claimed, from what the provider signed, so it always lands in the same org).

CREATE TABLE inbound_webhook_receipts (
  provider      text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_]{1,31}$'),
  delivery_id   text NOT NULL CHECK (char_length(delivery_id) BETWEEN 1 AND 255),
  org_id        uuid NOT NULL REFERENCES orgs (id),
  event         text NOT NULL DEFAULT '' CHECK (char_length(event) <= 255),
  received_at   timestamptz NOT NULL DEFAULT now(),
  -- What the first delivery was answered (the kit answers a duplicate the same way).
  answer_status smallint CHECK (answer_status BETWEEN 200 AND 599),
  answer_type   text CHECK (char_length(answer_type) <= 255),
  answer_body   text CHECK (char_length(answer_body) <= 65536),
  PRIMARY KEY (org_id, provider, delivery_id)
);
SELECT hearth_protect_tenant_table('inbound_webhook_receipts');
CREATE INDEX inbound_webhook_receipts_org_received ON inbound_webhook_receipts (org_id, received_at);

-- Least privilege: the kit inserts a receipt and then records its answer; nothing else changes.
GRANT SELECT ON inbound_webhook_receipts TO hearth_app;
GRANT INSERT (provider, delivery_id, org_id, event) ON inbound_webhook_receipts TO hearth_app;
GRANT UPDATE (answer_status, answer_type, answer_body) ON inbound_webhook_receipts TO hearth_app;
