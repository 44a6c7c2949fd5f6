-- phone_numbers: the Twilio numbers an org sends and receives SMS and calls with.
--
-- A number belongs to exactly one org: `e164` is unique across orgs — like an integration's
-- provider account, the provider (not the tenant) decides what a number means, and an inbound
-- message names nothing but the number it was sent to. An org attaches a number only after
-- Twilio listed it in the org's own account (or sold it to the org), so the unique key tells an
-- org nothing about a number it does not hold.
--
-- `provider_sid` is Twilio's IncomingPhoneNumber sid (PN…); `purchased` says Hearth bought it
-- (releasing it here releases it in Twilio; an attached number is only detached). One default
-- number per org, and at most one number per member (the number that member sends from and is
-- rung on); `forward_to` is the member's own phone a call to the number rings.

CREATE TABLE phone_numbers (
  org_id          uuid NOT NULL REFERENCES orgs (id),
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  e164            text NOT NULL CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
  provider_sid    text NOT NULL CHECK (provider_sid ~ '^PN[0-9a-fA-F]{32}$'),
  purchased       boolean NOT NULL DEFAULT false,
  friendly_name   text CHECK (char_length(friendly_name) <= 64),
  capabilities    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(capabilities) = 'object'),
  is_default      boolean NOT NULL DEFAULT false,
  member_user_id  uuid,
  forward_to      text CHECK (forward_to ~ '^\+[1-9][0-9]{6,14}$'),
  created_by      text NOT NULL CHECK (char_length(created_by) <= 200),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  version         integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  CONSTRAINT phone_numbers_e164_key UNIQUE (e164),
  FOREIGN KEY (org_id, member_user_id) REFERENCES org_members (org_id, user_id)
    ON DELETE SET NULL (member_user_id)
);
SELECT hearth_protect_tenant_table('phone_numbers');
CREATE TRIGGER phone_numbers_touch BEFORE UPDATE ON phone_numbers
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE UNIQUE INDEX phone_numbers_default ON phone_numbers (org_id) WHERE is_default;
CREATE UNIQUE INDEX phone_numbers_member ON phone_numbers (org_id, member_user_id) WHERE member_user_id IS NOT NULL;
CREATE INDEX phone_numbers_org_created ON phone_numbers (org_id, created_at, id);

GRANT SELECT, DELETE ON phone_numbers TO hearth_app;
GRANT INSERT (org_id, e164, provider_sid, purchased, friendly_name, capabilities, created_by)
  ON phone_numbers TO hearth_app;
GRANT UPDATE (is_default, member_user_id, forward_to, friendly_name) ON phone_numbers TO hearth_app;

-- The webhook kit's look across orgs for Twilio: the org a number belongs to (an inbound SMS or
-- call names the number it reached in `To`), nothing else. SECURITY DEFINER with a fixed
-- search_path; the owner's read policy lets it see past the tenant policies.
CREATE POLICY number_lookup ON phone_numbers FOR SELECT TO hearth_owner USING (true);

CREATE FUNCTION hearth_org_of_phone_number(key text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT n.org_id FROM public.phone_numbers n WHERE n.e164 = key
$$;
REVOKE ALL ON FUNCTION hearth_org_of_phone_number(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_org_of_phone_number(text) TO hearth_app;

-- An org's telephony settings, one row per org, absent until an admin changes one (absent means
-- the defaults): whether an inbound SMS from an unknown number creates a person (source sms),
-- the auto-reply to inbound messages (none by default) and the answer to HELP.
CREATE TABLE telephony_settings (
  org_id          uuid NOT NULL REFERENCES orgs (id),
  create_people   boolean NOT NULL DEFAULT true,
  auto_reply      text CHECK (char_length(auto_reply) BETWEEN 1 AND 320),
  help_text       text CHECK (char_length(help_text) BETWEEN 1 AND 320),
  updated_by      text NOT NULL CHECK (char_length(updated_by) <= 200),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  version         integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id)
);
SELECT hearth_protect_tenant_table('telephony_settings');
CREATE TRIGGER telephony_settings_touch BEFORE UPDATE ON telephony_settings
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
GRANT SELECT ON telephony_settings TO hearth_app;
GRANT INSERT (org_id, create_people, auto_reply, help_text, updated_by) ON telephony_settings TO hearth_app;
GRANT UPDATE (create_people, auto_reply, help_text, updated_by) ON telephony_settings TO hearth_app;
