-- webhook_endpoints: where an org wants its domain events delivered, signed Standard Webhooks style.
--
-- The signing secret (`whsec_…`) is shown on create and rotate only; the table keeps it
-- envelope-encrypted (shared/hearth/crypto.py), bound to (org_id, id). During a rotation the
-- previous secret stays valid (and is signed with) until previous_secret_expires_at.
-- Deleting an endpoint is soft (deleted_at), so its delivery log stays readable to support;
-- the secrets are wiped at deletion.
--
-- Health, for fairness and the disable rules: degraded_at is set while the last attempt failed
-- or was slow (its traffic then goes through the retry lane); failing_since is the first failure
-- since the last success (5 days of failures only disable the endpoint).

CREATE TABLE webhook_endpoints (
  org_id                      uuid NOT NULL REFERENCES orgs (id),
  id                          uuid NOT NULL DEFAULT gen_random_uuid(),
  url                         text NOT NULL CHECK (char_length(url) BETWEEN 8 AND 2048),
  description                 text CHECK (description IS NULL OR char_length(description) <= 500),
  event_types                 text[] NOT NULL DEFAULT '{*}'
                              CHECK (cardinality(event_types) BETWEEN 1 AND 50),
  enabled                     boolean NOT NULL DEFAULT true,
  disabled_reason             text CHECK (disabled_reason IN ('manual', 'gone', 'failing')),
  disabled_at                 timestamptz,
  secret_ciphertext           bytea,
  previous_secret_ciphertext  bytea,
  previous_secret_expires_at  timestamptz,
  secret_rotated_at           timestamptz,
  degraded_at                 timestamptz,
  failing_since               timestamptz,
  created_by                  text,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  version                     integer NOT NULL DEFAULT 1,
  deleted_at                  timestamptz,
  PRIMARY KEY (org_id, id),
  CHECK (enabled = (disabled_reason IS NULL)),
  CHECK ((deleted_at IS NULL) = (secret_ciphertext IS NOT NULL)),
  CHECK ((previous_secret_ciphertext IS NULL) = (previous_secret_expires_at IS NULL))
);
SELECT hearth_protect_tenant_table('webhook_endpoints');
-- version (the ETag) moves with what the API shows, not with the health marks the senders keep.
CREATE TRIGGER webhook_endpoints_touch
  BEFORE UPDATE OF url, description, event_types, enabled, disabled_reason, secret_ciphertext, deleted_at
  ON webhook_endpoints FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE INDEX webhook_endpoints_org_created ON webhook_endpoints (org_id, created_at, id)
  WHERE deleted_at IS NULL;

GRANT SELECT, INSERT ON webhook_endpoints TO hearth_app;
GRANT UPDATE (url, description, event_types, enabled, disabled_reason, disabled_at, secret_ciphertext,
              previous_secret_ciphertext, previous_secret_expires_at, secret_rotated_at, degraded_at,
              failing_since, deleted_at)
  ON webhook_endpoints TO hearth_app;
