-- invitations: the one way into an org. An admin or owner invites an email address with a role;
-- the invitation carries a one-time token (shown once, to pass on; only its keyed hash is
-- stored); the person who presents the token while signed in with that address, verified by the
-- identity provider, becomes a member. Nothing is looked up when inviting, so the answer is the
-- same whether or not the address has an account. Pending invitations expire after 7 days
-- (expires_at is the database's, never the caller's); revoked and accepted ones are kept.

CREATE TABLE invitations (
  org_id       uuid NOT NULL REFERENCES orgs (id),
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  email        text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
  role         text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  token_hash   bytea NOT NULL CHECK (octet_length(token_hash) = 32),
  invited_by   uuid NOT NULL REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL DEFAULT now() + interval '7 days',
  revoked_at   timestamptz,
  accepted_at  timestamptz,
  accepted_by  uuid REFERENCES users (id),
  PRIMARY KEY (org_id, id),
  CHECK (expires_at > created_at),
  CHECK ((accepted_at IS NULL) = (accepted_by IS NULL)),
  CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
SELECT hearth_protect_tenant_table('invitations');
CREATE INDEX invitations_org_created ON invitations (org_id, created_at, id);
-- Accepting finds the invitation by its token's hash, in the org the token names.
CREATE UNIQUE INDEX invitations_org_token ON invitations (org_id, token_hash);
CREATE INDEX invitations_org_pending_email ON invitations (org_id, lower(email))
  WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Least privilege: the app role inserts only what an inviter chooses (ids, times and outcomes are
-- the database's), and changes only an invitation's outcome.
GRANT SELECT ON invitations TO hearth_app;
GRANT INSERT (org_id, email, role, token_hash, invited_by) ON invitations TO hearth_app;
GRANT UPDATE (revoked_at, accepted_at, accepted_by) ON invitations TO hearth_app;

-- An outcome is final and dated by the database: a revoked or accepted invitation never changes
-- again (no un-revoking), an expired one cannot be accepted, and the times are now().
CREATE FUNCTION hearth_invitation_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoked_at IS NOT NULL OR OLD.accepted_at IS NOT NULL THEN
    RAISE EXCEPTION 'invitation % already has an outcome', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.accepted_at IS NOT NULL AND OLD.expires_at <= now() THEN
    RAISE EXCEPTION 'invitation % has expired', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.revoked_at := CASE WHEN NEW.revoked_at IS NULL THEN NULL ELSE now() END;
  NEW.accepted_at := CASE WHEN NEW.accepted_at IS NULL THEN NULL ELSE now() END;
  RETURN NEW;
END $$;
CREATE TRIGGER invitations_outcome BEFORE UPDATE ON invitations
  FOR EACH ROW EXECUTE FUNCTION hearth_invitation_outcome();
