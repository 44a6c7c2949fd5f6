-- Audit rows: the database says when and in which order, the request context says who and from
-- where; the inserter names only what happened.
--
-- hearth_app inserts org_id, action, resource_type, resource_id and changes. The chain trigger
-- sets occurred_at (clock_timestamp()), and actor_type, actor_id, ip, user_agent and request_id
-- from the transaction-local setting app.audit_context, which the route kit sets when it opens
-- the route's transaction, from the authenticated principal and the request (JSON:
-- {"actor_type", "actor_id", "ip", "user_agent", "request_id"}). Without it an audit row is
-- refused. seq, prev_hash and hash stay the trigger's.
--
-- The chain heads are written only by the trigger, which runs as its owner (SECURITY DEFINER,
-- fixed search_path, every object schema-qualified); hearth_app reads them (verification) and
-- nothing more. Row-level security still applies inside the trigger (the tables force it), so
-- it reaches the head of the org of the row being inserted only.

REVOKE INSERT ON audit_logs FROM hearth_app;
GRANT INSERT (org_id, action, resource_type, resource_id, changes) ON audit_logs TO hearth_app;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain_heads FROM hearth_app;
GRANT SELECT ON audit_chain_heads TO hearth_app;

CREATE OR REPLACE FUNCTION audit_logs_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  context jsonb := nullif(current_setting('app.audit_context', true), '')::jsonb;
  head public.audit_chain_heads%ROWTYPE;
BEGIN
  IF context IS NULL OR jsonb_typeof(context) <> 'object' THEN
    RAISE EXCEPTION 'permission denied: an audit row needs the request context (app.audit_context)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.occurred_at := clock_timestamp();
  NEW.actor_type := context ->> 'actor_type';
  NEW.actor_id := context ->> 'actor_id';
  NEW.ip := context ->> 'ip';
  NEW.user_agent := left(context ->> 'user_agent', 512);
  NEW.request_id := context ->> 'request_id';
  INSERT INTO public.audit_chain_heads (org_id, last_seq, last_hash)
  VALUES (NEW.org_id, 0, ''::bytea)
  ON CONFLICT (org_id) DO NOTHING;
  SELECT * INTO STRICT head FROM public.audit_chain_heads WHERE org_id = NEW.org_id FOR UPDATE;
  NEW.seq := head.last_seq + 1;
  NEW.prev_hash := head.last_hash;
  NEW.hash := public.audit_row_hash(NEW);
  UPDATE public.audit_chain_heads SET last_seq = NEW.seq, last_hash = NEW.hash WHERE org_id = NEW.org_id;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION audit_logs_chain() FROM PUBLIC;
