-- Sign-in with a Cognito user pool: sessions with an idle limit, MFA state, and each org's
-- security settings (MFA required, a shorter idle limit).
--
-- users.mfa_methods: the second factors the user pool has enrolled for the user ('totp', 'sms'),
-- as last read from it (AdminGetUser) at a new session or by GET /v1/me; mfa_checked_at says when.
ALTER TABLE users ADD COLUMN mfa_methods text[] NOT NULL DEFAULT '{}'
  CHECK (mfa_methods <@ ARRAY['totp', 'sms']::text[]);
ALTER TABLE users ADD COLUMN mfa_checked_at timestamptz;
GRANT UPDATE (mfa_methods, mfa_checked_at) ON users TO hearth_system;
-- GET /v1/me refreshes the caller's own MFA state (app.user_id names the caller).
GRANT UPDATE (mfa_methods, mfa_checked_at) ON users TO hearth_app;
CREATE POLICY app_update_self ON users FOR UPDATE TO hearth_app
  USING (id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));

------------------------------------------------------------------------------------------------
-- user_sessions: one row per sign-in (the user pool's origin_jti: every access token refreshed
-- from one sign-in carries it), recorded by the authorizer on first use. Not tenant data: a
-- session belongs to a user, across orgs. The app role reaches only the rows of the user its
-- transaction names (app.user_id) and may only end them; the authorizer (system role) records,
-- touches and ends them. A session ends once (ended_at is never cleared: statuses only move
-- forward, enforced by the trigger below).
CREATE TABLE user_sessions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id),
  origin_jti    text NOT NULL CHECK (char_length(origin_jti) BETWEEN 1 AND 255),
  client_id     text CHECK (char_length(client_id) <= 255),
  user_agent    text CHECK (char_length(user_agent) <= 500),
  ip            text CHECK (char_length(ip) <= 64),
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  ended_at      timestamptz,
  end_reason    text CHECK (end_reason IN ('signed_out', 'signed_out_everywhere', 'idle')),
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE UNIQUE INDEX user_sessions_origin_jti_key ON user_sessions (origin_jti);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id, created_at DESC, id DESC);
CREATE INDEX user_sessions_open_idx ON user_sessions (last_seen_at) WHERE ended_at IS NULL;

CREATE FUNCTION hearth_session_ends_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.ended_at IS NOT NULL AND (NEW.ended_at IS DISTINCT FROM OLD.ended_at
                                   OR NEW.end_reason IS DISTINCT FROM OLD.end_reason) THEN
    RAISE EXCEPTION 'a session that ended stays ended' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER user_sessions_end_once BEFORE UPDATE ON user_sessions
  FOR EACH ROW EXECUTE FUNCTION hearth_session_ends_once();

ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY user_select ON user_sessions FOR SELECT TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY user_update ON user_sessions FOR UPDATE TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
GRANT SELECT ON user_sessions TO hearth_app;
GRANT UPDATE (ended_at, end_reason) ON user_sessions TO hearth_app;
GRANT SELECT, INSERT ON user_sessions TO hearth_system;
GRANT UPDATE (last_seen_at, ended_at, end_reason) ON user_sessions TO hearth_system;
CREATE POLICY system_select ON user_sessions FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_insert ON user_sessions FOR INSERT TO hearth_system WITH CHECK (true);
CREATE POLICY system_update ON user_sessions FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);

------------------------------------------------------------------------------------------------
-- org_security_settings: one row per org, absent until an owner changes something (absent: MFA
-- not required, the platform's idle limit). session_idle_minutes can only shorten the platform's
-- 24 hours. The authorizer (system role) reads them when a member signs in to the org.
CREATE TABLE org_security_settings (
  org_id                uuid NOT NULL REFERENCES orgs (id),
  mfa_required          boolean NOT NULL DEFAULT false,
  session_idle_minutes  integer CHECK (session_idle_minutes BETWEEN 5 AND 1440),
  updated_by            uuid REFERENCES users (id),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  version               integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id)
);
SELECT hearth_protect_tenant_table('org_security_settings');
CREATE TRIGGER org_security_settings_touch BEFORE UPDATE ON org_security_settings
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
GRANT SELECT ON org_security_settings TO hearth_app;
GRANT INSERT (org_id, mfa_required, session_idle_minutes, updated_by) ON org_security_settings TO hearth_app;
GRANT UPDATE (mfa_required, session_idle_minutes, updated_by) ON org_security_settings TO hearth_app;
GRANT SELECT ON org_security_settings TO hearth_system;
CREATE POLICY system_select ON org_security_settings FOR SELECT TO hearth_system USING (true);
