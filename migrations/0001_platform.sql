-- Platform core: the tenant-protection helper, orgs, users, members, API keys, the audit log,
-- rate-limit counters and idempotency records.
--
-- Every tenant table: org_id, RLS enabled AND forced, the four fail-closed policies (through
-- hearth_protect_tenant_table, called right after the table is created), a primary key that
-- starts with org_id, composite foreign keys, unique constraints that include org_id.

-- Functions are not callable by everyone unless granted.
ALTER DEFAULT PRIVILEGES FOR ROLE hearth_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Enables and forces RLS on a table and creates the four fail-closed tenant policies:
--   <key> = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)
-- With no tenant set (or an empty one) the right side is NULL: no row is visible and no
-- insert passes.
CREATE FUNCTION hearth_protect_tenant_table(tbl regclass, key_column text DEFAULT 'org_id')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cond text := format('%I = (SELECT NULLIF(current_setting(''app.org_id'', true), '''')::uuid)', key_column);
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('CREATE POLICY tenant_select ON %s FOR SELECT USING (%s)', tbl, cond);
  EXECUTE format('CREATE POLICY tenant_insert ON %s FOR INSERT WITH CHECK (%s)', tbl, cond);
  EXECUTE format('CREATE POLICY tenant_update ON %s FOR UPDATE USING (%s) WITH CHECK (%s)', tbl, cond, cond);
  EXECUTE format('CREATE POLICY tenant_delete ON %s FOR DELETE USING (%s)', tbl, cond);
END $$;

-- Keeps updated_at and version current on UPDATE (version backs ETag / If-Match).
CREATE FUNCTION hearth_touch_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;

------------------------------------------------------------------------------------------------
-- orgs: the tenants themselves (the tenant key is `id`).
CREATE TABLE orgs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  plan        text NOT NULL DEFAULT 'free' CHECK (plan ~ '^[a-z0-9_]{1,40}$'),
  timezone    text NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) BETWEEN 1 AND 64),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1
);
SELECT hearth_protect_tenant_table('orgs', 'id');
CREATE TRIGGER orgs_touch BEFORE UPDATE ON orgs FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
GRANT SELECT, INSERT, UPDATE ON orgs TO hearth_app;
GRANT SELECT (id, plan) ON orgs TO hearth_system;
CREATE POLICY system_select ON orgs FOR SELECT TO hearth_system USING (true);

------------------------------------------------------------------------------------------------
-- users: people known from the identity provider. Not tenant data by itself: the app role sees
-- the current user and the members of the current org; only the system role (the authorizer)
-- provisions users.
CREATE TABLE users (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  idp_subject  text NOT NULL UNIQUE CHECK (char_length(idp_subject) BETWEEN 1 AND 255),
  email        text CHECK (email IS NULL OR char_length(email) <= 320),
  name         text CHECK (name IS NULL OR char_length(name) <= 200),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
GRANT SELECT ON users TO hearth_app;
GRANT SELECT, INSERT, UPDATE (email, name, updated_at) ON users TO hearth_system;
CREATE POLICY system_select ON users FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_insert ON users FOR INSERT TO hearth_system WITH CHECK (true);
CREATE POLICY system_update ON users FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);

------------------------------------------------------------------------------------------------
-- org_members: who belongs to which org, with which role.
CREATE TABLE org_members (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  user_id     uuid NOT NULL REFERENCES users (id),
  role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, user_id)
);
SELECT hearth_protect_tenant_table('org_members');
CREATE TRIGGER org_members_touch BEFORE UPDATE ON org_members FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
GRANT SELECT, INSERT, UPDATE, DELETE ON org_members TO hearth_app;
GRANT SELECT ON org_members TO hearth_system;
CREATE POLICY system_select ON org_members FOR SELECT TO hearth_system USING (true);

-- The app role sees users who share the current org, and the current user.
CREATE POLICY app_select ON users FOR SELECT TO hearth_app USING (
  id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid)
  OR EXISTS (
    SELECT 1 FROM org_members m
    WHERE m.user_id = users.id
      AND m.org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)
  )
);

------------------------------------------------------------------------------------------------
-- api_keys: `hk_…` secrets, stored only as HMAC-SHA256(pepper, key).
CREATE TABLE api_keys (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  prefix        text NOT NULL,
  key_hash      bytea NOT NULL CHECK (octet_length(key_hash) = 32),
  role          text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_by    uuid NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, key_hash)
);
SELECT hearth_protect_tenant_table('api_keys');
-- The authorizer finds a key by its hash before it knows the org: the one index on a tenant
-- table that does not lead with org_id (tests/integration/test_catalog.py lists it).
CREATE INDEX api_keys_key_hash ON api_keys (key_hash);
CREATE INDEX api_keys_org_created ON api_keys (org_id, created_at, id);
GRANT SELECT, INSERT, UPDATE (name, revoked_at) ON api_keys TO hearth_app;
GRANT SELECT, UPDATE (last_used_at) ON api_keys TO hearth_system;
CREATE POLICY system_select ON api_keys FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_update ON api_keys FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);

------------------------------------------------------------------------------------------------
-- audit_logs: append-only for the app role (INSERT and SELECT only) and hash-chained per org.
CREATE TABLE audit_logs (
  org_id         uuid NOT NULL REFERENCES orgs (id),
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  seq            bigint NOT NULL,
  occurred_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_type     text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
  actor_id       text,
  action         text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  resource_type  text NOT NULL,
  resource_id    text,
  ip             text,
  user_agent     text,
  request_id     text,
  changes        jsonb,
  prev_hash      bytea NOT NULL,
  hash           bytea NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, seq)
);
SELECT hearth_protect_tenant_table('audit_logs');
CREATE INDEX audit_logs_org_action ON audit_logs (org_id, action, seq);
CREATE INDEX audit_logs_org_actor ON audit_logs (org_id, actor_id, seq);
CREATE INDEX audit_logs_org_resource ON audit_logs (org_id, resource_type, resource_id, seq);
CREATE INDEX audit_logs_org_time ON audit_logs (org_id, occurred_at);
GRANT SELECT, INSERT ON audit_logs TO hearth_app;

-- The head of each org's chain; its row lock serialises inserts per org.
CREATE TABLE audit_chain_heads (
  org_id     uuid PRIMARY KEY REFERENCES orgs (id),
  last_seq   bigint NOT NULL,
  last_hash  bytea NOT NULL
);
SELECT hearth_protect_tenant_table('audit_chain_heads');
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO hearth_app;

-- The hash of one row: sha256(prev_hash || its fields joined by U+001F). Used by the insert
-- trigger and by the verifier, so both always agree.
CREATE FUNCTION audit_row_hash(a audit_logs) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT sha256(a.prev_hash || convert_to(concat_ws(chr(31),
    a.org_id::text, a.seq::text, a.id::text,
    (extract(epoch FROM a.occurred_at) * 1000000)::bigint::text,
    a.actor_type, coalesce(a.actor_id, ''), a.action, a.resource_type, coalesce(a.resource_id, ''),
    coalesce(a.ip, ''), coalesce(a.user_agent, ''), coalesce(a.request_id, ''),
    coalesce(a.changes::text, '')), 'UTF8'))
$$;
GRANT EXECUTE ON FUNCTION audit_row_hash(audit_logs) TO hearth_app;

CREATE FUNCTION audit_logs_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head audit_chain_heads%ROWTYPE;
BEGIN
  INSERT INTO audit_chain_heads (org_id, last_seq, last_hash)
  VALUES (NEW.org_id, 0, ''::bytea)
  ON CONFLICT (org_id) DO NOTHING;
  SELECT * INTO STRICT head FROM audit_chain_heads WHERE org_id = NEW.org_id FOR UPDATE;
  NEW.seq := head.last_seq + 1;
  NEW.prev_hash := head.last_hash;
  NEW.hash := audit_row_hash(NEW);
  UPDATE audit_chain_heads SET last_seq = NEW.seq, last_hash = NEW.hash WHERE org_id = NEW.org_id;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_logs_chain BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION audit_logs_chain();

------------------------------------------------------------------------------------------------
-- rate_limit_counters: requests per credential per fixed one-minute window.
CREATE TABLE rate_limit_counters (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  subject       text NOT NULL,
  window_start  timestamptz NOT NULL,
  hits          integer NOT NULL,
  PRIMARY KEY (org_id, subject, window_start)
);
SELECT hearth_protect_tenant_table('rate_limit_counters');
GRANT SELECT, INSERT, UPDATE ON rate_limit_counters TO hearth_app;
GRANT SELECT, DELETE ON rate_limit_counters TO hearth_system;
CREATE POLICY system_select ON rate_limit_counters FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_delete ON rate_limit_counters FOR DELETE TO hearth_system USING (true);

------------------------------------------------------------------------------------------------
-- idempotency_keys: the stored response of a POST, replayed for 24 h, per org and credential.
CREATE TABLE idempotency_keys (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  credential    text NOT NULL,
  key           text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
  request_hash  bytea NOT NULL,
  status        integer NOT NULL,
  headers       jsonb NOT NULL DEFAULT '{}',
  body          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (org_id, credential, key)
);
SELECT hearth_protect_tenant_table('idempotency_keys');
CREATE INDEX idempotency_keys_org_expiry ON idempotency_keys (org_id, expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO hearth_app;
GRANT SELECT, DELETE ON idempotency_keys TO hearth_system;
CREATE POLICY system_select ON idempotency_keys FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_delete ON idempotency_keys FOR DELETE TO hearth_system USING (true);
