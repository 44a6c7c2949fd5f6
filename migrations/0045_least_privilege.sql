-- Least privilege for the request path (hearth_app) and the cross-tenant jobs (hearth_system),
-- for the day an injection or leaked credentials hand a role to someone else.
--
-- hearth_app may UPDATE only the columns some route changes (read from the stores: orgs name and
-- timezone; a member's role; an API key's revocation; the rate-limit count; the Idempotency-Key
-- reply). An org's plan is never the app's to set, on insert either. A revoked API key stays
-- revoked. hearth_system reads ids where it only needs ids: the outbox sweep never sees event
-- payloads, and nothing it runs reads stored replies.
--
-- A table-level REVOKE also removes the column grants of that privilege, so the helper below keeps
-- the column grants an earlier migration made explicitly and grants the listed columns on top.

CREATE FUNCTION hearth_narrow_privilege(tbl regclass, privilege text, role_name name, columns text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  kept text[];
  wanted text;
BEGIN
  SELECT coalesce(array_agg(a.attname::text), '{}') INTO kept
  FROM pg_attribute a, aclexplode(a.attacl) x
  WHERE a.attrelid = tbl AND NOT a.attisdropped AND a.attnum > 0
    AND x.privilege_type = upper(privilege) AND x.grantee = role_name::regrole;
  EXECUTE format('REVOKE %s ON %s FROM %I', privilege, tbl, role_name);
  SELECT string_agg(DISTINCT quote_ident(c), ', ') INTO wanted FROM unnest(kept || columns) AS c;
  IF wanted IS NOT NULL THEN
    EXECUTE format('GRANT %s (%s) ON %s TO %I', privilege, wanted, tbl, role_name);
  END IF;
END $$;

------------------------------------------------------------------------------------------------
-- hearth_app

-- orgs: PATCH /v1/orgs/current changes name and timezone; creation names id, name and timezone.
-- The plan (rate limits, features) belongs to billing, run by the owner role.
SELECT hearth_narrow_privilege('orgs', 'insert', 'hearth_app', ARRAY['id', 'name', 'timezone']);
SELECT hearth_narrow_privilege('orgs', 'update', 'hearth_app', ARRAY['name', 'timezone']);

-- org_members: a member's role changes; who belongs to which org is inserted or deleted, never
-- rewritten. (updated_at and version are the touch trigger's.)
SELECT hearth_narrow_privilege('org_members', 'update', 'hearth_app', ARRAY['role']);

-- rate_limit_counters: the count goes up (ON CONFLICT DO UPDATE SET hits).
SELECT hearth_narrow_privilege('rate_limit_counters', 'update', 'hearth_app', ARRAY['hits']);

-- idempotency_keys: an expired key is reused by a new request (ON CONFLICT DO UPDATE).
SELECT hearth_narrow_privilege('idempotency_keys', 'update', 'hearth_app',
  ARRAY['request_hash', 'status', 'headers', 'body', 'body_sealed', 'created_at', 'expires_at']);

-- api_keys: keys are revoked, never renamed.
REVOKE UPDATE (name) ON api_keys FROM hearth_app;

-- project_members: members are added and removed; no route changes a project member's role.
REVOKE UPDATE (role) ON project_members FROM hearth_app;

-- A revoked key stays revoked: revoked_at, once set, never changes again for the app and system
-- roles (the owner role may repair a key, as `hearth seed` does for the local demo key).
CREATE FUNCTION api_keys_stay_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_has_role(current_user, 'hearth_owner', 'USAGE') THEN
    RAISE EXCEPTION 'permission denied: API key % is revoked and stays revoked', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER api_keys_stay_revoked BEFORE UPDATE OF revoked_at ON api_keys FOR EACH ROW
  WHEN (OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at)
  EXECUTE FUNCTION api_keys_stay_revoked();

------------------------------------------------------------------------------------------------
-- hearth_system

-- The outbox sweep finds unpublished events and publishes their ids: never their payloads.
SELECT hearth_narrow_privilege('domain_events', 'select', 'hearth_system',
  ARRAY['org_id', 'id', 'occurred_at', 'published_at']);

-- Expired Idempotency-Key records are purged by key and expiry: never the stored replies.
SELECT hearth_narrow_privilege('idempotency_keys', 'select', 'hearth_system',
  ARRAY['org_id', 'credential', 'key', 'expires_at']);

DROP FUNCTION hearth_narrow_privilege(regclass, text, name, text[]);
