-- Retention overrides: an org may keep a kind of data LONGER than the platform's period
-- (hearth.lifecycle.retention holds the policy: kind -> period -> method), never shorter. The
-- override is a number of seconds; the check that it is not below the default is the route's
-- (it knows the policy) and the purge's again (it takes the greater of the two), so a row written
-- here by hand cannot shorten anything.
--
-- The purge schedules (system role) read the overrides to compute each org's cutoff.

CREATE TABLE retention_overrides (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  kind        text NOT NULL CHECK (kind ~ '^[a-z_]{1,64}$'),
  seconds     bigint NOT NULL CHECK (seconds > 0),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, kind)
);
SELECT hearth_protect_tenant_table('retention_overrides');
GRANT SELECT, INSERT, DELETE ON retention_overrides TO hearth_app;
GRANT UPDATE (seconds, updated_at) ON retention_overrides TO hearth_app;
GRANT SELECT (org_id, kind, seconds) ON retention_overrides TO hearth_system;
CREATE POLICY system_select ON retention_overrides FOR SELECT TO hearth_system USING (true);
