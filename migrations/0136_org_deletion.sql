-- Org deletion, first step: DELETE /v1/orgs/current marks the org deleted at once (deleted_at,
-- and who asked); from then on the authorizer refuses every credential of it but its owners'
-- signed-in sessions, and the route kit serves those only POST /v1/orgs/current/restore, within
-- the grace period (HEARTH_ORG_DELETION_GRACE_DAYS, 30). After it a daily finaliser removes
-- the org's rows for good.

ALTER TABLE orgs ADD COLUMN deleted_at timestamptz;
ALTER TABLE orgs ADD COLUMN deleted_by uuid REFERENCES users (id);
ALTER TABLE orgs ADD CONSTRAINT orgs_deleted_by_deleter CHECK ((deleted_at IS NULL) = (deleted_by IS NULL));

-- The authorizer (system role) reads whether the org of a credential is deleted.
GRANT SELECT (deleted_at) ON orgs TO hearth_system;
-- DELETE /v1/orgs/current and POST /v1/orgs/current/restore set and clear them.
GRANT UPDATE (deleted_at, deleted_by) ON orgs TO hearth_app;
