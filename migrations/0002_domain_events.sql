-- The outbox: domain events written in the same transaction as the change they describe.
-- A relay publishes them to the dispatch queue right after commit; a scheduled sweep publishes
-- whatever is still unpublished (published_at IS NULL), so a failed send never loses an event.

CREATE TABLE domain_events (
  org_id         uuid NOT NULL REFERENCES orgs (id),
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  type           text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$' AND char_length(type) <= 100),
  occurred_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_type     text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
  actor_id       text,
  resource_type  text NOT NULL,
  resource_id    text,
  payload        jsonb NOT NULL DEFAULT '{}' CHECK (octet_length(payload::text) <= 65536),
  request_id     text,
  published_at   timestamptz,
  PRIMARY KEY (org_id, id)
);
SELECT hearth_protect_tenant_table('domain_events');
CREATE INDEX domain_events_org_time ON domain_events (org_id, occurred_at, id);
CREATE INDEX domain_events_org_type ON domain_events (org_id, type, occurred_at);
CREATE INDEX domain_events_org_resource ON domain_events (org_id, resource_type, resource_id, occurred_at);
-- The sweep finds unpublished events across tenants (system role): a partial index keeps that
-- scan to the backlog only.
CREATE INDEX domain_events_unpublished ON domain_events (occurred_at) WHERE published_at IS NULL;

GRANT SELECT, INSERT ON domain_events TO hearth_app;
GRANT UPDATE (published_at) ON domain_events TO hearth_app;
GRANT SELECT, UPDATE (published_at) ON domain_events TO hearth_system;
CREATE POLICY system_select ON domain_events FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_update ON domain_events FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);
