-- sms_messages: every SMS an org sent or received through its Twilio numbers.
--
-- Outbound: POST /v1/messages/sms inserts it `queued` (with sms.queued, which feeds the SMS send
-- queue); the sender counts an attempt (`attempts`, `claimed_at`) and, once Twilio accepted it,
-- stores Twilio's sid and moves it to `sending`; Twilio's status callbacks move it on to `sent`
-- and `delivered` or `undelivered`; a permanent refusal ends it `failed` with Twilio's error code.
-- Inbound: the webhook inserts it `received`, once per MessageSid.
--
-- Statuses only move forward (the trigger): a status callback that arrives late never moves a
-- message back. `person_id` is the person at the other end, when known (SET NULL when the
-- person is purged; the message stays in the org's log).

CREATE TABLE sms_messages (
  org_id           uuid NOT NULL REFERENCES orgs (id),
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  direction        text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
  status           text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered',
                                                   'failed', 'received')),
  from_number      text NOT NULL CHECK (from_number ~ '^\+[1-9][0-9]{6,14}$'),
  to_number        text NOT NULL CHECK (to_number ~ '^\+[1-9][0-9]{6,14}$'),
  phone_number_id  uuid,
  person_id        uuid,
  body             text NOT NULL DEFAULT '' CHECK (char_length(body) <= 1600),
  media_urls       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(media_urls) <= 10),
  provider_sid     text CHECK (provider_sid ~ '^(SM|MM)[0-9a-fA-F]{32}$'),
  error_code       text CHECK (char_length(error_code) <= 20),
  error_message    text CHECK (char_length(error_message) <= 300),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  claimed_at       timestamptz,
  sent_by          text CHECK (char_length(sent_by) <= 200),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  version          integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, phone_number_id) REFERENCES phone_numbers (org_id, id) ON DELETE SET NULL (phone_number_id),
  FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE SET NULL (person_id),
  CHECK ((direction = 'inbound') = (status = 'received')),
  CHECK (direction = 'outbound' OR provider_sid IS NOT NULL),
  CHECK (status IN ('queued', 'failed') OR provider_sid IS NOT NULL),
  CHECK (status IN ('failed', 'undelivered') OR error_code IS NULL)
);
SELECT hearth_protect_tenant_table('sms_messages');
CREATE UNIQUE INDEX sms_messages_provider_sid ON sms_messages (org_id, provider_sid) WHERE provider_sid IS NOT NULL;
CREATE INDEX sms_messages_org_created ON sms_messages (org_id, created_at, id);
CREATE INDEX sms_messages_org_person ON sms_messages (org_id, person_id, created_at, id);

GRANT SELECT ON sms_messages TO hearth_app;
GRANT INSERT (org_id, direction, status, from_number, to_number, phone_number_id, person_id, body, media_urls,
              provider_sid, sent_by) ON sms_messages TO hearth_app;
GRANT UPDATE (status, provider_sid, error_code, error_message, attempts, claimed_at) ON sms_messages TO hearth_app;

-- The order of statuses: a status moves only to a higher rank (queued -> sending -> sent ->
-- delivered | undelivered; failed from any status before a final one).
CREATE FUNCTION hearth_sms_status_rank(status text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE status WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 ELSE 3 END
$$;
GRANT EXECUTE ON FUNCTION hearth_sms_status_rank(text) TO hearth_app;

CREATE FUNCTION hearth_sms_message_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     AND hearth_sms_status_rank(NEW.status) <= hearth_sms_status_rank(OLD.status) THEN
    RAISE EXCEPTION 'SMS % cannot go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.provider_sid IS NOT NULL AND NEW.provider_sid IS DISTINCT FROM OLD.provider_sid THEN
    RAISE EXCEPTION 'SMS % keeps its provider sid', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER sms_messages_change BEFORE UPDATE ON sms_messages
  FOR EACH ROW EXECUTE FUNCTION hearth_sms_message_change();

-- sms_opt_outs: the numbers that told the org STOP (opted_out) and, once they send START,
-- no longer do (the row stays, with the keyword and time of the last change). Kept per number,
-- so a number with no person is honoured too; people with the number get sms_opt_out as well.
CREATE TABLE sms_opt_outs (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  phone       text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  opted_out   boolean NOT NULL,
  keyword     text NOT NULL CHECK (char_length(keyword) <= 20),
  changed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, phone)
);
SELECT hearth_protect_tenant_table('sms_opt_outs');
GRANT SELECT ON sms_opt_outs TO hearth_app;
GRANT INSERT (org_id, phone, opted_out, keyword, changed_at) ON sms_opt_outs TO hearth_app;
GRANT UPDATE (opted_out, keyword, changed_at) ON sms_opt_outs TO hearth_app;
