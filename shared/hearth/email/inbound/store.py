"""Data access for inbound email (``migrations/0115``, ``0116``): the org's inbound address, the
messages it received, and the people, members and interactions a message touches. Every
statement runs in the caller's tenant transaction (row-level security keeps it to the org),
except :func:`orgs_of_address`, the narrow look across orgs (a SECURITY DEFINER function)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from hearth import db
from hearth.db import Connection
from hearth.listing import Field, Listing
from hearth.problems import Conflict

_TENANT = "(SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"

# -- addresses ------------------------------------------------------------------------------------


def org_of_address(slug: str, tag: str | None) -> tuple[UUID, str] | None:
    """The org whose inbound address (``tag`` None) or BCC logging address (``tag``
    ``bcc-<token>``) has ``slug``, and which of the two it is; one statement, no tenant."""
    row = db.database("app").run_once(
        "SELECT org_id, kind FROM hearth_org_of_inbound_email_address(%(slug)s, %(tag)s)",
        {"slug": slug, "tag": tag},
    )
    if not row or not row["org_id"]:
        return None
    return UUID(str(row["org_id"])), str(row["kind"])


def address(conn: Connection) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT slug, bcc_token, updated_by, created_at, updated_at, version FROM email_inbound_addresses"
    ).fetchone()


def update_address(
    conn: Connection, *, slug: str | None, rotate_bcc: bool, updated_by: str
) -> dict[str, Any] | None:
    """Change the org's slug and/or draw a new BCC token (409 ``inbound_address_taken``)."""
    try:
        with conn.transaction():
            return conn.execute(
                """
                UPDATE email_inbound_addresses
                SET slug = coalesce(%s, slug),
                    bcc_token = CASE WHEN %s THEN substr(md5(gen_random_uuid()::text), 1, 12)
                                ELSE bcc_token END,
                    updated_by = %s
                RETURNING slug, bcc_token, updated_by, created_at, updated_at, version
                """,
                (slug, rotate_bcc, updated_by),
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise Conflict("inbound_address_taken", "Another org receives email at this address.") from None


# -- messages -------------------------------------------------------------------------------------

COLUMNS = (
    'r.id, r.direction, r.recipient, r.ses_message_id, r.message_id, r.in_reply_to, r."references",'
    ' r.from_address, r.from_name, r.to_addresses AS "to", r.cc_addresses AS cc, r.reply_to, r.subject,'
    " r.truncated, r.attachments, r.verdicts, r.size_bytes, r.sent_at, r.received_at, r.person_id,"
    " r.company_id, r.created_at"
)
BODY_COLUMNS = "r.text_body AS text, r.html_body AS html"

#: ``GET /v1/email/inbound-messages``: newest first, without the bodies.
INBOUND_LISTING = Listing(
    select=f"SELECT {COLUMNS} FROM inbound_emails r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("direction", "choice", choices=("inbound", "outbound"), nullable=False),
        Field("person_id", "uuid"),
        Field("company_id", "uuid"),
        Field("from_address", "text", nullable=False),
        Field("message_id", "text"),
        Field("received_at", "datetime", sortable=True, nullable=False),
    ),
    search=("r.subject", "r.from_address"),
    default_sort="-received_at",
    soft_delete=False,
    search_label="subjects and senders",
)


def get(conn: Connection, email_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS}, {BODY_COLUMNS} FROM inbound_emails r WHERE r.id = %s", (email_id,)
    ).fetchone()


def stored(conn: Connection, ses_message_id: str, message_id: str | None) -> bool:
    """Whether the org holds this SES message, or a message with this Message-ID, already."""
    row = conn.execute(
        """
        SELECT EXISTS (SELECT 1 FROM inbound_emails
                       WHERE ses_message_id = %s OR (%s::text IS NOT NULL AND message_id = %s)) AS found
        """,
        (ses_message_id, message_id, message_id),
    ).fetchone()
    return bool(row and row["found"])


def insert(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """Store a message (None when the org holds it already: same SES message or Message-ID)."""
    values = {**values, "attachments": Jsonb(values["attachments"]), "verdicts": Jsonb(values["verdicts"])}
    names = list(values)
    return conn.execute(
        f"""
        INSERT INTO inbound_emails (org_id, {", ".join(f'"{n}"' for n in names)})
        VALUES ({_TENANT}, {", ".join(f"%({n})s" for n in names)})
        ON CONFLICT DO NOTHING
        RETURNING {COLUMNS.replace("r.", "")}
        """,
        values,
    ).fetchone()


# -- who a message is from and to -----------------------------------------------------------------


def person_by_email(conn: Connection, addresses: list[str]) -> dict[str, Any] | None:
    """The first live person with one of ``addresses`` (in their order; the oldest person when
    several have the same one)."""
    if not addresses:
        return None
    return conn.execute(
        """
        SELECT p.id, p.company_id FROM unnest(%s::text[]) WITH ORDINALITY AS a (address, n)
        JOIN people p ON p.deleted_at IS NULL AND (p.email = a.address OR a.address = ANY (p.other_emails))
        ORDER BY a.n, p.created_at, p.id LIMIT 1
        """,
        (addresses,),
    ).fetchone()


def member_by_email(conn: Connection, address: str) -> UUID | None:
    """The member of the org whose verified address is ``address``."""
    row = conn.execute(
        f"""
        SELECT m.user_id FROM org_members m JOIN users u ON u.id = m.user_id
        WHERE m.org_id = {_TENANT} AND lower(u.email) = %s
        """,
        (address,),
    ).fetchone()
    return UUID(str(row["user_id"])) if row else None


def insert_interaction(
    conn: Connection,
    *,
    direction: str,
    occurred_at: Any,
    subject: str | None,
    summary: str | None,
    person_id: UUID,
    company_id: UUID | None,
    external_ref: str,
) -> UUID | None:
    """The ``email`` interaction on the person's (and their company's) timeline (None when one
    with this reference exists)."""
    row = conn.execute(
        f"""
        INSERT INTO interactions (org_id, type, direction, occurred_at, subject, summary, person_id,
                                  company_id, external_ref)
        VALUES ({_TENANT}, 'email', %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (org_id, external_ref) WHERE deleted_at IS NULL AND external_ref IS NOT NULL DO NOTHING
        RETURNING id
        """,
        (
            direction,
            occurred_at,
            (subject or None) and subject[:300],
            (summary or None) and summary[:5000],
            person_id,
            company_id,
            external_ref[:255],
        ),
    ).fetchone()
    return UUID(str(row["id"])) if row else None
