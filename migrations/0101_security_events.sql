-- security_events: what happened to a user's sign-in security, per user (not tenant data): sign-
-- ins (from a new device or not), failed and locked sign-ins, password resets asked for, second
-- factors changed, sessions ended. The user sees their own; an org's admins and owners see those of
-- the org's members. Written by the user pool's triggers and the authorizer (system role) and by
-- the user's own routes (app role, their own rows only). Never changed, never deleted by a route.
CREATE TABLE security_events (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id),
  kind         text NOT NULL CHECK (kind IN ('signed_up', 'sign_in', 'new_device_sign_in',
                 'sign_in_failed', 'sign_in_locked', 'password_reset_requested', 'mfa_changed',
                 'session_ended')),
  ip           text CHECK (char_length(ip) <= 64),
  detail       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
  occurred_at  timestamptz NOT NULL
);
CREATE INDEX security_events_user_idx ON security_events (user_id, occurred_at DESC, id DESC);
ALTER TABLE security_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE security_events FORCE ROW LEVEL SECURITY;
-- The user's own; or a member's of the current org when the current user is its admin or owner.
CREATE POLICY user_select ON security_events FOR SELECT TO hearth_app USING (
  user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid)
  OR EXISTS (
    SELECT 1 FROM org_members subject JOIN org_members viewer ON viewer.org_id = subject.org_id
    WHERE subject.user_id = security_events.user_id
      AND subject.org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)
      AND viewer.user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid)
      AND viewer.role IN ('owner', 'admin')
  )
);
CREATE POLICY user_insert ON security_events FOR INSERT TO hearth_app
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
GRANT SELECT, INSERT ON security_events TO hearth_app;
GRANT SELECT, INSERT ON security_events TO hearth_system;
CREATE POLICY system_select ON security_events FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_insert ON security_events FOR INSERT TO hearth_system WITH CHECK (true);

-- sign_in_attempts: each password sign-in the user pool's pre-authentication trigger saw, and
-- whether post-authentication followed (succeeded_at). Attempts never followed are failures:
-- enough of them in the lockout window lock the account (the pre-authentication trigger refuses).
-- Only the triggers (system role) read and write them.
CREATE TABLE sign_in_attempts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id),
  started_at    timestamptz NOT NULL,
  succeeded_at  timestamptz,
  failed        boolean NOT NULL DEFAULT false
);
CREATE INDEX sign_in_attempts_user_idx ON sign_in_attempts (user_id, started_at DESC);
ALTER TABLE sign_in_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE sign_in_attempts FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON sign_in_attempts TO hearth_system;
GRANT UPDATE (succeeded_at, failed) ON sign_in_attempts TO hearth_system;
CREATE POLICY system_select ON sign_in_attempts FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_insert ON sign_in_attempts FOR INSERT TO hearth_system WITH CHECK (true);
CREATE POLICY system_update ON sign_in_attempts FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);
