-- Retention of AI runs: what a run holds of the org's data and the requester's words (the
-- instructions, the output, the records shown) is erased once the run has been finished for the
-- retention period (HEARTH_AI_RUN_RETENTION_DAYS, 30 by default) by the hourly AiRunRetention
-- schedule; the run itself stays, with its task, status, token usage and error code, because the
-- usage ledger refers to it. purged_at says when.
--
-- The schedule is cross-tenant work: it runs as the system role, which reads only what it needs to
-- find such runs and may change only the erased columns.

ALTER TABLE ai_runs ADD COLUMN purged_at timestamptz;
ALTER TABLE ai_runs ADD CONSTRAINT ai_runs_purged_finished CHECK (purged_at IS NULL OR finished_at IS NOT NULL);
CREATE INDEX ai_runs_unpurged ON ai_runs (finished_at) WHERE purged_at IS NULL AND finished_at IS NOT NULL;

GRANT SELECT (org_id, id, finished_at, purged_at) ON ai_runs TO hearth_system;
GRANT UPDATE (instructions, output, shown, purged_at) ON ai_runs TO hearth_system;
CREATE POLICY system_select ON ai_runs FOR SELECT TO hearth_system USING (true);
CREATE POLICY system_update ON ai_runs FOR UPDATE TO hearth_system USING (true) WITH CHECK (true);
