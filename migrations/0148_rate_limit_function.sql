-- The request count every route sends in its first round trip, as a function: a PL/pgSQL
-- function keeps its statements' plans for the session, where the same statement sent by the
-- driver (no named prepared statements: they would pin connections behind RDS Proxy) was
-- planned on every request. Measured beside a raw SELECT (benchmarks/crm_get_invoke.py), the
-- count sent as a statement cost about as much as the route's own read.
--
-- Counts one request in the minute's windows: per (org, credential) when p_org is given, per
-- user across every org when p_user is given; answers both counts (null where not counted) and
-- the seconds until the windows reset. Runs as the caller: row-level security limits it to the
-- transaction's org (app.org_id) and user (app.user_id), as the statement was.
CREATE FUNCTION hearth_count_request(
  p_org uuid, p_subject text, p_user uuid, OUT hits int, OUT user_hits int, OUT reset_seconds int
)
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  this_minute timestamptz := date_trunc('minute', now());
BEGIN
  IF p_org IS NOT NULL THEN
    INSERT INTO rate_limit_counters AS c (org_id, subject, window_start, hits)
    VALUES (p_org, p_subject, this_minute, 1)
    ON CONFLICT (org_id, subject, window_start) DO UPDATE SET hits = c.hits + 1
    RETURNING c.hits INTO hits;
  END IF;
  IF p_user IS NOT NULL THEN
    INSERT INTO user_rate_counters AS u (user_id, subject, window_start, hits)
    VALUES (p_user, 'requests', this_minute, 1)
    ON CONFLICT (user_id, subject, window_start) DO UPDATE SET hits = u.hits + 1
    RETURNING u.hits INTO user_hits;
  END IF;
  reset_seconds := GREATEST(1, ceil(extract(epoch FROM this_minute + interval '1 minute' - now())))::int;
END $$;
REVOKE ALL ON FUNCTION hearth_count_request(uuid, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_count_request(uuid, text, uuid) TO hearth_app;
