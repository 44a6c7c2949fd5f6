-- CRM pipelines, their ordered stages (each with a win probability), deals and each deal's
-- stage history.
--
-- A deal's stage must belong to the deal's pipeline: the foreign key (org_id, pipeline_id,
-- stage_id) -> pipeline_stages (org_id, pipeline_id, id) says so in the database. Every org has a
-- default pipeline: a trigger gives each new org one, and the orgs that exist already get theirs
-- below.

CREATE TABLE pipelines (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  is_default  boolean NOT NULL DEFAULT false,
  created_by  uuid REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  deleted_at  timestamptz,
  deleted_by  uuid,
  PRIMARY KEY (org_id, id),
  CHECK (deleted_at IS NULL OR NOT is_default)
);
SELECT hearth_protect_tenant_table('pipelines');
CREATE TRIGGER pipelines_touch BEFORE UPDATE ON pipelines FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE UNIQUE INDEX pipelines_one_default ON pipelines (org_id) WHERE is_default AND deleted_at IS NULL;
CREATE UNIQUE INDEX pipelines_name_live ON pipelines (org_id, lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX pipelines_org_created ON pipelines (org_id, created_at, id);
GRANT SELECT, INSERT ON pipelines TO hearth_app;
GRANT UPDATE (name, is_default, deleted_at, deleted_by) ON pipelines TO hearth_app;

CREATE TABLE pipeline_stages (
  org_id       uuid NOT NULL REFERENCES orgs (id),
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  pipeline_id  uuid NOT NULL,
  name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  position     integer NOT NULL CHECK (position BETWEEN 0 AND 1000),
  probability  integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
  created_by   uuid REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  version      integer NOT NULL DEFAULT 1,
  deleted_at   timestamptz,
  deleted_by   uuid,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, pipeline_id, id),
  FOREIGN KEY (org_id, pipeline_id) REFERENCES pipelines (org_id, id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('pipeline_stages');
CREATE TRIGGER pipeline_stages_touch BEFORE UPDATE ON pipeline_stages
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE UNIQUE INDEX pipeline_stages_name_live ON pipeline_stages (org_id, pipeline_id, lower(name))
  WHERE deleted_at IS NULL;
CREATE INDEX pipeline_stages_org_position ON pipeline_stages (org_id, pipeline_id, position, id);
GRANT SELECT, INSERT ON pipeline_stages TO hearth_app;
GRANT UPDATE (name, position, probability, deleted_at, deleted_by) ON pipeline_stages TO hearth_app;

-- The default pipeline of one org (in that org's tenant transaction; a no-op when it has one).
CREATE FUNCTION crm_create_default_pipeline(org uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  pipeline uuid;
BEGIN
  IF EXISTS (SELECT 1 FROM pipelines WHERE org_id = org AND is_default AND deleted_at IS NULL) THEN
    RETURN;
  END IF;
  INSERT INTO pipelines (org_id, name, is_default) VALUES (org, 'Sales', true) RETURNING id INTO pipeline;
  INSERT INTO pipeline_stages (org_id, pipeline_id, name, position, probability)
  VALUES (org, pipeline, 'Lead', 0, 10),
         (org, pipeline, 'Qualified', 1, 30),
         (org, pipeline, 'Proposal', 2, 60),
         (org, pipeline, 'Negotiation', 3, 80);
END $$;
GRANT EXECUTE ON FUNCTION crm_create_default_pipeline(uuid) TO hearth_app;

CREATE FUNCTION crm_orgs_default_pipeline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM crm_create_default_pipeline(NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER orgs_default_pipeline AFTER INSERT ON orgs
  FOR EACH ROW EXECUTE FUNCTION crm_orgs_default_pipeline();

-- Every existing org gets its default pipeline (owner only; run by this migration). Each org's
-- rows are written under that org's tenant setting, so the tenant policies hold throughout.
CREATE FUNCTION crm_backfill_default_pipelines() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  org uuid;
  seen integer := 0;
BEGIN
  FOR org IN SELECT id FROM orgs LOOP
    PERFORM set_config('app.org_id', org::text, true);
    PERFORM crm_create_default_pipeline(org);
    seen := seen + 1;
  END LOOP;
  PERFORM set_config('app.org_id', '', true);
  RETURN seen;
END $$;
-- The owner role is subject to the forced policies like everyone else; to read every org, and for
-- this migration's transaction only, orgs is not forced.
ALTER TABLE orgs NO FORCE ROW LEVEL SECURITY;
SELECT crm_backfill_default_pipelines();
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;

CREATE TABLE deals (
  org_id               uuid NOT NULL REFERENCES orgs (id),
  id                   uuid NOT NULL DEFAULT gen_random_uuid(),
  name                 text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  amount               bigint CHECK (amount IS NULL OR amount >= 0),
  currency             text CHECK (currency IS NULL OR currency ~ '^[A-Z]{3}$'),
  pipeline_id          uuid NOT NULL,
  stage_id             uuid NOT NULL,
  expected_close_date  date,
  company_id           uuid,
  primary_contact_id   uuid,
  owner_id             uuid,
  status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
  lost_reason          text CHECK (lost_reason IS NULL OR char_length(lost_reason) BETWEEN 1 AND 500),
  closed_at            timestamptz,
  tags                 text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  properties           jsonb NOT NULL DEFAULT '{}'
                       CHECK (jsonb_typeof(properties) = 'object' AND octet_length(properties::text) <= 16384),
  created_by           uuid REFERENCES users (id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  version              integer NOT NULL DEFAULT 1,
  deleted_at           timestamptz,
  deleted_by           uuid,
  PRIMARY KEY (org_id, id),
  CHECK (amount IS NULL OR currency IS NOT NULL),
  CHECK ((status = 'lost') = (lost_reason IS NOT NULL)),
  CHECK ((status = 'open') = (closed_at IS NULL)),
  FOREIGN KEY (org_id, pipeline_id) REFERENCES pipelines (org_id, id),
  FOREIGN KEY (org_id, pipeline_id, stage_id) REFERENCES pipeline_stages (org_id, pipeline_id, id),
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE SET NULL (company_id),
  FOREIGN KEY (org_id, primary_contact_id) REFERENCES people (org_id, id) ON DELETE SET NULL (primary_contact_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES org_members (org_id, user_id) ON DELETE SET NULL (owner_id)
);
SELECT hearth_protect_tenant_table('deals');
CREATE TRIGGER deals_touch BEFORE UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE INDEX deals_org_created ON deals (org_id, created_at, id);
CREATE INDEX deals_org_stage ON deals (org_id, pipeline_id, stage_id);
CREATE INDEX deals_org_company ON deals (org_id, company_id);
CREATE INDEX deals_org_contact ON deals (org_id, primary_contact_id);
CREATE INDEX deals_org_owner ON deals (org_id, owner_id);
GRANT SELECT, INSERT ON deals TO hearth_app;
GRANT UPDATE (name, amount, currency, pipeline_id, stage_id, expected_close_date, company_id, primary_contact_id,
              owner_id, status, lost_reason, closed_at, tags, properties, deleted_at, deleted_by)
  ON deals TO hearth_app;

-- Every stage a deal entered, in order (the first row is where it started). Append-only.
CREATE TABLE deal_stage_changes (
  org_id         uuid NOT NULL REFERENCES orgs (id),
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  deal_id        uuid NOT NULL,
  pipeline_id    uuid NOT NULL,
  from_stage_id  uuid,
  to_stage_id    uuid NOT NULL,
  changed_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_type     text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
  actor_id       text,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, pipeline_id) REFERENCES pipelines (org_id, id),
  FOREIGN KEY (org_id, from_stage_id) REFERENCES pipeline_stages (org_id, id),
  FOREIGN KEY (org_id, to_stage_id) REFERENCES pipeline_stages (org_id, id)
);
SELECT hearth_protect_tenant_table('deal_stage_changes');
CREATE INDEX deal_stage_changes_org_deal ON deal_stage_changes (org_id, deal_id, changed_at, id);
GRANT SELECT, INSERT ON deal_stage_changes TO hearth_app;
