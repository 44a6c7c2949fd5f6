-- The daily backup check's results: one row per check of one database (instance or cluster) per
-- run. Not tenant data: only the system role reads and writes them (RLS forced, its own policies;
-- the app role has no grant at all).

CREATE TABLE backup_checks (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  checked_at  timestamptz NOT NULL,
  target      text NOT NULL CHECK (char_length(target) BETWEEN 1 AND 255),
  check_name  text NOT NULL CHECK (check_name IN ('snapshot_age', 'backup_retention', 'storage_encrypted',
                'restore_lag', 'deletion_protection')),
  passed      boolean NOT NULL,
  observed    text CHECK (char_length(observed) <= 500),
  expected    text CHECK (char_length(expected) <= 500)
);
CREATE INDEX backup_checks_time ON backup_checks (checked_at DESC);
ALTER TABLE backup_checks ENABLE ROW LEVEL SECURITY;
ALTER TABLE backup_checks FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON backup_checks TO hearth_system;
CREATE POLICY system_select ON backup_checks FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_insert ON backup_checks FOR INSERT TO hearth_system WITH CHECK (true);
