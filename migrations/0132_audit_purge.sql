-- Audit rows are purged after their retention (90 days, or an org's longer override) without
-- breaking verification: the purge removes a PREFIX of an org's chain, oldest first, and in the
-- same transaction records the last purged row's (seq, hash) in audit_checkpoints.
-- GET /v1/audit-logs/verify starts from the checkpoint: the first remaining row must follow it
-- (seq + 1, prev_hash = its hash), so a rewrite after the checkpoint is still caught, and so is
-- removing rows beyond it.
--
-- audit_logs stays append-only for the app role and the system role may not delete from it: the
-- only way to remove rows is audit_purge(), a SECURITY DEFINER function (owner) that the system
-- role may execute. It cannot remove rows younger than 90 days (the law's floor), nor younger
-- than the org's override, nor anything but a prefix, and it always writes the checkpoint.

CREATE TABLE audit_checkpoints (
  org_id     uuid PRIMARY KEY REFERENCES orgs (id),
  seq        bigint NOT NULL CHECK (seq >= 1),
  hash       bytea NOT NULL CHECK (octet_length(hash) = 32),
  purged_at  timestamptz NOT NULL
);
SELECT hearth_protect_tenant_table('audit_checkpoints');
GRANT SELECT ON audit_checkpoints TO hearth_app;
GRANT SELECT ON audit_checkpoints TO hearth_system;
CREATE POLICY system_select ON audit_checkpoints FOR SELECT TO hearth_system USING (true);

CREATE FUNCTION audit_purge(org uuid, period interval, max_rows integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  saved text := current_setting('app.org_id', true);
  keep interval;
  before timestamptz;
  done bigint;
  young bigint;
  upto bigint;
  upto_hash bytea;
  n integer;
BEGIN
  IF max_rows IS NULL OR max_rows < 1 THEN
    RAISE EXCEPTION 'max_rows must be positive' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The owner is under forced RLS too: act as the org for the rest of the call.
  PERFORM set_config('app.org_id', org::text, true);
  SELECT greatest(period, interval '90 days',
                  coalesce((SELECT make_interval(secs => o.seconds) FROM public.retention_overrides o
                            WHERE o.org_id = org AND o.kind = 'audit'), interval '0'))
    INTO keep;
  before := now() - keep;
  SELECT c.seq INTO done FROM public.audit_checkpoints c WHERE c.org_id = org FOR UPDATE;
  done := coalesce(done, 0);
  -- Only a prefix goes: up to the row before the first one too young, at most max_rows.
  SELECT min(a.seq) INTO young FROM public.audit_logs a
    WHERE a.org_id = org AND a.seq > done AND a.seq <= done + max_rows AND a.occurred_at >= before;
  IF young IS NOT NULL THEN
    upto := young - 1;
  ELSE
    SELECT max(a.seq) INTO upto FROM public.audit_logs a
      WHERE a.org_id = org AND a.seq > done AND a.seq <= done + max_rows;
  END IF;
  IF upto IS NULL OR upto <= done THEN
    PERFORM set_config('app.org_id', coalesce(saved, ''), true);
    RETURN 0;
  END IF;
  SELECT a.hash INTO upto_hash FROM public.audit_logs a WHERE a.org_id = org AND a.seq = upto;
  IF NOT FOUND OR (SELECT count(*) FROM public.audit_logs a
                   WHERE a.org_id = org AND a.seq > done AND a.seq <= upto) <> upto - done THEN
    -- A gap in the chain is tampering: the purge never turns it into a clean checkpoint.
    RAISE EXCEPTION 'the audit chain of org % has rows missing before row %: not purged', org, upto + 1
      USING ERRCODE = 'data_corrupted';
  END IF;
  DELETE FROM public.audit_logs a WHERE a.org_id = org AND a.seq > done AND a.seq <= upto;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO public.audit_checkpoints (org_id, seq, hash, purged_at)
  VALUES (org, upto, upto_hash, clock_timestamp())
  ON CONFLICT (org_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, purged_at = EXCLUDED.purged_at;
  PERFORM set_config('app.org_id', coalesce(saved, ''), true);
  RETURN n;
END $$;
REVOKE ALL ON FUNCTION audit_purge(uuid, interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_purge(uuid, interval, integer) TO hearth_system;
