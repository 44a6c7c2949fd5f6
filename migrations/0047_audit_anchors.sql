-- Anchoring the audit chain outside the database: every hour the AuditAnchor schedule (system
-- role) writes the head (seq, hash) of each org's chain that moved since its last anchor to an
-- S3 bucket under Object Lock (compliance mode), where nobody can change or delete it for the
-- retention period. GET /v1/audit-logs/verify checks the chain against those anchors.
--
-- audit_anchors only remembers what was last anchored per org, so an unchanged chain is not
-- written again; the anchors themselves live in S3, never here (the verifier does not read this
-- table: whoever could rewrite the chain could rewrite it too).

GRANT SELECT ON audit_chain_heads TO hearth_system;
CREATE POLICY system_select ON audit_chain_heads FOR SELECT TO hearth_system USING (true);

CREATE TABLE audit_anchors (
  org_id       uuid PRIMARY KEY REFERENCES orgs (id),
  seq          bigint NOT NULL CHECK (seq >= 1),
  hash         bytea NOT NULL CHECK (octet_length(hash) = 32),
  anchored_at  timestamptz NOT NULL
);
SELECT hearth_protect_tenant_table('audit_anchors');
GRANT SELECT, INSERT, UPDATE (seq, hash, anchored_at) ON audit_anchors TO hearth_system;
CREATE POLICY system_select ON audit_anchors FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_insert ON audit_anchors FOR INSERT TO hearth_system WITH CHECK (true);
CREATE POLICY system_update ON audit_anchors FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);
