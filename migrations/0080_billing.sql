-- Billing: each org's Stripe customer and subscription state (billing_accounts), the usage ledger
-- of metered and quota'd use (billing_usage) with its monthly totals (billing_usage_months).
--
-- An org's plan (orgs.plan) stays out of the app role's reach (0045): it changes only through
-- hearth_billing_set_plan, which sets the plan of the transaction's own org and nothing else.
-- A Stripe customer belongs to exactly one org (the customer id is unique across orgs, as Stripe
-- makes it): the webhook finds the org by it through hearth_org_of_stripe_customer.

CREATE TABLE billing_accounts (
  org_id                  uuid PRIMARY KEY REFERENCES orgs (id),
  stripe_customer_id      text UNIQUE CHECK (stripe_customer_id ~ '^cus_[A-Za-z0-9]{1,250}$'),
  billing_email           text,
  stripe_subscription_id  text CHECK (stripe_subscription_id ~ '^sub_[A-Za-z0-9]{1,250}$'),
  price_id                text,
  interval                text CHECK (interval IN ('month', 'year')),
  status                  text NOT NULL DEFAULT 'none' CHECK (status IN (
                            'none', 'incomplete', 'incomplete_expired', 'trialing', 'active',
                            'past_due', 'unpaid', 'canceled', 'paused')),
  -- The plan the subscription is for (orgs.plan is what the org has now).
  subscribed_plan         text CHECK (subscribed_plan ~ '^[a-z0-9_]{1,40}$'),
  current_period_start    timestamptz,
  current_period_end      timestamptz,
  cancel_at_period_end    boolean NOT NULL DEFAULT false,
  -- When the subscription went past_due (or unpaid); writes are refused after the grace period.
  past_due_since          timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  version                 integer NOT NULL DEFAULT 1
);
SELECT hearth_protect_tenant_table('billing_accounts');
CREATE TRIGGER billing_accounts_touch BEFORE UPDATE ON billing_accounts
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
-- The customer id is set once and never changes (a customer of org A can never become org B's).
CREATE FUNCTION billing_customer_stays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.stripe_customer_id IS NOT NULL AND NEW.stripe_customer_id IS DISTINCT FROM OLD.stripe_customer_id THEN
    RAISE EXCEPTION 'the Stripe customer of org % is set once', OLD.org_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER billing_customer_stays BEFORE UPDATE OF stripe_customer_id ON billing_accounts
  FOR EACH ROW EXECUTE FUNCTION billing_customer_stays();

GRANT SELECT, INSERT ON billing_accounts TO hearth_app;
GRANT UPDATE (stripe_customer_id, billing_email, stripe_subscription_id, price_id, interval, status,
              subscribed_plan, current_period_start, current_period_end, cancel_at_period_end,
              past_due_since)
  ON billing_accounts TO hearth_app;
-- The hourly schedule reads who has a customer (usage reporting) and whose cancellation ended.
GRANT SELECT (org_id, stripe_customer_id, status, subscribed_plan, current_period_end) ON billing_accounts
  TO hearth_system;
CREATE POLICY system_select ON billing_accounts FOR SELECT TO hearth_system USING (true);

-- The webhook's org lookup: one org id for one customer id, nothing else.
CREATE POLICY stripe_customer_lookup ON billing_accounts FOR SELECT TO hearth_owner USING (true);
CREATE FUNCTION hearth_org_of_stripe_customer(key text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT org_id FROM public.billing_accounts WHERE stripe_customer_id = key
$$;
REVOKE ALL ON FUNCTION hearth_org_of_stripe_customer(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_org_of_stripe_customer(text) TO hearth_app;

-- Sets the plan of the transaction's org (app.org_id) and answers the plan before. Runs as the
-- owner (the app role may not write orgs.plan); the tenant policy still limits it to that org.
CREATE FUNCTION hearth_billing_set_plan(p_plan text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  org uuid := NULLIF(pg_catalog.current_setting('app.org_id', true), '')::uuid;
  previous text;
BEGIN
  IF org IS NULL THEN
    RAISE EXCEPTION 'no org in this transaction' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT o.plan INTO previous FROM public.orgs o WHERE o.id = org FOR UPDATE;
  IF previous IS DISTINCT FROM p_plan THEN
    UPDATE public.orgs SET plan = p_plan WHERE id = org;
  END IF;
  RETURN previous;
END $$;
REVOKE ALL ON FUNCTION hearth_billing_set_plan(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_billing_set_plan(text) TO hearth_app;

-- The usage ledger: one row per use (an SMS sent, an email sent, an AI run's tokens), keyed by
-- what it was (source) so recording it again changes nothing; reported_at marks the rows sent to
-- Stripe's meter events (metered meters only).
CREATE TABLE billing_usage (
  org_id       uuid NOT NULL REFERENCES orgs (id),
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  meter        text NOT NULL CHECK (meter IN ('sms', 'email', 'ai_tokens')),
  source       text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
  quantity     bigint NOT NULL CHECK (quantity > 0),
  month        date NOT NULL CHECK (month = date_trunc('month', month)),
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  reported_at  timestamptz,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, meter, source)
);
SELECT hearth_protect_tenant_table('billing_usage');
CREATE INDEX billing_usage_unreported ON billing_usage (occurred_at) WHERE reported_at IS NULL;

CREATE TABLE billing_usage_months (
  org_id    uuid NOT NULL REFERENCES orgs (id),
  meter     text NOT NULL CHECK (meter IN ('sms', 'email', 'ai_tokens')),
  month     date NOT NULL CHECK (month = date_trunc('month', month)),
  quantity  bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),
  PRIMARY KEY (org_id, meter, month)
);
SELECT hearth_protect_tenant_table('billing_usage_months');

-- The ledger is appended to; a month's total only grows.
GRANT SELECT ON billing_usage, billing_usage_months TO hearth_app;
GRANT INSERT (org_id, meter, source, quantity, month) ON billing_usage TO hearth_app;
GRANT INSERT (org_id, meter, month, quantity) ON billing_usage_months TO hearth_app;
GRANT UPDATE (quantity) ON billing_usage_months TO hearth_app;
CREATE FUNCTION billing_usage_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% usage of % only grows', OLD.meter, OLD.month USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER billing_usage_months_grow BEFORE UPDATE ON billing_usage_months
  FOR EACH ROW WHEN (NEW.quantity < OLD.quantity) EXECUTE FUNCTION billing_usage_grows();

-- The hourly report (system role) reads unreported rows and marks them reported, nothing else.
GRANT SELECT (org_id, id, meter, quantity, occurred_at, reported_at) ON billing_usage TO hearth_system;
GRANT UPDATE (reported_at) ON billing_usage TO hearth_system;
CREATE POLICY system_select ON billing_usage FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_update ON billing_usage FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);
