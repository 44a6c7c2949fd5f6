-- ai_settings: an org's AI settings, one row per org, absent until an admin changes one (absent
-- means the defaults: every kind of personal data redacted before anything is sent).
-- redact: the kinds replaced with placeholders before a prompt leaves (hearth.ai.redaction.KINDS).

CREATE TABLE ai_settings (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  redact      text[] NOT NULL CHECK (redact <@ ARRAY['email', 'phone', 'card', 'iban', 'national_id']::text[]),
  updated_by  uuid REFERENCES users (id),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id)
);
SELECT hearth_protect_tenant_table('ai_settings');
CREATE TRIGGER ai_settings_touch BEFORE UPDATE ON ai_settings FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();

GRANT SELECT ON ai_settings TO hearth_app;
GRANT INSERT (org_id, redact, updated_by) ON ai_settings TO hearth_app;
GRANT UPDATE (redact, updated_by) ON ai_settings TO hearth_app;
