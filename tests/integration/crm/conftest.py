"""Fixtures of the CRM tests: a tenant with its CRM builder, and readers of what was stored
(audit rows, outbox events) through the superuser connection."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.crm.builders import Crm


@pytest.fixture
def crm(client, tenant) -> Crm:
    return Crm(client, tenant)


@pytest.fixture
def stored(admin_db, tenant):
    """Read what a tenant's requests wrote, bypassing RLS."""

    class Stored:
        def events(self, type_: str | None = None, resource_id: str | None = None) -> list[dict[str, Any]]:
            rows = admin_db.execute(
                "SELECT type, resource_type, resource_id, payload, actor_type FROM domain_events"
                " WHERE org_id = %s ORDER BY occurred_at, id",
                (tenant.org_id,),
            ).fetchall()
            return [
                r
                for r in rows
                if (type_ is None or r["type"] == type_)
                and (resource_id is None or r["resource_id"] == resource_id)
            ]

        def audit(self, action: str) -> list[dict[str, Any]]:
            return admin_db.execute(
                "SELECT action, resource_id, changes FROM audit_logs WHERE org_id = %s AND action = %s"
                " ORDER BY seq",
                (tenant.org_id, action),
            ).fetchall()

        def count(self, table: str, where: str = "true", params: tuple[Any, ...] = ()) -> int:
            row = admin_db.execute(
                f"SELECT count(*) AS n FROM {table} WHERE org_id = %s AND {where}", (tenant.org_id, *params)
            ).fetchone()
            return int(row["n"])

    return Stored()
