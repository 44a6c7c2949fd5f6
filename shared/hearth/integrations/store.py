"""Data access for integrations and their sealed secrets (``migrations/0052_integrations.sql``).

Reads for the API return each secret's last four characters and dates, never its blob;
:func:`sealed_secrets` (the provider test) and :func:`signing_keys` (inbound webhooks) are the
only readers of blobs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from hearth.db import Connection
from hearth.problems import Conflict

_COLUMNS = (
    "provider, account, config, status, test_error_code, test_error_message, tested_at,"
    " created_by, created_at, updated_at, version"
)
_HINTS = "provider, field, last4, signs, previous_valid_until, updated_at"
_TENANT = "(SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"


def _with_secrets(rows: list[dict[str, Any]], secrets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_provider: dict[str, list[dict[str, Any]]] = {}
    for secret in secrets:
        by_provider.setdefault(secret["provider"], []).append(secret)
    return [{**row, "secrets": by_provider.get(row["provider"], [])} for row in rows]


def list_all(conn: Connection) -> list[dict[str, Any]]:
    """Every integration of the org, oldest first, with its secrets' hints (one round trip)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM integrations ORDER BY created_at, provider")
    secrets = conn.execute(f"SELECT {_HINTS} FROM integration_secrets ORDER BY field")
    return _with_secrets(rows.fetchall(), secrets.fetchall())


def get(conn: Connection, provider: str, *, lock: bool = False) -> dict[str, Any] | None:
    """The org's integration with ``provider`` and its secrets' hints, or ``None``."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM integrations WHERE provider = %s{' FOR UPDATE' if lock else ''}",
        (provider,),
    )
    secrets = conn.execute(f"SELECT {_HINTS} FROM integration_secrets WHERE provider = %s", (provider,))
    found = row.fetchone()
    return _with_secrets([found], secrets.fetchall())[0] if found is not None else None


def sealed_secrets(conn: Connection, provider: str) -> dict[str, dict[str, Any]]:
    """The sealed blobs of the integration's secrets, by field."""
    rows = conn.execute(
        "SELECT field, sealed, signs FROM integration_secrets WHERE provider = %s", (provider,)
    ).fetchall()
    return {row["field"]: row for row in rows}


def _account_taken(exc: psycopg.errors.UniqueViolation) -> Conflict:
    if exc.diag.constraint_name == "integrations_provider_account_key":
        return Conflict(
            "integration_account_taken",
            "This provider account is connected to another org; an account belongs to one org.",
        )
    return Conflict("concurrent_update", "The integration was created by a concurrent request; retry.")


def insert(
    conn: Connection, provider: str, *, account: str | None, config: dict[str, str], created_by: str
) -> None:
    try:
        conn.execute(
            "INSERT INTO integrations (org_id, provider, account, config, created_by)"
            f" VALUES ({_TENANT}, %s, %s, %s, %s) RETURNING provider",
            (provider, account, Jsonb(config), created_by),
        ).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise _account_taken(exc) from None


def replace(conn: Connection, provider: str, *, account: str | None, config: dict[str, str]) -> None:
    """New credentials: the config, and the test result reset (it was for the old ones)."""
    try:
        conn.execute(
            "UPDATE integrations SET account = %s, config = %s, status = 'untested',"
            " test_error_code = NULL, test_error_message = NULL, tested_at = NULL WHERE provider = %s"
            " RETURNING provider",
            (account, Jsonb(config), provider),
        ).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise _account_taken(exc) from None


def put_secret(
    conn: Connection,
    provider: str,
    field: str,
    *,
    sealed: bytes,
    last4: str,
    signs: bool,
    now: datetime,
    previous_valid_until: datetime | None,
) -> None:
    """Store a secret field's new value. ``previous_valid_until``: keep the value it replaces
    (a signing secret) valid until then; ``None`` drops any previous value."""
    conn.execute(
        f"""
        INSERT INTO integration_secrets AS s (org_id, provider, field, sealed, last4, signs, updated_at)
        VALUES ({_TENANT}, %(provider)s, %(field)s, %(sealed)s, %(last4)s, %(signs)s, %(now)s)
        ON CONFLICT (org_id, provider, field) DO UPDATE SET
          previous_sealed = CASE WHEN %(until)s::timestamptz IS NULL THEN NULL ELSE s.sealed END,
          previous_valid_until = %(until)s::timestamptz,
          sealed = excluded.sealed,
          last4 = excluded.last4,
          updated_at = excluded.updated_at
        """,
        {
            "provider": provider,
            "field": field,
            "sealed": sealed,
            "last4": last4,
            "signs": signs,
            "now": now,
            "until": previous_valid_until,
        },
    )


def drop_previous_secrets(conn: Connection, provider: str) -> None:
    """End every rotation overlap of the integration (its account changed)."""
    conn.execute(
        "UPDATE integration_secrets SET previous_sealed = NULL, previous_valid_until = NULL"
        " WHERE provider = %s AND previous_sealed IS NOT NULL",
        (provider,),
    )


def record_test(
    conn: Connection, provider: str, version: int, *, ok: bool, code: str | None, message: str | None
) -> dict[str, Any] | None:
    """Store a test's result, if the credentials tested are still the integration's (its
    version did not move); the updated row's version and time, else ``None``."""
    return conn.execute(
        "UPDATE integrations SET status = %s, test_error_code = %s, test_error_message = %s,"
        " tested_at = now() WHERE provider = %s AND version = %s RETURNING version, tested_at",
        ("ok" if ok else "failed", code, message, provider, version),
    ).fetchone()


def delete(conn: Connection, provider: str) -> bool:
    """Delete the integration and its secrets (cascade); whether there was one."""
    return (
        conn.execute(
            "DELETE FROM integrations WHERE provider = %s RETURNING provider", (provider,)
        ).fetchone()
        is not None
    )


def signing_keys(conn: Connection, provider: str, account: str) -> list[dict[str, Any]]:
    """The sealed signing secrets of one provider account, across orgs, through the database's
    one narrow lookup (``integration_signing_keys``): ``org_id``, ``sealed``, ``previous_sealed``."""
    return conn.execute(
        "SELECT org_id, sealed, previous_sealed FROM integration_signing_keys(%s, %s)", (provider, account)
    ).fetchall()
