-- Tasks (with links to records and dependencies between tasks) and notes (with links).
--
-- A link row names exactly one record (company, person, deal or project) through a composite
-- foreign key, so a link can only point inside the org. A dependency "task depends on
-- depends_on" is a pair of composite foreign keys to tasks; cycles are refused by the route (under
-- a per-org lock, so two concurrent requests cannot close one).

CREATE TABLE tasks (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
  body          text CHECK (body IS NULL OR char_length(body) <= 10000),
  due_date      date,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
  priority      text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  assignee_id   uuid,
  completed_at  timestamptz,
  created_by    uuid REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  version       integer NOT NULL DEFAULT 1,
  deleted_at    timestamptz,
  deleted_by    uuid,
  PRIMARY KEY (org_id, id),
  CHECK ((status = 'done') = (completed_at IS NOT NULL)),
  FOREIGN KEY (org_id, assignee_id) REFERENCES org_members (org_id, user_id) ON DELETE SET NULL (assignee_id)
);
SELECT hearth_protect_tenant_table('tasks');
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE INDEX tasks_org_created ON tasks (org_id, created_at, id);
CREATE INDEX tasks_org_due ON tasks (org_id, due_date, id);
CREATE INDEX tasks_org_assignee ON tasks (org_id, assignee_id, status);
GRANT SELECT, INSERT ON tasks TO hearth_app;
GRANT UPDATE (title, body, due_date, status, priority, assignee_id, completed_at, deleted_at, deleted_by)
  ON tasks TO hearth_app;

CREATE TABLE task_links (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  task_id     uuid NOT NULL,
  company_id  uuid,
  person_id   uuid,
  deal_id     uuid,
  project_id  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  CHECK (num_nonnulls(company_id, person_id, deal_id, project_id) = 1),
  UNIQUE (org_id, task_id, company_id),
  UNIQUE (org_id, task_id, person_id),
  UNIQUE (org_id, task_id, deal_id),
  UNIQUE (org_id, task_id, project_id),
  FOREIGN KEY (org_id, task_id) REFERENCES tasks (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('task_links');
CREATE INDEX task_links_org_company ON task_links (org_id, company_id, task_id);
CREATE INDEX task_links_org_person ON task_links (org_id, person_id, task_id);
CREATE INDEX task_links_org_deal ON task_links (org_id, deal_id, task_id);
CREATE INDEX task_links_org_project ON task_links (org_id, project_id, task_id);
GRANT SELECT, INSERT, DELETE ON task_links TO hearth_app;

CREATE TABLE task_dependencies (
  org_id         uuid NOT NULL REFERENCES orgs (id),
  task_id        uuid NOT NULL,
  depends_on_id  uuid NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, task_id, depends_on_id),
  CHECK (task_id <> depends_on_id),
  FOREIGN KEY (org_id, task_id) REFERENCES tasks (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, depends_on_id) REFERENCES tasks (org_id, id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('task_dependencies');
CREATE INDEX task_dependencies_org_depends_on ON task_dependencies (org_id, depends_on_id);
GRANT SELECT, INSERT, DELETE ON task_dependencies TO hearth_app;

CREATE TABLE notes (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
  created_by  uuid REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  deleted_at  timestamptz,
  deleted_by  uuid,
  PRIMARY KEY (org_id, id)
);
SELECT hearth_protect_tenant_table('notes');
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE INDEX notes_org_created ON notes (org_id, created_at, id);
GRANT SELECT, INSERT ON notes TO hearth_app;
GRANT UPDATE (body, deleted_at, deleted_by) ON notes TO hearth_app;

CREATE TABLE note_links (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  note_id     uuid NOT NULL,
  company_id  uuid,
  person_id   uuid,
  deal_id     uuid,
  project_id  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  CHECK (num_nonnulls(company_id, person_id, deal_id, project_id) = 1),
  UNIQUE (org_id, note_id, company_id),
  UNIQUE (org_id, note_id, person_id),
  UNIQUE (org_id, note_id, deal_id),
  UNIQUE (org_id, note_id, project_id),
  FOREIGN KEY (org_id, note_id) REFERENCES notes (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('note_links');
CREATE INDEX note_links_org_company ON note_links (org_id, company_id, note_id);
CREATE INDEX note_links_org_person ON note_links (org_id, person_id, note_id);
CREATE INDEX note_links_org_deal ON note_links (org_id, deal_id, note_id);
CREATE INDEX note_links_org_project ON note_links (org_id, project_id, note_id);
GRANT SELECT, INSERT, DELETE ON note_links TO hearth_app;
