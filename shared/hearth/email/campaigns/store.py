"""Data access for campaigns (``migrations/0145``). Every statement runs in the caller's tenant
transaction (row-level security keeps it to the org)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from hearth.db import Connection

_TENANT = "(SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"
COLUMNS = (
    "id, name, status, category, template_id, from_address, reply_to, variables, person_ids, tag,"
    " planned, cursor, recipients, suppressed, no_address, error_code, created_by, created_at,"
    " expanded_at, updated_at, version"
)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


#: The people a campaign reaches: live, named by id or carrying the tag.
_AUDIENCE = "deleted_at IS NULL AND (id = ANY(%(ids)s::uuid[]) OR %(tag)s::text = ANY(tags))"


def audience_size(conn: Connection, person_ids: list[UUID], tag: str | None) -> int:
    """How many people the audience names now (those with no address included)."""
    row = conn.execute(
        f"SELECT count(*) AS n FROM people WHERE {_AUDIENCE}", {"ids": person_ids, "tag": tag}
    ).fetchone()
    assert row is not None
    return int(row["n"])


def insert(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    columns = (
        "name",
        "category",
        "template_id",
        "from_address",
        "reply_to",
        "variables",
        "person_ids",
        "tag",
        "planned",
        "created_by",
    )
    row = conn.execute(
        f"INSERT INTO email_campaigns (org_id, {', '.join(columns)})"
        f" VALUES ({_TENANT}, {', '.join(f'%({c})s' for c in columns)}) RETURNING {COLUMNS}",
        {c: values.get(c) for c in columns} | {"variables": Jsonb(values.get("variables") or {})},
    ).fetchone()
    assert row is not None
    return row


def get(conn: Connection, campaign_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS} FROM email_campaigns WHERE id = %s" + (" FOR UPDATE" if lock else ""),
        (campaign_id,),
    ).fetchone()


def email_counts(conn: Connection, campaign_id: UUID) -> dict[str, int]:
    """The campaign's emails by status (one index scan)."""
    rows = conn.execute(
        "SELECT status, count(*) AS n FROM emails WHERE campaign_id = %s GROUP BY status", (campaign_id,)
    ).fetchall()
    return {row["status"]: int(row["n"]) for row in rows}


def next_people(
    conn: Connection, person_ids: list[UUID], tag: str | None, after: UUID | None, limit: int
) -> list[dict[str, Any]]:
    """The next ``limit`` people of the audience after ``after``, by id."""
    return conn.execute(
        "SELECT id, first_name, last_name, email, job_title, company_id FROM people"
        f" WHERE {_AUDIENCE} AND (%(after)s::uuid IS NULL OR id > %(after)s::uuid)"
        " ORDER BY id LIMIT %(limit)s",
        {"ids": person_ids, "tag": tag, "after": after, "limit": limit},
    ).fetchall()


def insert_emails(conn: Connection, rows: list[dict[str, Any]]) -> list[UUID]:
    """Queue one email per row (one per campaign and person: a row made before is skipped); the
    ids of the new ones."""
    if not rows:
        return []
    columns = (
        "campaign_id",
        "category",
        "from_address",
        "to_addresses",
        "reply_to",
        "subject",
        "text_body",
        "html_body",
        "template_id",
        "person_id",
        "company_id",
        "sent_by",
    )
    found = conn.execute(
        f"""
        INSERT INTO emails (org_id, {", ".join(columns)})
        SELECT {_TENANT}, {", ".join(f"r.{c}" for c in columns)}
          FROM jsonb_to_recordset(%s) AS r(campaign_id uuid, category text, from_address text,
               to_addresses text[], reply_to text, subject text, text_body text, html_body text,
               template_id uuid, person_id uuid, company_id uuid, sent_by text)
        ON CONFLICT (org_id, campaign_id, person_id) WHERE campaign_id IS NOT NULL DO NOTHING
        RETURNING id
        """,
        (Jsonb([{c: row.get(c) for c in columns} for row in rows], dumps=_dumps),),
    ).fetchall()
    return [UUID(str(r["id"])) for r in found]


def advance(
    conn: Connection,
    campaign_id: UUID,
    *,
    cursor: UUID | None,
    recipients: int,
    suppressed: int,
    no_address: int,
    done: bool,
) -> None:
    conn.execute(
        """
        UPDATE email_campaigns
           SET cursor = %(cursor)s, recipients = recipients + %(recipients)s,
               suppressed = suppressed + %(suppressed)s, no_address = no_address + %(no_address)s,
               status = CASE WHEN %(done)s THEN 'expanded' ELSE 'expanding' END,
               expanded_at = CASE WHEN %(done)s THEN now() END
         WHERE id = %(id)s
        """,
        {
            "id": campaign_id,
            "cursor": cursor,
            "recipients": recipients,
            "suppressed": suppressed,
            "no_address": no_address,
            "done": done,
        },
    )


def fail(conn: Connection, campaign_id: UUID, code: str) -> None:
    conn.execute(
        "UPDATE email_campaigns SET status = 'failed', error_code = %s"
        " WHERE id = %s AND status <> 'expanded'",
        (code, campaign_id),
    )
