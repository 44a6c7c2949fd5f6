"""Data access for the authorizer. Runs as the system role: a credential is resolved before the
org is known, which is cross-tenant by nature. Nothing here is reachable from a route."""

from __future__ import annotations

from typing import Any

from hearth.db import Connection

# Resolves a key by its hash, with its org's plan and its creator's current role, and records
# its use (at most once a minute per key, so a busy key does not write on every request).
_API_KEY_SQL = """
WITH found AS (
  SELECT k.org_id, k.id, k.role, k.created_by, k.expires_at, k.revoked_at,
         k.expires_at IS NOT NULL AND k.expires_at <= now() AS expired,
         m.role AS creator_role, o.plan, o.deleted_at AS org_deleted_at
  FROM api_keys k
  JOIN orgs o ON o.id = k.org_id
  LEFT JOIN org_members m ON m.org_id = k.org_id AND m.user_id = k.created_by
  WHERE k.key_hash = %(hash)s
), touched AS (
  UPDATE api_keys SET last_used_at = now()
  WHERE key_hash = %(hash)s AND revoked_at IS NULL
    AND (expires_at IS NULL OR expires_at > now())
    AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')
  RETURNING 1
)
SELECT * FROM found
"""

# Provisions the identity on first sight (with its verified email, if any) and returns its id,
# stored email and name, and its role/plan in the org asked for. An insert that meets any
# conflict inserts nothing: an identity seen before is found by its subject; a new one whose
# verified address another identity holds is not found (None), and sign_in moves the address.
_USER_SQL = """
WITH inserted AS (
  INSERT INTO users (idp_subject, email, email_verified_at, name)
  VALUES (%(sub)s, %(email)s, CASE WHEN %(email)s::text IS NULL THEN NULL ELSE now() END, %(name)s)
  ON CONFLICT DO NOTHING
  RETURNING id, email, name, deleted_at
), found AS (
  SELECT id, email, name, deleted_at FROM inserted
  UNION ALL SELECT id, email, name, deleted_at FROM users WHERE idp_subject = %(sub)s
)
SELECT f.id AS user_id, f.email, f.name, f.deleted_at AS user_deleted_at, m.role, o.plan,
       o.deleted_at AS org_deleted_at
FROM found f
LEFT JOIN org_members m ON m.user_id = f.id AND m.org_id = %(org)s
LEFT JOIN orgs o ON o.id = m.org_id
LIMIT 1
"""

# An address belongs to one identity: the one the provider verified it for last.
_RELEASE_EMAIL_SQL = """
UPDATE users SET email = NULL, email_verified_at = NULL, updated_at = now()
WHERE lower(email) = lower(%(email)s) AND idp_subject <> %(sub)s
"""

# Claims of one address take turns (the lock ends with the transaction), so a burst of sign-ins
# naming it settles in one pass instead of colliding on the unique index again and again.
_CLAIM_EMAIL_SQL = "SELECT pg_advisory_xact_lock(hashtextextended(lower(%(email)s), 7001))"

_REFRESH_SQL = """
UPDATE users
SET email = %(email)s,
    email_verified_at = CASE
      WHEN %(email)s::text IS NULL THEN NULL
      WHEN lower(email) IS NOT DISTINCT FROM lower(%(email)s) THEN email_verified_at
      ELSE now() END,
    name = %(name)s,
    updated_at = now()
WHERE id = %(id)s
"""


def api_key_by_hash(conn: Connection, key_hash: bytes) -> dict[str, Any] | None:
    return conn.execute(_API_KEY_SQL, {"hash": key_hash}).fetchone()


def sign_in(
    conn: Connection,
    *,
    subject: str,
    email: str | None,
    refresh_email: bool,
    name: str | None,
    org_id: str | None,
) -> dict[str, Any] | None:
    """Provision the user on first sight, keep its email and name current, and return its id
    and its role/plan in ``org_id``.

    ``email`` is a *verified* address or ``None``. With ``refresh_email`` (the token carried an
    email claim) the stored email becomes ``email`` — none when the provider does not vouch for
    the address — taking it from any other identity that held it; without, the stored one stays.
    A ``name`` given replaces the stored one. Writes only when something changed, so a user
    already current costs one statement. A concurrent sign-in claiming the same address may make
    this raise ``UniqueViolation``: retry the transaction."""
    params = {"sub": subject, "email": email, "name": name, "org": org_id}
    row: dict[str, Any] | None = conn.execute(_USER_SQL, params).fetchone()
    if row is None:
        if email is None:
            return None  # a concurrent first sight of the same subject: the caller retries
        conn.execute(_CLAIM_EMAIL_SQL, params)
        conn.execute(_RELEASE_EMAIL_SQL, params)
        return conn.execute(_USER_SQL, params).fetchone()
    if row["user_deleted_at"] is not None:
        return row  # a deleted account: nothing is stored again (the authorizer refuses it)
    wanted_email = email if refresh_email else row["email"]
    wanted_name = name if name is not None else row["name"]
    if wanted_email == row["email"] and wanted_name == row["name"]:
        return row
    if wanted_email is not None and (row["email"] or "").lower() != wanted_email.lower():
        conn.execute(_CLAIM_EMAIL_SQL, params)
        conn.execute(_RELEASE_EMAIL_SQL, params)
    conn.execute(_REFRESH_SQL, {"email": wanted_email, "name": wanted_name, "id": row["user_id"]})
    return {**row, "email": wanted_email, "name": wanted_name}
