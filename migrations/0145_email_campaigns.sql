-- email_campaigns: one template sent to many people (POST /v1/email/campaigns).
--
-- The route stores the campaign `queued` (who it goes to: `person_ids` and/or `tag`, never a
-- list of addresses) and emits email_campaign.queued; the campaign worker expands it in chunks,
-- each chunk its own short transaction: the next people after `cursor` (by id), one `emails` row
-- per person with an address that is not suppressed, the counts and the cursor moved forward
-- together. A stopped worker resumes at the cursor; an email is made at most once per
-- (campaign, person) (emails_campaign_person). The emails are then sent as every email is.
CREATE TABLE email_campaigns (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'expanding', 'expanded', 'failed')),
  category      text NOT NULL CHECK (category IN ('transactional', 'marketing')),
  template_id   uuid NOT NULL,
  from_address  text NOT NULL CHECK (char_length(from_address) <= 420),
  reply_to      text CHECK (char_length(reply_to) <= 320),
  variables     jsonb NOT NULL DEFAULT '{}',
  person_ids    uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(person_ids) <= 10000),
  tag           text CHECK (char_length(tag) BETWEEN 1 AND 100),
  planned       integer NOT NULL CHECK (planned >= 0),
  cursor        uuid,
  recipients    integer NOT NULL DEFAULT 0 CHECK (recipients >= 0),
  suppressed    integer NOT NULL DEFAULT 0 CHECK (suppressed >= 0),
  no_address    integer NOT NULL DEFAULT 0 CHECK (no_address >= 0),
  error_code    text CHECK (char_length(error_code) <= 60),
  created_by    text NOT NULL CHECK (char_length(created_by) <= 200),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expanded_at   timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  version       integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, template_id) REFERENCES email_templates (org_id, id) ON DELETE RESTRICT,
  CHECK (cardinality(person_ids) >= 1 OR tag IS NOT NULL)
);
SELECT hearth_protect_tenant_table('email_campaigns');
SELECT hearth_allow_finaliser('email_campaigns');
CREATE INDEX email_campaigns_org_created ON email_campaigns (org_id, created_at, id);
GRANT SELECT ON email_campaigns TO hearth_app;
GRANT INSERT (org_id, name, category, template_id, from_address, reply_to, variables, person_ids, tag,
              planned, created_by) ON email_campaigns TO hearth_app;
GRANT UPDATE (status, cursor, recipients, suppressed, no_address, error_code, expanded_at)
  ON email_campaigns TO hearth_app;

CREATE FUNCTION hearth_email_campaign_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER email_campaigns_change BEFORE UPDATE ON email_campaigns
  FOR EACH ROW EXECUTE FUNCTION hearth_email_campaign_change();

-- An email of a campaign names it; one per (campaign, person).
ALTER TABLE emails ADD COLUMN campaign_id uuid;
ALTER TABLE emails ADD FOREIGN KEY (org_id, campaign_id) REFERENCES email_campaigns (org_id, id);
CREATE UNIQUE INDEX emails_campaign_person ON emails (org_id, campaign_id, person_id)
  WHERE campaign_id IS NOT NULL;
GRANT INSERT (campaign_id) ON emails TO hearth_app;
