-- CRM people: contacts, usually working at a company.
--
-- The primary email is unique per org among live rows (upsert matches on it); other emails and
-- phones (E.164) are lists. `sms_opt_out` is honoured by whatever sends SMS. The company link is a
-- composite foreign key, so a person can only work at a company of the same org.

CREATE TABLE people (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  first_name    text CHECK (first_name IS NULL OR char_length(first_name) BETWEEN 1 AND 100),
  last_name     text CHECK (last_name IS NULL OR char_length(last_name) BETWEEN 1 AND 100),
  email         text CHECK (email IS NULL OR (char_length(email) <= 320 AND email = lower(email))),
  other_emails  text[] NOT NULL DEFAULT '{}' CHECK (cardinality(other_emails) <= 10),
  phones        text[] NOT NULL DEFAULT '{}' CHECK (cardinality(phones) <= 10),
  job_title     text CHECK (job_title IS NULL OR char_length(job_title) BETWEEN 1 AND 200),
  company_id    uuid,
  owner_id      uuid,
  sms_opt_out   boolean NOT NULL DEFAULT false,
  tags          text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  properties    jsonb NOT NULL DEFAULT '{}'
                CHECK (jsonb_typeof(properties) = 'object' AND octet_length(properties::text) <= 16384),
  created_by    uuid REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  version       integer NOT NULL DEFAULT 1,
  deleted_at    timestamptz,
  deleted_by    uuid,
  PRIMARY KEY (org_id, id),
  CHECK (first_name IS NOT NULL OR last_name IS NOT NULL),
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE SET NULL (company_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES org_members (org_id, user_id) ON DELETE SET NULL (owner_id)
);
SELECT hearth_protect_tenant_table('people');
CREATE TRIGGER people_touch BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE UNIQUE INDEX people_email_live ON people (org_id, lower(email)) WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX people_org_created ON people (org_id, created_at, id);
CREATE INDEX people_org_name ON people (org_id, last_name, first_name, id);
CREATE INDEX people_org_company ON people (org_id, company_id);
CREATE INDEX people_org_owner ON people (org_id, owner_id);
GRANT SELECT, INSERT ON people TO hearth_app;
GRANT UPDATE (first_name, last_name, email, other_emails, phones, job_title, company_id, owner_id, sms_opt_out,
              tags, properties, deleted_at, deleted_by) ON people TO hearth_app;
