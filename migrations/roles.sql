-- Cluster-wide roles. Applied by `hearth migrate` before the numbered migrations, on every run,
-- as the connecting (administrative) user, so it must stay idempotent.
--
--   hearth_owner   owns every object; numbered migrations run as this role (SET ROLE).
--   hearth_app     the request path: owns nothing, NOBYPASSRLS, sees one tenant at a time.
--   hearth_system  the few cross-tenant jobs: NOBYPASSRLS too; reaches across tenants only
--                  through the explicit `system_*` policies and grants of each table.

DO $$ BEGIN
  CREATE ROLE hearth_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

DO $$ BEGIN
  CREATE ROLE hearth_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

DO $$ BEGIN
  CREATE ROLE hearth_system LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- The migrating user must be able to SET ROLE hearth_owner.
DO $$ BEGIN
  IF NOT pg_has_role(current_user, 'hearth_owner', 'MEMBER') THEN
    EXECUTE format('GRANT hearth_owner TO %I', current_user);
  END IF;
END $$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO hearth_owner;
GRANT USAGE ON SCHEMA public TO hearth_app, hearth_system;
