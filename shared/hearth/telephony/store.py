"""Data access for telephony (``migrations/0070``, ``0071``): phone numbers, the org's settings,
SMS messages, opt-outs, and the people and interactions an inbound SMS touches. Every statement
runs in the caller's tenant transaction (row-level security keeps it to the org)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from hearth import sending
from hearth.db import Connection
from hearth.listing import Field, Listing
from hearth.problems import Conflict

_TENANT = "(SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"

# -- phone numbers -------------------------------------------------------------------------------

NUMBER_COLUMNS = (
    "id, e164 AS phone_number, provider_sid, purchased, friendly_name, capabilities, is_default,"
    " member_user_id, forward_to, created_by, created_at, updated_at, version"
)


def list_numbers(conn: Connection) -> list[dict[str, Any]]:
    return conn.execute(f"SELECT {NUMBER_COLUMNS} FROM phone_numbers ORDER BY created_at, id").fetchall()


def get_number(conn: Connection, number_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {NUMBER_COLUMNS} FROM phone_numbers WHERE id = %s" + (" FOR UPDATE" if lock else ""),
        (number_id,),
    ).fetchone()


def number_of(conn: Connection, e164: str) -> dict[str, Any] | None:
    """The org's number ``e164`` (another org's is not visible)."""
    return conn.execute(f"SELECT {NUMBER_COLUMNS} FROM phone_numbers WHERE e164 = %s", (e164,)).fetchone()


def sending_number(conn: Connection, user_id: UUID | None) -> dict[str, Any] | None:
    """The number a member sends from: their own, else the org's default."""
    return conn.execute(
        f"""
        SELECT {NUMBER_COLUMNS} FROM phone_numbers
        WHERE (member_user_id = %s AND %s::uuid IS NOT NULL) OR is_default
        ORDER BY (member_user_id IS NOT DISTINCT FROM %s) DESC LIMIT 1
        """,
        (user_id, user_id, user_id),
    ).fetchone()


def member_number(conn: Connection, user_id: UUID | None) -> dict[str, Any] | None:
    """The member's own number (and the phone it rings), if they have one."""
    if user_id is None:
        return None
    return conn.execute(
        f"SELECT {NUMBER_COLUMNS} FROM phone_numbers WHERE member_user_id = %s", (user_id,)
    ).fetchone()


