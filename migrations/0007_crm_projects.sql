-- Projects (standalone, or from a won deal) and their members.
--
-- A deal gives at most one live project. Members are org members: removing someone from the org
-- removes them from its projects.

CREATE TABLE projects (
  org_id          uuid NOT NULL REFERENCES orgs (id),
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description     text CHECK (description IS NULL OR char_length(description) <= 5000),
  status          text NOT NULL DEFAULT 'active'
                  CHECK (status IN ('planned', 'active', 'on_hold', 'completed', 'cancelled')),
  company_id      uuid,
  deal_id         uuid,
  owner_id        uuid,
  start_date      date,
  due_date        date,
  budget_minutes  integer CHECK (budget_minutes IS NULL OR budget_minutes >= 0),
  tags            text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  created_by      uuid REFERENCES users (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  version         integer NOT NULL DEFAULT 1,
  deleted_at      timestamptz,
  deleted_by      uuid,
  PRIMARY KEY (org_id, id),
  CHECK (start_date IS NULL OR due_date IS NULL OR due_date >= start_date),
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE SET NULL (company_id),
  FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE SET NULL (deal_id),
  FOREIGN KEY (org_id, owner_id) REFERENCES org_members (org_id, user_id) ON DELETE SET NULL (owner_id)
);
SELECT hearth_protect_tenant_table('projects');
CREATE TRIGGER projects_touch BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE UNIQUE INDEX projects_deal_live ON projects (org_id, deal_id) WHERE deleted_at IS NULL AND deal_id IS NOT NULL;
CREATE INDEX projects_org_created ON projects (org_id, created_at, id);
CREATE INDEX projects_org_name ON projects (org_id, name, id);
CREATE INDEX projects_org_company ON projects (org_id, company_id);
CREATE INDEX projects_org_owner ON projects (org_id, owner_id);
GRANT SELECT, INSERT ON projects TO hearth_app;
GRANT UPDATE (name, description, status, company_id, deal_id, owner_id, start_date, due_date, budget_minutes,
              tags, deleted_at, deleted_by) ON projects TO hearth_app;

CREATE TABLE project_members (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  project_id  uuid NOT NULL,
  user_id     uuid NOT NULL,
  role        text NOT NULL DEFAULT 'contributor' CHECK (role IN ('lead', 'contributor')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, project_id, user_id),
  FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, user_id) REFERENCES org_members (org_id, user_id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('project_members');
CREATE INDEX project_members_org_user ON project_members (org_id, user_id);
GRANT SELECT, INSERT, DELETE ON project_members TO hearth_app;
GRANT UPDATE (role) ON project_members TO hearth_app;
