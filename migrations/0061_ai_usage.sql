-- ai_usage: the token ledger, one row per finished run (input + output + cache tokens, as the
-- provider counted them), and ai_usage_months: each org's total per calendar month (UTC), kept in
-- the same statement as the ledger row, so the budget check at POST /v1/ai/runs reads one row.
-- Recording a run twice changes nothing (the ledger's key is the run).

CREATE TABLE ai_usage (
  org_id      uuid NOT NULL,
  run_id      uuid NOT NULL,
  month       date NOT NULL CHECK (month = date_trunc('month', month)),
  tokens      bigint NOT NULL CHECK (tokens >= 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, run_id),
  FOREIGN KEY (org_id, run_id) REFERENCES ai_runs (org_id, id)
);
SELECT hearth_protect_tenant_table('ai_usage');
CREATE INDEX ai_usage_org_month ON ai_usage (org_id, month, created_at, run_id);

CREATE TABLE ai_usage_months (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  month       date NOT NULL CHECK (month = date_trunc('month', month)),
  tokens      bigint NOT NULL DEFAULT 0 CHECK (tokens >= 0),
  runs        integer NOT NULL DEFAULT 0 CHECK (runs >= 0),
  PRIMARY KEY (org_id, month)
);
SELECT hearth_protect_tenant_table('ai_usage_months');

-- Least privilege: the ledger is appended to, never rewritten; a month's total only grows.
GRANT SELECT ON ai_usage, ai_usage_months TO hearth_app;
GRANT INSERT (org_id, run_id, month, tokens) ON ai_usage TO hearth_app;
GRANT INSERT (org_id, month, tokens, runs) ON ai_usage_months TO hearth_app;
GRANT UPDATE (tokens, runs) ON ai_usage_months TO hearth_app;

CREATE FUNCTION hearth_ai_usage_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.tokens < OLD.tokens OR NEW.runs < OLD.runs THEN
    RAISE EXCEPTION 'AI usage of % only grows', OLD.month USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ai_usage_months_grow BEFORE UPDATE ON ai_usage_months
  FOR EACH ROW EXECUTE FUNCTION hearth_ai_usage_grows();
