-- Deleting a user (DELETE /v1/users/me): the user leaves every org, their API keys are revoked,
-- their sessions end ('account_deleted'), and the users row keeps only its id (the pseudonymous
-- actor the audit rows name) and its identity provider subject (so that a token of the deleted
-- identity is refused rather than provisioned again); email and name are erased.

ALTER TABLE users ADD COLUMN deleted_at timestamptz;
ALTER TABLE users ADD CONSTRAINT users_deleted_erased
  CHECK (deleted_at IS NULL OR (email IS NULL AND name IS NULL));
GRANT UPDATE (deleted_at) ON users TO hearth_system;

ALTER TABLE user_sessions DROP CONSTRAINT user_sessions_end_reason_check;
ALTER TABLE user_sessions ADD CONSTRAINT user_sessions_end_reason_check
  CHECK (end_reason IN ('signed_out', 'signed_out_everywhere', 'idle', 'account_deleted'));
