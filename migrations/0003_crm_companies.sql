-- CRM companies: the organisations a tenant does business with.
--
-- Soft delete: `deleted_at` hides a row from the API; restore clears it. Hard deletion belongs to
-- the data-lifecycle jobs, so the app role has no DELETE here. A domain is unique per org among
-- live rows only (a deleted company does not block a new one; restoring it then conflicts).
-- The owner is a member of the org: when the member is removed, the link is cleared (only the
-- owner column: org_id stays).

CREATE TABLE companies (
  org_id                   uuid NOT NULL REFERENCES orgs (id),
  id                       uuid NOT NULL DEFAULT gen_random_uuid(),
  name                     text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  domain                   text CHECK (domain IS NULL OR (char_length(domain) <= 253 AND domain = lower(domain))),
  industry                 text CHECK (industry IS NULL OR char_length(industry) BETWEEN 1 AND 100),
  employee_count           integer CHECK (employee_count IS NULL OR employee_count >= 0),
  annual_revenue           bigint CHECK (annual_revenue IS NULL OR annual_revenue >= 0),
  annual_revenue_currency  text CHECK (annual_revenue_currency IS NULL OR annual_revenue_currency ~ '^[A-Z]{3}$'),
  address                  jsonb CHECK (address IS NULL OR jsonb_typeof(address) = 'object'),
  owner_id                 uuid,
  tags                     text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  properties               jsonb NOT NULL DEFAULT '{}'
                           CHECK (jsonb_typeof(properties) = 'object' AND octet_length(properties::text) <= 16384),
  created_by               uuid REFERENCES users (id),
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  version                  integer NOT NULL DEFAULT 1,
  deleted_at               timestamptz,
  deleted_by               uuid,
  PRIMARY KEY (org_id, id),
  CHECK (annual_revenue IS NULL OR annual_revenue_currency IS NOT NULL),
  FOREIGN KEY (org_id, owner_id) REFERENCES org_members (org_id, user_id) ON DELETE SET NULL (owner_id)
);
SELECT hearth_protect_tenant_table('companies');
CREATE TRIGGER companies_touch BEFORE UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
CREATE UNIQUE INDEX companies_domain_live ON companies (org_id, lower(domain))
  WHERE deleted_at IS NULL AND domain IS NOT NULL;
CREATE INDEX companies_org_created ON companies (org_id, created_at, id);
CREATE INDEX companies_org_name ON companies (org_id, name, id);
CREATE INDEX companies_org_owner ON companies (org_id, owner_id);
GRANT SELECT, INSERT ON companies TO hearth_app;
GRANT UPDATE (name, domain, industry, employee_count, annual_revenue, annual_revenue_currency, address,
              owner_id, tags, properties, deleted_at, deleted_by) ON companies TO hearth_app;
