-- Time logged by members on projects (optionally on one of the project's tasks). A removed
-- member's entries stay (billing) with the member cleared.

CREATE TABLE time_entries (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  member_id   uuid,
  project_id  uuid NOT NULL,
  task_id     uuid,
  minutes     integer NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
  entry_date  date NOT NULL,
  billable    boolean NOT NULL DEFAULT true,
  note        text CHECK (note IS NULL OR char_length(note) <= 2000),
  created_by  uuid REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  deleted_at  timestamptz,
  deleted_by  uuid,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, member_id) REFERENCES org_members (org_id, user_id) ON DELETE SET NULL (member_id),
  FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, task_id) REFERENCES tasks (org_id, id) ON DELETE SET NULL (task_id)
);
SELECT hearth_protect_tenant_table('time_entries');
CREATE TRIGGER time_entries_touch BEFORE UPDATE ON time_entries FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE INDEX time_entries_org_created ON time_entries (org_id, created_at, id);
CREATE INDEX time_entries_org_project ON time_entries (org_id, project_id, entry_date);
CREATE INDEX time_entries_org_member ON time_entries (org_id, member_id, entry_date);
CREATE INDEX time_entries_org_task ON time_entries (org_id, task_id);
GRANT SELECT, INSERT ON time_entries TO hearth_app;
GRANT UPDATE (member_id, project_id, task_id, minutes, entry_date, billable, note, deleted_at, deleted_by)
  ON time_entries TO hearth_app;
