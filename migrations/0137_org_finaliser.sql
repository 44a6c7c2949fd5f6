-- Org deletion, last step: the daily OrgFinaliser (system role) removes every row of an org
-- whose grace period has ended, table by table in foreign-key order, in batches, then the org.
--
-- The system role reaches those rows only: on every tenant table a SELECT and a DELETE policy
-- whose condition is "the row's org was deleted more than 30 days ago" (the law's grace period;
-- HEARTH_ORG_DELETION_GRACE_DAYS may only lengthen it), through hearth_org_past_grace, and
-- SELECT on the primary key's columns alone (what a batch names its rows by). A table added later gets its pair in
-- its own migration (SELECT hearth_allow_finaliser('<table>')); the finaliser's test fails
-- for a table it cannot empty.

-- Runs as its caller (the system role reads orgs' id and deleted_at through its own policy).
CREATE FUNCTION hearth_org_past_grace(org uuid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.orgs o
    WHERE o.id = org AND o.deleted_at IS NOT NULL AND o.deleted_at < now() - interval '30 days'
  )
$$;
REVOKE EXECUTE ON FUNCTION hearth_org_past_grace(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_org_past_grace(uuid) TO hearth_system;

CREATE FUNCTION hearth_allow_finaliser(tbl regclass, key_column text DEFAULT 'org_id')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  key_columns text;
  -- orgs judges its own rows (a policy on orgs must not read orgs again)
  past_grace text := CASE WHEN tbl = 'orgs'::regclass
    THEN 'deleted_at IS NOT NULL AND deleted_at < now() - interval ''30 days'''
    ELSE format('hearth_org_past_grace(%I)', key_column) END;
BEGIN
  SELECT string_agg(quote_ident(a.attname), ', ') INTO key_columns
  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
  WHERE i.indrelid = tbl AND i.indisprimary;
  IF key_columns IS NULL THEN
    RAISE EXCEPTION '% has no primary key: the finaliser names rows by it', tbl;
  END IF;
  EXECUTE format('CREATE POLICY system_select_past_grace ON %s FOR SELECT TO hearth_system USING (%s)',
    tbl, past_grace);
  EXECUTE format('CREATE POLICY system_delete_past_grace ON %s FOR DELETE TO hearth_system USING (%s)',
    tbl, past_grace);
  EXECUTE format('GRANT SELECT (%I), SELECT (%s), DELETE ON %s TO hearth_system', key_column, key_columns, tbl);
END $$;

DO $$
DECLARE t record;
BEGIN
  FOR t IN
    SELECT c.oid::regclass AS tbl FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p')
  LOOP
    PERFORM hearth_allow_finaliser(t.tbl);
  END LOOP;
END $$;
SELECT hearth_allow_finaliser('orgs', 'id');
-- The finaliser lists the orgs past their grace period (and when each was deleted).
GRANT SELECT (deleted_at) ON orgs TO hearth_system;

-- What is left of a deleted org: that it existed, when it was deleted, and when and how much was
-- removed. Nothing else (no name, no people): the audit rows went with the org (docs/decisions.md).
CREATE TABLE org_deletions (
  id            uuid PRIMARY KEY,
  deleted_at    timestamptz NOT NULL,
  -- the org.deletion_finalising event the provider areas act on (the rows go once it is published)
  event_id      uuid,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finalised_at  timestamptz,
  rows_deleted  bigint NOT NULL DEFAULT 0 CHECK (rows_deleted >= 0)
);
ALTER TABLE org_deletions ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_deletions FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE (finalised_at, rows_deleted) ON org_deletions TO hearth_system;
CREATE POLICY system_select ON org_deletions FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_insert ON org_deletions FOR INSERT TO hearth_system WITH CHECK (true);
CREATE POLICY system_update ON org_deletions FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);
