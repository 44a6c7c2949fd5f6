-- user_rate_counters: what one user does across every org, per fixed window, so that making more
-- orgs (or API keys in them) buys no more budget: the requests of a minute (a key's count under
-- the user who created it), and the orgs created in a day.
--
-- Not tenant data: a row belongs to a user, and the app role reaches only the rows of the user
-- its transaction names (app.user_id, set per transaction like app.org_id). With no user set, no
-- row is visible and no insert passes: fail closed.
CREATE TABLE user_rate_counters (
  user_id       uuid NOT NULL REFERENCES users (id),
  subject       text NOT NULL CHECK (subject IN ('requests', 'org_creations')),
  window_start  timestamptz NOT NULL,
  hits          integer NOT NULL,
  PRIMARY KEY (user_id, subject, window_start)
);
ALTER TABLE user_rate_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_rate_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY user_select ON user_rate_counters FOR SELECT TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY user_insert ON user_rate_counters FOR INSERT TO hearth_app
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY user_update ON user_rate_counters FOR UPDATE TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
-- The count is the only column a route changes.
GRANT SELECT, INSERT ON user_rate_counters TO hearth_app;
GRANT UPDATE (hits) ON user_rate_counters TO hearth_app;
-- For a purge of expired windows (as granted on rate_limit_counters).
GRANT SELECT, DELETE ON user_rate_counters TO hearth_system;
CREATE POLICY system_select ON user_rate_counters FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_delete ON user_rate_counters FOR DELETE TO hearth_system USING (true);
