-- exports: one request for a copy of an org's data (scope org), of a project's (scope project) or
-- of the requester's own (scope user). POST /v1/exports inserts it `queued` and emits
-- export.requested (the event dispatch consumer sends it to the ExportQueue); the export worker
-- claims it (`running`), streams every table of its scope into a zip in the export bucket and
-- ends it `completed` (object key, size, the manifest's counts per table) or `failed` (a code).
-- The zip itself lives two days (the bucket's lifecycle rule); GET /v1/exports/{id} hands out a
-- presigned URL valid 24 hours while it is there.

CREATE TABLE exports (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  requested_by  uuid NOT NULL REFERENCES users (id),
  scope         text NOT NULL CHECK (scope IN ('org', 'user', 'project')),
  project_id    uuid,
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  object_key    text CHECK (char_length(object_key) <= 300),
  size_bytes    bigint CHECK (size_bytes >= 0),
  counts        jsonb CHECK (counts IS NULL OR jsonb_typeof(counts) = 'object'),
  schema_version text CHECK (char_length(schema_version) <= 100),
  error         text CHECK (char_length(error) <= 100),
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  expires_at    timestamptz,
  version       integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  -- no foreign key to the project: an export of a project outlives the project (it is what is
  -- left of it once purged), and the route checks the project is the org's
  CHECK ((scope = 'project') = (project_id IS NOT NULL)),
  CHECK ((status = 'completed') = (object_key IS NOT NULL)),
  CHECK ((status IN ('completed', 'failed')) = (finished_at IS NOT NULL)),
  CHECK (status = 'failed' OR error IS NULL)
);
SELECT hearth_protect_tenant_table('exports');
-- GET /v1/exports: newest first, for the org (admins) and for one requester (members).
CREATE INDEX exports_org_created ON exports (org_id, created_at, id);
CREATE INDEX exports_org_requester_created ON exports (org_id, requested_by, created_at, id);

-- Least privilege: the API inserts what a requester chooses; the worker moves the status and
-- stores the outcome.
GRANT SELECT ON exports TO hearth_app;
GRANT INSERT (org_id, requested_by, scope, project_id) ON exports TO hearth_app;
GRANT UPDATE (status, object_key, size_bytes, counts, schema_version, error, started_at, finished_at, expires_at)
  ON exports TO hearth_app;

-- Statuses only move forward (queued -> running -> completed | failed; queued -> failed); the
-- request itself never changes; every change moves the version.
CREATE FUNCTION hearth_export_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'queued' AND NEW.status IN ('running', 'failed'))
    OR (OLD.status = 'running' AND NEW.status IN ('completed', 'failed'))
  ) THEN
    RAISE EXCEPTION 'export % cannot go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER exports_change BEFORE UPDATE ON exports FOR EACH ROW EXECUTE FUNCTION hearth_export_change();

-- The schema version an export's manifest names: the newest migration applied. The migrations'
-- own table stays the owner's; the app role reads the one value through this function.
CREATE FUNCTION hearth_schema_version() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT lpad(version::text, 4, '0') || '_' || name FROM public.hearth_migrations ORDER BY version DESC LIMIT 1
$$;
REVOKE EXECUTE ON FUNCTION hearth_schema_version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_schema_version() TO hearth_app;