def insert_number(
    conn: Connection,
    *,
    e164: str,
    provider_sid: str,
    purchased: bool,
    friendly_name: str | None,
    capabilities: dict[str, bool],
    created_by: str,
) -> dict[str, Any]:
    try:
        row = conn.execute(
            f"""
            INSERT INTO phone_numbers
              (org_id, e164, provider_sid, purchased, friendly_name, capabilities, created_by)
            VALUES ({_TENANT}, %s, %s, %s, %s, %s, %s)
            RETURNING {NUMBER_COLUMNS}
            """,
            (
                e164,
                provider_sid,
                purchased,
                (friendly_name or "")[:64] or None,
                Jsonb(capabilities),
                created_by,
            ),
        ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise Conflict(
            "phone_number_taken", "This number is already attached to an org of this deployment."
        ) from None
    assert row is not None
    return row


def update_number(conn: Connection, number_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    """Set ``values`` (is_default, member_user_id, forward_to); a default or member number taken
    from another number of the org first."""
    if values.get("is_default"):
        conn.execute(
            "UPDATE phone_numbers SET is_default = false WHERE is_default AND id <> %s", (number_id,)
        )
    if values.get("member_user_id") is not None:
        conn.execute(
            "UPDATE phone_numbers SET member_user_id = NULL, forward_to = NULL"
            " WHERE member_user_id = %s AND id <> %s",
            (values["member_user_id"], number_id),
        )
    sets = ", ".join(f"{name} = %({name})s" for name in values)
    row = conn.execute(
        f"UPDATE phone_numbers SET {sets} WHERE id = %(id)s RETURNING {NUMBER_COLUMNS}",
        {**values, "id": number_id},
    ).fetchone()
    assert row is not None
    return row


def delete_number(conn: Connection, number_id: UUID) -> None:
    conn.execute("DELETE FROM phone_numbers WHERE id = %s", (number_id,))


# -- settings -------------------------------------------------------------------------------------


def get_settings(conn: Connection) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT create_people, auto_reply, help_text, version FROM telephony_settings"
    ).fetchone()


def put_settings(conn: Connection, values: dict[str, Any], updated_by: str) -> dict[str, Any]:
    row = conn.execute(
        f"""
        INSERT INTO telephony_settings (org_id, create_people, auto_reply, help_text, updated_by)
        VALUES ({_TENANT}, %(create_people)s, %(auto_reply)s, %(help_text)s, %(by)s)
        ON CONFLICT (org_id) DO UPDATE SET create_people = EXCLUDED.create_people,
          auto_reply = EXCLUDED.auto_reply, help_text = EXCLUDED.help_text, updated_by = EXCLUDED.updated_by
        RETURNING create_people, auto_reply, help_text, version
        """,
        {**values, "by": updated_by},
    ).fetchone()
    assert row is not None
    return row


# -- SMS messages -------------------------------------------------------------------------------

SMS_COLUMNS = (
    "r.id, r.direction, r.status, r.from_number, r.to_number, r.phone_number_id, r.person_id, r.body,"
    " r.media_urls, r.provider_sid, r.error_code, r.error_message, r.attempts, r.sent_by, r.created_at,"
    ' r.updated_at, r.version, r.from_number AS "from", r.to_number AS "to",'
    " CASE WHEN r.error_code IS NULL THEN NULL"
    " ELSE jsonb_build_object('code', r.error_code, 'message', r.error_message) END AS error"
)

#: ``GET /v1/messages/sms``: newest first.
SMS_LISTING = Listing(
    select=f"SELECT {SMS_COLUMNS} FROM sms_messages r",
    fields=(
        Field("id", "uuid", nullable=False),
        Field("direction", "choice", choices=("outbound", "inbound"), nullable=False),
        Field(
            "status",
            "choice",
            choices=("queued", "sending", "sent", "delivered", "undelivered", "failed", "received"),
            nullable=False,
        ),
        Field("person_id", "uuid"),
        Field("phone_number_id", "uuid"),
        Field("to_number", "text", nullable=False),
        Field("from_number", "text", nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
    ),
    search=("r.body",),
    default_sort="-created_at",
    soft_delete=False,
    search_label="message bodies",
)


def insert_outbound(
    conn: Connection,
    *,
    from_number: str,
    to_number: str,
    phone_number_id: UUID,
    person_id: UUID | None,
    body: str,
    media_urls: list[str],
    sent_by: str,
) -> dict[str, Any]:
    row = conn.execute(
        f"""
        WITH r AS (
          INSERT INTO sms_messages
            (org_id, direction, status, from_number, to_number, phone_number_id, person_id,
                                    body, media_urls, sent_by)
          VALUES ({_TENANT}, 'outbound', 'queued', %s, %s, %s, %s, %s, %s, %s)
          RETURNING *
        )
        SELECT {SMS_COLUMNS} FROM r
        """,
        (from_number, to_number, phone_number_id, person_id, body, media_urls, sent_by),
    ).fetchone()
    assert row is not None
    return row


def insert_inbound(
    conn: Connection,
    *,
    from_number: str,
    to_number: str,
    phone_number_id: UUID,
    person_id: UUID | None,
    body: str,
    media_urls: list[str],
    provider_sid: str,
) -> dict[str, Any] | None:
    """The received message, or None when its sid was stored already."""
    return conn.execute(
        f"""
        WITH r AS (
          INSERT INTO sms_messages
            (org_id, direction, status, from_number, to_number, phone_number_id, person_id,
                                    body, media_urls, provider_sid)
          VALUES ({_TENANT}, 'inbound', 'received', %s, %s, %s, %s, %s, %s, %s)
          ON CONFLICT (org_id, provider_sid) WHERE provider_sid IS NOT NULL DO NOTHING
          RETURNING *
        )
        SELECT {SMS_COLUMNS} FROM r
        """,
        (from_number, to_number, phone_number_id, person_id, body, media_urls, provider_sid),
    ).fetchone()


def get_message(conn: Connection, message_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {SMS_COLUMNS}, r.claimed_at FROM sms_messages r WHERE r.id = %s"
        + (" FOR UPDATE" if lock else ""),
        (message_id,),
    ).fetchone()


def message_by_sid(conn: Connection, provider_sid: str) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {SMS_COLUMNS} FROM sms_messages r WHERE r.provider_sid = %s", (provider_sid,)
    ).fetchone()


def claim_many(conn: Connection, ids: list[UUID], lease_seconds: float) -> list[dict[str, Any]]:
    """Claim these queued rows for an attempt (``hearth.sending.claim_queued``)."""
    return sending.claim_queued(conn, "sms_messages", SMS_COLUMNS, ids, lease_seconds)


def still_queued(conn: Connection, ids: list[UUID]) -> set[UUID]:
    """Which of these rows are still queued (held by another attempt)."""
    return sending.still_queued(conn, "sms_messages", ids)


def accepted_many(conn: Connection, accepted: list[tuple[UUID, str]]) -> None:
    """Twilio took these messages: their sids, and ``sending`` unless a status callback came first."""
    conn.execute(
        """
        UPDATE sms_messages m
        SET provider_sid = COALESCE(m.provider_sid, a.sid),
            status = CASE WHEN m.status = 'queued' THEN 'sending' ELSE m.status END
        FROM unnest(%s::uuid[], %s::text[]) AS a (id, sid)
        WHERE m.id = a.id AND (m.provider_sid IS NULL OR m.provider_sid = a.sid)
        """,
        ([m for m, _ in accepted], [s for _, s in accepted]),
    )


def opted_out_many(conn: Connection, phones: list[str]) -> set[str]:
    """Which of ``phones`` opted out of the org's messages (see :func:`opted_out`)."""
    if not phones:
        return set()
    rows = conn.execute(
        """
        SELECT phone FROM sms_opt_outs WHERE phone = ANY(%(p)s) AND opted_out
        UNION
        SELECT unnest(phones) FROM people WHERE deleted_at IS NULL AND sms_opt_out AND phones && %(p)s::text[]
        """,
        {"p": phones},
    ).fetchall()
    return {row["phone"] for row in rows} & set(phones)


def release(conn: Connection, message_id: UUID) -> None:
    """End an attempt that did not reach Twilio (a temporary failure): the next one may start."""
    conn.execute(
        "UPDATE sms_messages SET claimed_at = NULL WHERE id = %s AND status = 'queued'", (message_id,)
    )


def advance(
    conn: Connection,
    message_id: UUID,
    status: str,
    *,
    provider_sid: str | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
) -> dict[str, Any] | None:
    """Move an outbound message forward to ``status`` (with Twilio's error, for failed and
    undelivered); None when it is there or past it already (a late or repeated callback)."""
    return conn.execute(
        f"""
        WITH r AS (
          UPDATE sms_messages
          SET status = %(status)s, provider_sid = COALESCE(provider_sid, %(sid)s),
              error_code = %(code)s, error_message = %(message)s
          WHERE id = %(id)s AND direction = 'outbound'
            AND hearth_sms_status_rank(status) < hearth_sms_status_rank(%(status)s)
            AND (%(sid)s::text IS NULL OR provider_sid IS NULL OR provider_sid = %(sid)s)
          RETURNING *
        )
        SELECT {SMS_COLUMNS} FROM r
        """,
        {
            "id": message_id,
            "status": status,
            "sid": provider_sid,
            "code": error_code,
            "message": error_message,
        },
    ).fetchone()


# -- opt-outs ------------------------------------------------------------------------------------


def opted_out(conn: Connection, phone: str) -> bool:
    """Whether ``phone`` opted out of the org's messages (by keyword, or a person with it who did)."""
    row = conn.execute(
        """
        SELECT EXISTS (SELECT 1 FROM sms_opt_outs WHERE phone = %(p)s AND opted_out)
            OR EXISTS (SELECT 1 FROM people WHERE deleted_at IS NULL AND sms_opt_out AND %(p)s = ANY (phones))
          AS out
        """,
        {"p": phone},
    ).fetchone()
    return bool(row and row["out"])


def set_opt_out(conn: Connection, phone: str, out: bool, keyword: str) -> bool:
    """Record that ``phone`` opted out (or back in) with ``keyword``, and mark the people with the
    number; ``True`` when the number's standing changed (a second STOP changes nothing)."""
    row = conn.execute(
        f"""
        WITH before AS (SELECT opted_out FROM sms_opt_outs WHERE phone = %(p)s)
        INSERT INTO sms_opt_outs AS o (org_id, phone, opted_out, keyword, changed_at)
        VALUES ({_TENANT}, %(p)s, %(out)s, %(kw)s, now())
        ON CONFLICT (org_id, phone) DO UPDATE SET opted_out = EXCLUDED.opted_out, keyword = EXCLUDED.keyword,
          changed_at = EXCLUDED.changed_at
        RETURNING (SELECT opted_out FROM before) AS was
        """,
        {"p": phone, "out": out, "kw": keyword[:20]},
    ).fetchone()
    people = conn.execute(
        "UPDATE people SET sms_opt_out = %(out)s WHERE %(p)s = ANY (phones) AND sms_opt_out <> %(out)s",
        {"p": phone, "out": out},
    )
    was = row["was"] if row else None
    return (was is None and out) or (was is not None and was != out) or people.rowcount > 0


# -- people and interactions ---------------------------------------------------------------------


def person_by_phone(conn: Connection, phone: str) -> dict[str, Any] | None:
    """The live person with ``phone`` (the oldest, when several have it)."""
    return conn.execute(
        """
        SELECT id, phones, sms_opt_out FROM people
        WHERE deleted_at IS NULL AND %s = ANY (phones) ORDER BY created_at, id LIMIT 1
        """,
        (phone,),
    ).fetchone()


def person(conn: Connection, person_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT id, phones, sms_opt_out FROM people WHERE id = %s AND deleted_at IS NULL", (person_id,)
    ).fetchone()


def insert_person(conn: Connection, phone: str) -> UUID:
    """A person known only by the number an SMS came from (``properties.source``: sms)."""
    row = conn.execute(
        f"""
        INSERT INTO people (org_id, first_name, phones, properties)
        VALUES ({_TENANT}, %s, ARRAY[%s], %s) RETURNING id
        """,
        (phone, phone, Jsonb({"source": "sms"})),
    ).fetchone()
    assert row is not None
    return UUID(str(row["id"]))


def insert_interaction(
    conn: Connection, *, type: str, direction: str, person_id: UUID, summary: str | None, external_ref: str
) -> UUID | None:
    """The interaction on the person's timeline (None when one with this reference exists)."""
    row = conn.execute(
        f"""
        INSERT INTO interactions (org_id, type, direction, occurred_at, summary, person_id, external_ref)
        VALUES ({_TENANT}, %s, %s, now(), %s, %s, %s)
        ON CONFLICT (org_id, external_ref) WHERE deleted_at IS NULL AND external_ref IS NOT NULL DO NOTHING
        RETURNING id
        """,
        (type, direction, (summary or None) and summary[:5000], person_id, external_ref),
    ).fetchone()
    return UUID(str(row["id"])) if row else None


def org_name(conn: Connection) -> str | None:
    row = conn.execute(f"SELECT name FROM orgs WHERE id = {_TENANT}").fetchone()
    return str(row["name"]) if row else None


#: ``GET /v1/people/{id}/messages``: a person's SMS and calls, in time order.
CONVERSATION_LISTING = Listing(
    select=(
        "SELECT r.* FROM ("
        ' SELECT m.id, \'sms\' AS kind, m.direction, m.status, m.from_number AS "from", m.to_number AS "to",'
        " m.body, NULL::integer AS duration_seconds, false AS voicemail, m.created_at, m.person_id"
        " FROM sms_messages m"
        " UNION ALL"
        " SELECT c.id, 'call', c.direction, c.status, c.from_number, c.to_number, NULL, c.duration_seconds,"
        " c.voicemail, c.created_at, c.person_id FROM calls c"
        ") r"
    ),
    fields=(
        Field("id", "uuid", nullable=False),
        Field("kind", "choice", choices=("sms", "call"), nullable=False),
        Field("direction", "choice", choices=("outbound", "inbound"), nullable=False),
        Field("created_at", "datetime", sortable=True, nullable=False),
    ),
    default_sort="created_at",
    soft_delete=False,
)
