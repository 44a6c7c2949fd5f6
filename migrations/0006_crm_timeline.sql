-- The sources of a record's timeline besides notes and tasks: interactions (emails, SMS, calls,
-- meetings… linked to a person, company and/or deal) and record_changes (the field changes of
-- companies, people and deals, written by the route that changed them).
--
-- An interaction belongs to what it is linked to: hard-deleting (purging) a linked record purges
-- it too. The external reference (e.g. a provider's message id) is unique per org among live rows,
-- so a provider event recorded twice is refused.

CREATE TABLE interactions (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  type          text NOT NULL CHECK (type IN ('email', 'sms', 'call', 'meeting', 'note', 'system')),
  direction     text CHECK (direction IS NULL OR direction IN ('inbound', 'outbound')),
  occurred_at   timestamptz NOT NULL,
  subject       text CHECK (subject IS NULL OR char_length(subject) BETWEEN 1 AND 300),
  summary       text CHECK (summary IS NULL OR char_length(summary) <= 5000),
  person_id     uuid,
  company_id    uuid,
  deal_id       uuid,
  external_ref  text CHECK (external_ref IS NULL OR char_length(external_ref) BETWEEN 1 AND 255),
  created_by    uuid REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  version       integer NOT NULL DEFAULT 1,
  deleted_at    timestamptz,
  deleted_by    uuid,
  PRIMARY KEY (org_id, id),
  CHECK (num_nonnulls(person_id, company_id, deal_id) >= 1),
  FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('interactions');
CREATE TRIGGER interactions_touch BEFORE UPDATE ON interactions FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE UNIQUE INDEX interactions_external_ref_live ON interactions (org_id, external_ref)
  WHERE deleted_at IS NULL AND external_ref IS NOT NULL;
CREATE INDEX interactions_org_created ON interactions (org_id, created_at, id);
CREATE INDEX interactions_org_occurred ON interactions (org_id, occurred_at, id);
CREATE INDEX interactions_org_person ON interactions (org_id, person_id, occurred_at, id);
CREATE INDEX interactions_org_company ON interactions (org_id, company_id, occurred_at, id);
CREATE INDEX interactions_org_deal ON interactions (org_id, deal_id, occurred_at, id);
GRANT SELECT, INSERT ON interactions TO hearth_app;
GRANT UPDATE (type, direction, occurred_at, subject, summary, person_id, company_id, deal_id, external_ref,
              deleted_at, deleted_by) ON interactions TO hearth_app;

-- One row per update of a company, person or deal: {field: {from, to}}. Append-only.
CREATE TABLE record_changes (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  company_id  uuid,
  person_id   uuid,
  deal_id     uuid,
  changed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_type  text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
  actor_id    text,
  changes     jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
  PRIMARY KEY (org_id, id),
  CHECK (num_nonnulls(company_id, person_id, deal_id) = 1),
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('record_changes');
CREATE INDEX record_changes_org_company ON record_changes (org_id, company_id, changed_at, id);
CREATE INDEX record_changes_org_person ON record_changes (org_id, person_id, changed_at, id);
CREATE INDEX record_changes_org_deal ON record_changes (org_id, deal_id, changed_at, id);
GRANT SELECT, INSERT ON record_changes TO hearth_app;
