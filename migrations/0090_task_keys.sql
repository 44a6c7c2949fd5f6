-- Human task keys: every task has a number, sequential per org (1, 2, 3, ...), and the org a
-- short key prefix (orgs.task_key_prefix, settable with PATCH /v1/orgs/current), so a task is
-- shown and found as "<prefix>-<number>" (HRT-42). Numbers come from one counter row per org
-- (task_key_counters, under the org's own row-level security), taken by a BEFORE INSERT trigger
-- in the inserting transaction: a rolled-back insert gives its number back, and two inserts of
-- one org wait for each other on the counter row, never on another org's.

ALTER TABLE orgs ADD COLUMN task_key_prefix text NOT NULL DEFAULT 'TASK'
  CHECK (task_key_prefix ~ '^[A-Z][A-Z0-9]{1,9}$');
GRANT UPDATE (task_key_prefix) ON orgs TO hearth_app;

CREATE TABLE task_key_counters (
  org_id       uuid NOT NULL REFERENCES orgs (id),
  last_number  bigint NOT NULL CHECK (last_number >= 1),
  PRIMARY KEY (org_id)
);
SELECT hearth_protect_tenant_table('task_key_counters');
GRANT SELECT, INSERT (org_id, last_number), UPDATE (last_number) ON task_key_counters TO hearth_app;

ALTER TABLE tasks ADD COLUMN number bigint CHECK (number >= 1);

-- Existing tasks are numbered in the order they were made (as the owner role: row-level
-- security and the touch trigger are set aside for this one statement).
ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;
ALTER TABLE task_key_counters NO FORCE ROW LEVEL SECURITY;
ALTER TABLE tasks DISABLE TRIGGER tasks_touch;
UPDATE tasks t SET number = n.number
FROM (SELECT org_id, id, row_number() OVER (PARTITION BY org_id ORDER BY created_at, id) AS number FROM tasks) n
WHERE t.org_id = n.org_id AND t.id = n.id;
INSERT INTO task_key_counters (org_id, last_number)
SELECT org_id, max(number) FROM tasks GROUP BY org_id;
ALTER TABLE tasks ENABLE TRIGGER tasks_touch;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
ALTER TABLE task_key_counters FORCE ROW LEVEL SECURITY;

ALTER TABLE tasks ALTER COLUMN number SET NOT NULL;
ALTER TABLE tasks ADD CONSTRAINT tasks_org_number_key UNIQUE (org_id, number);

-- Runs as the inserting role (the app role, in the org's transaction): the counter row it
-- takes is the org's own.
CREATE FUNCTION hearth_number_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_key_counters AS c (org_id, last_number) VALUES (NEW.org_id, 1)
  ON CONFLICT (org_id) DO UPDATE SET last_number = c.last_number + 1
  RETURNING c.last_number INTO NEW.number;
  RETURN NEW;
END $$;
GRANT EXECUTE ON FUNCTION hearth_number_task() TO hearth_app;
CREATE TRIGGER tasks_number BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION hearth_number_task();
