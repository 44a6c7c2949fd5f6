-- integrations: an org's credentials for a provider (Twilio, Anthropic, ...), one row per
-- (org, provider), and integration_secrets: the secret fields of each, one row per field.
--
-- Public fields (a Twilio account_sid) are in config; `account` is the provider account the
-- credentials belong to (Twilio's AccountSid), which an inbound webhook names: one provider
-- account belongs to one org, so (provider, account) is unique across orgs — the one unique key
-- here without org_id, because the provider, not the tenant, decides what an account id means.
--
-- Secrets are write-only over the API: each is envelope-encrypted (shared/hearth/crypto.py),
-- bound to (org_id, provider, field), so a blob copied to another org or field does not open;
-- only last4 is ever shown. The secret a provider signs inbound webhooks with (`signs`) keeps
-- its previous value when replaced, valid until previous_valid_until (24 hours), so deliveries
-- signed during a rotation still verify.
--
-- The last provider test (POST /v1/integrations/{provider}/test): status ok|failed (untested
-- after every change of the credentials), the provider's error code and a sanitised message.

CREATE TABLE integrations (
  org_id              uuid NOT NULL REFERENCES orgs (id),
  provider            text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_]{1,31}$'),
  account             text CHECK (char_length(account) BETWEEN 1 AND 200),
  config              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  status              text NOT NULL DEFAULT 'untested' CHECK (status IN ('untested', 'ok', 'failed')),
  test_error_code     text CHECK (char_length(test_error_code) <= 100),
  test_error_message  text CHECK (char_length(test_error_message) <= 300),
  tested_at           timestamptz,
  created_by          text NOT NULL CHECK (char_length(created_by) <= 200),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  version             integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, provider),
  CONSTRAINT integrations_provider_account_key UNIQUE (provider, account),
  CHECK ((status = 'untested') = (tested_at IS NULL)),
  CHECK (status = 'failed' OR (test_error_code IS NULL AND test_error_message IS NULL))
);
SELECT hearth_protect_tenant_table('integrations');
CREATE TRIGGER integrations_touch BEFORE UPDATE ON integrations
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();

CREATE TABLE integration_secrets (
  org_id                uuid NOT NULL,
  provider              text NOT NULL,
  field                 text NOT NULL CHECK (field ~ '^[a-z][a-z0-9_]{0,63}$'),
  sealed                bytea NOT NULL CHECK (octet_length(sealed) BETWEEN 16 AND 8192),
  last4                 text NOT NULL CHECK (char_length(last4) <= 4),
  signs                 boolean NOT NULL DEFAULT false,
  previous_sealed       bytea CHECK (octet_length(previous_sealed) BETWEEN 16 AND 8192),
  previous_valid_until  timestamptz,
  updated_at            timestamptz NOT NULL,
  PRIMARY KEY (org_id, provider, field),
  FOREIGN KEY (org_id, provider) REFERENCES integrations (org_id, provider) ON DELETE CASCADE,
  CHECK ((previous_sealed IS NULL) = (previous_valid_until IS NULL)),
  CHECK (signs OR previous_sealed IS NULL)
);
SELECT hearth_protect_tenant_table('integration_secrets');
-- One signing secret per integration.
CREATE UNIQUE INDEX integration_secrets_signing ON integration_secrets (org_id, provider) WHERE signs;

-- Least privilege: the routes insert what a caller chooses (times, versions and test results are
-- not chosen on insert), replace credentials, record a test, and delete.
GRANT SELECT, DELETE ON integrations TO hearth_app;
GRANT INSERT (org_id, provider, account, config, created_by) ON integrations TO hearth_app;
GRANT UPDATE (account, config, status, test_error_code, test_error_message, tested_at)
  ON integrations TO hearth_app;
GRANT SELECT, DELETE ON integration_secrets TO hearth_app;
GRANT INSERT (org_id, provider, field, sealed, last4, signs, updated_at) ON integration_secrets TO hearth_app;
GRANT UPDATE (sealed, last4, previous_sealed, previous_valid_until, updated_at)
  ON integration_secrets TO hearth_app;

-- The inbound webhook kit's one look across orgs: the sealed signing secrets of ONE provider
-- account (the previous one only while it is valid) and the org they belong to. It runs as its
-- owner (SECURITY DEFINER, fixed search_path, every object schema-qualified); the owner role's
-- read policies below are what let it see past the tenant policies (the tables force RLS on their
-- owner too), and hearth_app reaches other orgs' rows through this function only.
CREATE POLICY signing_lookup ON integrations FOR SELECT TO hearth_owner USING (true);
CREATE POLICY signing_lookup ON integration_secrets FOR SELECT TO hearth_owner USING (true);

CREATE FUNCTION integration_signing_keys(p_provider text, p_account text)
RETURNS TABLE (org_id uuid, sealed bytea, previous_sealed bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT i.org_id,
         s.sealed,
         CASE WHEN s.previous_valid_until > pg_catalog.now() THEN s.previous_sealed END
  FROM public.integrations i
  JOIN public.integration_secrets s
    ON s.org_id = i.org_id AND s.provider = i.provider AND s.signs
  WHERE i.provider = p_provider AND i.account = p_account
$$;
REVOKE ALL ON FUNCTION integration_signing_keys(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION integration_signing_keys(text, text) TO hearth_app;
