-- email_domains: the domains an org sends email from, each an SES email identity.
--
-- A domain belongs to one org: `domain` is unique across orgs (the deployment's SES account holds
-- one identity per domain, and deleting it in one org must not stop another org's mail). Adding a
-- domain creates the SES identity (Easy DKIM); `dkim_records` are the CNAME records SES asked the
-- org to publish; `status` is SES's answer when last asked (`verified` once SES may send from it).
CREATE TABLE email_domains (
  org_id        uuid NOT NULL REFERENCES orgs (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  domain        text NOT NULL CHECK (domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$'
                                     AND char_length(domain) <= 253),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'failed')),
  dkim_records  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(dkim_records) = 'array'),
  checked_at    timestamptz,
  created_by    text NOT NULL CHECK (char_length(created_by) <= 200),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  version       integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  CONSTRAINT email_domains_domain_key UNIQUE (domain)
);
SELECT hearth_protect_tenant_table('email_domains');
CREATE TRIGGER email_domains_touch BEFORE UPDATE ON email_domains
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE INDEX email_domains_org_created ON email_domains (org_id, created_at, id);
GRANT SELECT, DELETE ON email_domains TO hearth_app;
GRANT INSERT (org_id, domain, status, dkim_records, checked_at, created_by) ON email_domains TO hearth_app;
GRANT UPDATE (status, dkim_records, checked_at) ON email_domains TO hearth_app;

-- email_settings: the org's default sender (an address on one of its verified domains, a display
-- name, a reply-to), one row per org, absent until an admin sets it.
CREATE TABLE email_settings (
  org_id        uuid NOT NULL REFERENCES orgs (id) PRIMARY KEY,
  from_address  text CHECK (char_length(from_address) <= 320),
  from_name     text CHECK (char_length(from_name) <= 100),
  reply_to      text CHECK (char_length(reply_to) <= 320),
  updated_by    text NOT NULL CHECK (char_length(updated_by) <= 200),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  version       integer NOT NULL DEFAULT 1
);
SELECT hearth_protect_tenant_table('email_settings');
CREATE TRIGGER email_settings_touch BEFORE UPDATE ON email_settings
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
GRANT SELECT ON email_settings TO hearth_app;
GRANT INSERT (org_id, from_address, from_name, reply_to, updated_by) ON email_settings TO hearth_app;
GRANT UPDATE (from_address, from_name, reply_to, updated_by) ON email_settings TO hearth_app;

-- email_templates: an org's templates (Jinja2, rendered in a sandbox with autoescaping; see
-- hearth.email.render). A name is unique in the org.
CREATE TABLE email_templates (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  subject     text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 1000),
  text_body   text CHECK (char_length(text_body) <= 100000),
  html_body   text CHECK (char_length(html_body) <= 200000),
  created_by  text NOT NULL CHECK (char_length(created_by) <= 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  CHECK (num_nonnulls(text_body, html_body) >= 1)
);
SELECT hearth_protect_tenant_table('email_templates');
CREATE TRIGGER email_templates_touch BEFORE UPDATE ON email_templates
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE UNIQUE INDEX email_templates_name ON email_templates (org_id, lower(name));
CREATE INDEX email_templates_org_created ON email_templates (org_id, created_at, id);
GRANT SELECT, DELETE ON email_templates TO hearth_app;
GRANT INSERT (org_id, name, subject, text_body, html_body, created_by) ON email_templates TO hearth_app;
GRANT UPDATE (name, subject, text_body, html_body) ON email_templates TO hearth_app;
