-- emails: every email an org sent (or is sending) through SES.
--
-- POST /v1/emails renders it (templates render here, never in the sender) and stores it `queued`
-- with email.queued, which feeds the email send queue; the sender counts an attempt (`attempts`,
-- `claimed_at`) and, once SES accepted it, stores SES's message id and moves it to `sending`; the
-- configuration set's events move it on: `sent` (SES took it), `delivered`, or the terminal
-- `bounced` and `complained`; a permanent refusal ends it `failed` with the reason. Opens and clicks
-- only count (they move no status). Statuses only move forward (the trigger).
--
-- `system` emails come from the platform (hearth.email.system): not counted against the plan's
-- quota, at most one per `dedupe_key` in an org.
CREATE TABLE emails (
  org_id               uuid NOT NULL REFERENCES orgs (id),
  id                   uuid NOT NULL DEFAULT gen_random_uuid(),
  status               text NOT NULL DEFAULT 'queued'
                       CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'bounced', 'complained', 'failed')),
  category             text NOT NULL CHECK (category IN ('transactional', 'marketing')),
  system               boolean NOT NULL DEFAULT false,
  dedupe_key           text CHECK (char_length(dedupe_key) BETWEEN 1 AND 200),
  from_address         text NOT NULL CHECK (char_length(from_address) <= 420),
  to_addresses         text[] NOT NULL CHECK (cardinality(to_addresses) BETWEEN 1 AND 50),
  cc_addresses         text[] NOT NULL DEFAULT '{}' CHECK (cardinality(cc_addresses) <= 50),
  bcc_addresses        text[] NOT NULL DEFAULT '{}' CHECK (cardinality(bcc_addresses) <= 50),
  reply_to             text CHECK (char_length(reply_to) <= 320),
  subject              text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 1000),
  text_body            text CHECK (char_length(text_body) <= 200000),
  html_body            text CHECK (char_length(html_body) <= 400000),
  template_id          uuid,
  person_id            uuid,
  company_id           uuid,
  deal_id              uuid,
  provider_message_id  text CHECK (char_length(provider_message_id) BETWEEN 1 AND 200),
  error_code           text CHECK (char_length(error_code) <= 60),
  error_message        text CHECK (char_length(error_message) <= 1000),
  attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  claimed_at           timestamptz,
  sent_at              timestamptz,
  delivered_at         timestamptz,
  open_count           integer NOT NULL DEFAULT 0 CHECK (open_count >= 0),
  first_opened_at      timestamptz,
  click_count          integer NOT NULL DEFAULT 0 CHECK (click_count >= 0),
  first_clicked_at     timestamptz,
  sent_by              text CHECK (char_length(sent_by) <= 200),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  version              integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, template_id) REFERENCES email_templates (org_id, id) ON DELETE SET NULL (template_id),
  FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE SET NULL (person_id),
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE SET NULL (company_id),
  FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE SET NULL (deal_id),
  CHECK (num_nonnulls(text_body, html_body) >= 1),
  CHECK (status IN ('queued', 'failed') OR provider_message_id IS NOT NULL),
  CHECK (status IN ('failed', 'bounced', 'complained') OR error_code IS NULL),
  CHECK (system OR dedupe_key IS NULL)
);
SELECT hearth_protect_tenant_table('emails');
CREATE UNIQUE INDEX emails_provider_message_id ON emails (org_id, provider_message_id)
  WHERE provider_message_id IS NOT NULL;
CREATE UNIQUE INDEX emails_dedupe_key ON emails (org_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX emails_org_created ON emails (org_id, created_at, id);
CREATE INDEX emails_org_person ON emails (org_id, person_id, created_at, id);

GRANT SELECT ON emails TO hearth_app;
GRANT INSERT (org_id, status, category, system, dedupe_key, from_address, to_addresses, cc_addresses,
              bcc_addresses, reply_to, subject, text_body, html_body, template_id, person_id, company_id,
              deal_id, sent_by) ON emails TO hearth_app;
GRANT UPDATE (status, provider_message_id, error_code, error_message, attempts, claimed_at, sent_at,
              delivered_at, open_count, first_opened_at, click_count, first_clicked_at) ON emails TO hearth_app;

-- The order of statuses: a status moves only to a higher rank (queued -> sending -> sent ->
-- delivered; bounced, complained and failed are final).
CREATE FUNCTION hearth_email_status_rank(status text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE status WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2
                     WHEN 'delivered' THEN 3 ELSE 4 END
$$;
GRANT EXECUTE ON FUNCTION hearth_email_status_rank(text) TO hearth_app;

CREATE FUNCTION hearth_email_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     AND hearth_email_status_rank(NEW.status) <= hearth_email_status_rank(OLD.status) THEN
    RAISE EXCEPTION 'email % cannot go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.provider_message_id IS NOT NULL AND NEW.provider_message_id IS DISTINCT FROM OLD.provider_message_id THEN
    RAISE EXCEPTION 'email % keeps its provider message id', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER emails_change BEFORE UPDATE ON emails FOR EACH ROW EXECUTE FUNCTION hearth_email_change();

-- email_suppressions: the addresses the org does not email. A hard bounce or a complaint
-- suppresses every email (`marketing_only` false); a one-click unsubscribe suppresses marketing
-- email only. Kept per address (lowercased), so an address with no person is honoured too.
-- Removing one is audited with its reason (the row goes).
CREATE TABLE email_suppressions (
  org_id          uuid NOT NULL REFERENCES orgs (id),
  address         text NOT NULL CHECK (char_length(address) BETWEEN 3 AND 320 AND address = lower(address)),
  reason          text NOT NULL CHECK (reason IN ('bounce', 'complaint', 'unsubscribe', 'manual')),
  marketing_only  boolean NOT NULL DEFAULT false,
  email_id        uuid,
  detail          text CHECK (char_length(detail) <= 500),
  created_by      text NOT NULL CHECK (char_length(created_by) <= 200),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, address),
  FOREIGN KEY (org_id, email_id) REFERENCES emails (org_id, id) ON DELETE SET NULL (email_id)
);
SELECT hearth_protect_tenant_table('email_suppressions');
CREATE INDEX email_suppressions_org_created ON email_suppressions (org_id, created_at, address);
GRANT SELECT, DELETE ON email_suppressions TO hearth_app;
GRANT INSERT (org_id, address, reason, marketing_only, email_id, detail, created_by) ON email_suppressions TO hearth_app;
GRANT UPDATE (reason, marketing_only, email_id, detail, created_by, created_at) ON email_suppressions TO hearth_app;
