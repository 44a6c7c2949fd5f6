"""The receipts of inbound deliveries (``inbound_webhook_receipts``): a delivery is claimed in
the same transaction as its effect, before the effect runs, so a second delivery of the same id
(the provider retrying, or sending twice at once) changes nothing and is answered as the first
was::

    if receipts.claim(conn, org_id, "stripe", event_id, "invoice.paid"):
        ...  # the effect
        receipts.answer(conn, org_id, "stripe", event_id, reply)
    else:
        reply = receipts.first_answer(conn, org_id, "stripe", event_id)
"""

from __future__ import annotations

from uuid import UUID

from hearth.db import Connection
from hearth.hooks.context import HookReply

#: The longest answer body kept for replaying to a duplicate (TwiML, a short JSON).
MAX_ANSWER = 65_536


def claim(conn: Connection, org_id: UUID, provider: str, delivery_id: str, event: str) -> bool:
    """Claim the delivery for this transaction: ``False`` when it was already claimed (a
    concurrent claim waits for the first transaction's outcome)."""
    row = conn.execute(
        """
        INSERT INTO inbound_webhook_receipts (org_id, provider, delivery_id, event)
        VALUES (%(org)s, %(provider)s, %(delivery)s, %(event)s)
        ON CONFLICT DO NOTHING
        RETURNING true AS claimed
        """,
        {"org": org_id, "provider": provider, "delivery": delivery_id, "event": event[:255]},
    ).fetchone()
    return row is not None


def answer(conn: Connection, org_id: UUID, provider: str, delivery_id: str, reply: HookReply) -> None:
    """Keep what the delivery was answered (for its duplicates)."""
    body = reply.body if len(reply.body) <= MAX_ANSWER else ""
    conn.execute(
        """
        UPDATE inbound_webhook_receipts
        SET answer_status = %(status)s, answer_type = %(type)s, answer_body = %(body)s
        WHERE org_id = %(org)s AND provider = %(provider)s AND delivery_id = %(delivery)s
        """,
        {
            "status": reply.status,
            "type": reply.content_type,
            "body": body,
            "org": org_id,
            "provider": provider,
            "delivery": delivery_id,
        },
    )


def first_answer(conn: Connection, org_id: UUID, provider: str, delivery_id: str) -> HookReply | None:
    """What the first delivery of this id was answered, if it is known."""
    row = conn.execute(
        """
        SELECT answer_status, answer_type, answer_body FROM inbound_webhook_receipts
        WHERE org_id = %(org)s AND provider = %(provider)s AND delivery_id = %(delivery)s
        """,
        {"org": org_id, "provider": provider, "delivery": delivery_id},
    ).fetchone()
    if row is None or row["answer_status"] is None:
        return None
    return HookReply(int(row["answer_status"]), row["answer_body"] or "", row["answer_type"] or "")
