-- ai_runs: one request to the AI assistant. POST /v1/ai/runs inserts it `queued` (the requester,
-- the task, what it is about, the requester's instructions) and emits ai.run.queued; the AI worker
-- claims it (`running`, started_at), and finishes it `completed` (output, token usage, stop reason)
-- or `failed` (a sanitised error code and message). `shown` lists the records ({type, id}) the
-- model was shown, so a user can see what left the database. `applied` records which suggested
-- actions of a next_actions run were applied, and the task each created: {"<index>": "<task id>"}.
--
-- The subject is a (type, id) pair, not a foreign key: a run is a record of a request, and it
-- outlives the record it was about (the record may be deleted; the run still says what it was).
-- The requester is a user (never an API key: a key acts for its creator).

CREATE TABLE ai_runs (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id),
  task          text NOT NULL CHECK (task IN ('summarize', 'draft_reply', 'next_actions', 'ask')),
  subject_type  text CHECK (subject_type IN ('company', 'person', 'deal', 'project')),
  subject_id    uuid,
  instructions  text CHECK (char_length(instructions) <= 4000),
  -- The role of the credential that asked (an API key's, which may be below its creator's), or
  -- NULL for the user's own: the worker reads with the lower of it and the user's current role.
  role_cap      text CHECK (role_cap IN ('owner', 'admin', 'member', 'viewer')),
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  output        jsonb,
  usage         jsonb CHECK (usage IS NULL OR jsonb_typeof(usage) = 'object'),
  stop_reason   text CHECK (char_length(stop_reason) <= 100),
  shown         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(shown) = 'array'),
  error         jsonb CHECK (error IS NULL OR jsonb_typeof(error) = 'object'),
  applied       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(applied) = 'object'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  version       integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  CHECK ((subject_type IS NULL) = (subject_id IS NULL)),
  CHECK (status = 'queued' OR status = 'failed' OR started_at IS NOT NULL),
  CHECK ((status IN ('completed', 'failed')) = (finished_at IS NOT NULL)),
  CHECK (status = 'failed' OR error IS NULL)
);
SELECT hearth_protect_tenant_table('ai_runs');
-- GET /v1/ai/runs: newest first, for the org (admins) and for one requester (members).
CREATE INDEX ai_runs_org_created ON ai_runs (org_id, created_at, id);
CREATE INDEX ai_runs_org_user_created ON ai_runs (org_id, user_id, created_at, id);

-- Least privilege: the API inserts what a requester chooses (ids, status and times are the
-- database's); the worker moves the status and stores the outcome; apply records what it applied.
GRANT SELECT ON ai_runs TO hearth_app;
GRANT INSERT (org_id, user_id, task, subject_type, subject_id, instructions, role_cap) ON ai_runs TO hearth_app;
GRANT UPDATE (status, output, usage, stop_reason, shown, error, applied, started_at, finished_at)
  ON ai_runs TO hearth_app;

-- Statuses only move forward (queued -> running -> completed | failed; queued -> failed), the
-- request itself never changes, and every change moves the version.
CREATE FUNCTION hearth_ai_run_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'queued' AND NEW.status IN ('running', 'failed'))
    OR (OLD.status = 'running' AND NEW.status IN ('completed', 'failed'))
  ) THEN
    RAISE EXCEPTION 'AI run % cannot go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.applied IS DISTINCT FROM OLD.applied AND NOT (OLD.status = 'completed' AND NEW.status = 'completed') THEN
    RAISE EXCEPTION 'AI run % is not completed: nothing to apply', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER ai_runs_change BEFORE UPDATE ON ai_runs FOR EACH ROW EXECUTE FUNCTION hearth_ai_run_change();
