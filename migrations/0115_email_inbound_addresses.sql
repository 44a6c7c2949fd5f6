-- email_inbound_addresses: the address each org receives email at, `<slug>@<inbound domain>`,
-- and its BCC logging address, `<slug>+bcc-<bcc_token>@<inbound domain>` (the domain is the
-- deployment's setting HEARTH_EMAIL_INBOUND_DOMAIN, not stored).
--
-- One row per org, made by the database when the org is made (the AFTER INSERT trigger on orgs,
-- like the default pipeline), and for every existing org by this migration. The slug is unique
-- across orgs — like a phone number, an inbound message names nothing but the address it reached,
-- so the address must name one org. A default slug is the org's name made safe plus six random
-- hex digits, so it tells nothing of other orgs. The BCC address carries a random token: a
-- message logged through it is stored as sent by a member, so it must not be guessable from the
-- slug (a leaked token is replaced by a new one).

CREATE TABLE email_inbound_addresses (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  slug        text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{1,38}[a-z0-9])$'),
  bcc_token   text NOT NULL DEFAULT substr(md5(gen_random_uuid()::text), 1, 12)
              CHECK (bcc_token ~ '^[a-z0-9]{8,32}$'),
  updated_by  text CHECK (char_length(updated_by) <= 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id),
  CONSTRAINT email_inbound_addresses_slug_key UNIQUE (slug)
);
SELECT hearth_protect_tenant_table('email_inbound_addresses');
CREATE TRIGGER email_inbound_addresses_touch BEFORE UPDATE ON email_inbound_addresses
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();

GRANT SELECT ON email_inbound_addresses TO hearth_app;
GRANT INSERT (org_id, slug) ON email_inbound_addresses TO hearth_app;
GRANT UPDATE (slug, bcc_token, updated_by) ON email_inbound_addresses TO hearth_app;

-- The default slug of an org's name: lower-case letters and digits joined by single hyphens, at
-- most 24 characters of the name, then six random hex digits.
CREATE FUNCTION email_default_inbound_slug(name text) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT coalesce(nullif(trim(BOTH '-' FROM left(trim(BOTH '-' FROM
           regexp_replace(lower(coalesce(name, '')), '[^a-z0-9]+', '-', 'g')), 24)), ''), 'org')
         || '-' || substr(md5(gen_random_uuid()::text), 1, 6)
$$;
GRANT EXECUTE ON FUNCTION email_default_inbound_slug(text) TO hearth_app;

-- The address of one org (in that org's tenant transaction; a no-op when it has one). A slug
-- already taken (16.7 million suffixes per name) is tried again with another suffix.
CREATE FUNCTION email_create_inbound_address(org uuid, name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM email_inbound_addresses WHERE org_id = org) THEN
    RETURN;
  END IF;
  FOR attempt IN 1..5 LOOP
    INSERT INTO email_inbound_addresses (org_id, slug) VALUES (org, email_default_inbound_slug(name))
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
      RETURN;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'no free inbound email address for org %', org USING ERRCODE = 'unique_violation';
END $$;
GRANT EXECUTE ON FUNCTION email_create_inbound_address(uuid, text) TO hearth_app;

CREATE FUNCTION email_orgs_inbound_address() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM email_create_inbound_address(NEW.id, NEW.name);
  RETURN NULL;
END $$;
CREATE TRIGGER orgs_email_inbound_address AFTER INSERT ON orgs
  FOR EACH ROW EXECUTE FUNCTION email_orgs_inbound_address();

-- Every existing org gets its address (owner only; run by this migration), each under that
-- org's tenant setting, so the tenant policies hold throughout.
CREATE FUNCTION email_backfill_inbound_addresses() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  org record;
  seen integer := 0;
BEGIN
  FOR org IN SELECT id, name FROM orgs LOOP
    PERFORM set_config('app.org_id', org.id::text, true);
    PERFORM email_create_inbound_address(org.id, org.name);
    seen := seen + 1;
  END LOOP;
  PERFORM set_config('app.org_id', '', true);
  RETURN seen;
END $$;
ALTER TABLE orgs NO FORCE ROW LEVEL SECURITY;
SELECT email_backfill_inbound_addresses();
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;

-- The inbound email consumer's look across orgs: the org an address belongs to, and whether it
-- is the org's inbound address (`tag` NULL) or its BCC logging address (`tag` 'bcc-<token>'),
-- nothing else. SECURITY DEFINER with a fixed search_path; the owner's read policy lets it see
-- past the tenant policies.
CREATE POLICY address_lookup ON email_inbound_addresses FOR SELECT TO hearth_owner USING (true);

CREATE FUNCTION hearth_org_of_inbound_email_address(slug text, tag text)
RETURNS TABLE (org_id uuid, kind text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT a.org_id, CASE WHEN tag IS NULL THEN 'inbound' ELSE 'bcc' END
  FROM public.email_inbound_addresses a
  WHERE a.slug = hearth_org_of_inbound_email_address.slug
    AND (tag IS NULL OR tag = 'bcc-' || a.bcc_token)
$$;
REVOKE ALL ON FUNCTION hearth_org_of_inbound_email_address(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_org_of_inbound_email_address(text, text) TO hearth_app;
