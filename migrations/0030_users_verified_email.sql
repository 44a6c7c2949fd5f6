-- users.email holds only an address the identity provider has verified for that identity.
--
-- Until now the authorizer stored the token's `email` claim whether or not `email_verified` was
-- true, first come first served. Which stored addresses were verified is not known, so every one
-- is cleared: the authorizer stores the address again at the identity's next sign-in when the
-- provider marks it verified (and moves it from any other identity that held it), so an address
-- belongs to one identity, the one it was last verified for. email_verified_at says when.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email = NULL WHERE email IS NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_email_verified CHECK ((email IS NULL) = (email_verified_at IS NULL));
-- users_email_key (unique on lower(email)) stays: one address, one identity.
GRANT UPDATE (email_verified_at) ON users TO hearth_system;
