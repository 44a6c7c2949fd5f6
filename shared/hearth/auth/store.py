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
         m.role AS creator_role, o.plan
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

_USER_SQL = """
WITH inserted AS (
  INSERT INTO users (idp_subject, email, name) VALUES (%(sub)s, %(email)s, %(name)s)
  ON CONFLICT DO NOTHING
  RETURNING id
), found AS (
  SELECT id FROM inserted UNION ALL SELECT id FROM users WHERE idp_subject = %(sub)s
)
SELECT f.id AS user_id, m.role, o.plan
FROM found f
LEFT JOIN org_members m ON m.user_id = f.id AND m.org_id = %(org)s
LEFT JOIN orgs o ON o.id = m.org_id
LIMIT 1
"""


def api_key_by_hash(conn: Connection, key_hash: bytes) -> dict[str, Any] | None:
    return conn.execute(_API_KEY_SQL, {"hash": key_hash}).fetchone()


def user_with_membership(
    conn: Connection, subject: str, email: str | None, name: str | None, org_id: str | None
) -> dict[str, Any] | None:
    """Provision the user on first sight; return its id and its role/plan in ``org_id``."""
    return conn.execute(_USER_SQL, {"sub": subject, "email": email, "name": name, "org": org_id}).fetchone()
