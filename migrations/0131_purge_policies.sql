-- What the purge schedules (system role) may delete: one narrow system_delete policy per table,
-- its age check stated in SQL at the platform's default period (an org's override only makes the
-- purge's own cutoff older, never this one younger), and the columns the purge reads to find such
-- rows. Each table gets an index on the age that the purge walks, oldest first, across tenants.
--
-- The purge takes its batch with FOR UPDATE SKIP LOCKED (a row a live transaction holds is left
-- for the next run). Locking a row needs the UPDATE privilege on a column and passing an UPDATE
-- policy: where the system role updates nothing, it gets both for the purgeable rows only, with
-- WITH CHECK (false), so a lock is all it can take (an UPDATE of such a row fails).
--
-- Soft-deleted CRM records go 30 days after their deletion; what references them goes with them
-- by the foreign keys' own actions (links, timeline rows, GitHub links of tasks: ON DELETE
-- CASCADE; references from live rows: ON DELETE SET NULL). Pipelines and their stages are not
-- purged here (deals and stage changes refer to them without an action).

-- Expired Idempotency-Key replies (after their 24 h expiry).
DROP POLICY system_delete ON idempotency_keys;
CREATE POLICY system_delete ON idempotency_keys FOR DELETE TO hearth_system USING (expires_at < now());
CREATE INDEX idempotency_keys_purge ON idempotency_keys (expires_at);
GRANT UPDATE (expires_at) ON idempotency_keys TO hearth_system;
CREATE POLICY system_lock ON idempotency_keys FOR UPDATE TO hearth_system
  USING (expires_at < now()) WITH CHECK (false);

-- Rate-limit windows (one minute each) an hour after they closed.
DROP POLICY system_delete ON rate_limit_counters;
CREATE POLICY system_delete ON rate_limit_counters FOR DELETE TO hearth_system
  USING (window_start < now() - interval '1 hour');
CREATE INDEX rate_limit_counters_purge ON rate_limit_counters (window_start);
GRANT UPDATE (window_start) ON rate_limit_counters TO hearth_system;
CREATE POLICY system_lock ON rate_limit_counters FOR UPDATE TO hearth_system
  USING (window_start < now() - interval '1 hour') WITH CHECK (false);

-- Per-user windows (a minute, a day) two days after they opened.
DROP POLICY system_delete ON user_rate_counters;
CREATE POLICY system_delete ON user_rate_counters FOR DELETE TO hearth_system
  USING (window_start < now() - interval '2 days');
CREATE INDEX user_rate_counters_purge ON user_rate_counters (window_start);
GRANT UPDATE (window_start) ON user_rate_counters TO hearth_system;
CREATE POLICY system_lock ON user_rate_counters FOR UPDATE TO hearth_system
  USING (window_start < now() - interval '2 days') WITH CHECK (false);

-- Inbound webhook receipts after 30 days (providers stop retrying within 3).
GRANT SELECT (org_id, provider, delivery_id, received_at), DELETE ON inbound_webhook_receipts TO hearth_system;
CREATE POLICY system_select ON inbound_webhook_receipts FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_delete ON inbound_webhook_receipts FOR DELETE TO hearth_system
  USING (received_at < now() - interval '30 days');
CREATE INDEX inbound_webhook_receipts_purge ON inbound_webhook_receipts (received_at);
GRANT UPDATE (received_at) ON inbound_webhook_receipts TO hearth_system;
CREATE POLICY system_lock ON inbound_webhook_receipts FOR UPDATE TO hearth_system
  USING (received_at < now() - interval '30 days') WITH CHECK (false);

-- Published domain events 30 days after they occurred (never one the outbox has not published).
GRANT SELECT (org_id, id, occurred_at, published_at), DELETE ON domain_events TO hearth_system;
CREATE POLICY system_delete ON domain_events FOR DELETE TO hearth_system
  USING (published_at IS NOT NULL AND occurred_at < now() - interval '30 days');
CREATE INDEX domain_events_purge ON domain_events (occurred_at) WHERE published_at IS NOT NULL;

-- Webhook attempts (the support log) 30 days after the attempt.
GRANT SELECT (org_id, id, attempted_at), DELETE ON webhook_delivery_attempts TO hearth_system;
CREATE POLICY system_select ON webhook_delivery_attempts FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_delete ON webhook_delivery_attempts FOR DELETE TO hearth_system
  USING (attempted_at < now() - interval '30 days');
CREATE INDEX webhook_delivery_attempts_purge ON webhook_delivery_attempts (attempted_at);
GRANT UPDATE (attempted_at) ON webhook_delivery_attempts TO hearth_system;
CREATE POLICY system_lock ON webhook_delivery_attempts FOR UPDATE TO hearth_system
  USING (attempted_at < now() - interval '30 days') WITH CHECK (false);

-- Sign-in sessions 30 days after they ended (the idle expiry schedule ends them after 24 h).
GRANT DELETE ON user_sessions TO hearth_system;
CREATE POLICY system_delete ON user_sessions FOR DELETE TO hearth_system
  USING (ended_at < now() - interval '30 days');
CREATE INDEX user_sessions_purge ON user_sessions (ended_at) WHERE ended_at IS NOT NULL;

-- Security events after a year; sign-in attempts (the lockout counts minutes) after 30 days.
GRANT DELETE ON security_events TO hearth_system;
CREATE POLICY system_delete ON security_events FOR DELETE TO hearth_system
  USING (occurred_at < now() - interval '365 days');
CREATE INDEX security_events_purge ON security_events (occurred_at);
GRANT UPDATE (occurred_at) ON security_events TO hearth_system;
CREATE POLICY system_lock ON security_events FOR UPDATE TO hearth_system
  USING (occurred_at < now() - interval '365 days') WITH CHECK (false);
GRANT DELETE ON sign_in_attempts TO hearth_system;
CREATE POLICY system_delete ON sign_in_attempts FOR DELETE TO hearth_system
  USING (started_at < now() - interval '30 days');
CREATE INDEX sign_in_attempts_purge ON sign_in_attempts (started_at);

-- Soft-deleted CRM records: the system role sees only deleted rows, only their ids and deletion
-- time, and deletes only those deleted more than 30 days ago.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['interactions', 'notes', 'time_entries', 'tasks', 'deals', 'projects',
                           'people', 'companies'] LOOP
    EXECUTE format('GRANT SELECT (org_id, id, deleted_at), UPDATE (deleted_at), DELETE ON %I TO hearth_system', t);
    EXECUTE format('CREATE POLICY system_select ON %I FOR SELECT TO hearth_system'
                   ' USING (deleted_at IS NOT NULL)', t);
    EXECUTE format('CREATE POLICY system_delete ON %I FOR DELETE TO hearth_system'
                   ' USING (deleted_at < now() - interval ''30 days'')', t);
    EXECUTE format('CREATE POLICY system_lock ON %I FOR UPDATE TO hearth_system'
                   ' USING (deleted_at < now() - interval ''30 days'') WITH CHECK (false)', t);
    EXECUTE format('CREATE INDEX %I ON %I (deleted_at) WHERE deleted_at IS NOT NULL', t || '_purge', t);
  END LOOP;
END $$;
