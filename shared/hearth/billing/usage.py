"""Monthly quotas and the usage ledger: what a sender calls around each use of a metered or
limited channel (SMS, email), in the org's tenant transaction::

    usage.check(conn, "sms")                          # 402 quota_exceeded (limit, resets_at) when spent
    usage.record(conn, org_id, "sms", message_id)     # once per message: a second call changes nothing

``check`` locks the month's total until the transaction ends, so two sends at the last unit
take turns. Months are calendar months in UTC; a quota resets at 00:00 UTC on the 1st. What is
recorded on a metered meter (``HEARTH_STRIPE_METERS``: SMS and AI tokens by default) is reported
to Stripe Billing by the hourly ``BillingUsageReport`` schedule (``hearth.billing.reporting``).
Downgrading below what a month has used already refuses only what comes next.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from uuid import UUID

from hearth.billing import access, store
from hearth.db import Connection
from hearth.problems import PaymentRequired

Meter = Literal["sms", "email", "ai_tokens"]
METERS: tuple[Meter, ...] = ("sms", "email", "ai_tokens")

_NOUNS = {"sms": "SMS messages", "email": "emails", "ai_tokens": "AI tokens"}


def limit(conn: Connection, meter: Meter) -> int | None:
    """The org's monthly allowance of ``meter`` by its plan now (``None``: unlimited)."""
    limits = access.limits(conn)
    return {
        "sms": limits.sms_per_month,
        "email": limits.emails_per_month,
        "ai_tokens": limits.ai_tokens_per_month,
    }[meter]


def resets_at(month: date) -> datetime:
    """When the quota of ``month`` resets: the first instant of the next month (UTC)."""
    year, number = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return datetime(year, number, 1, tzinfo=UTC)


def used(conn: Connection, meter: Meter) -> int:
    return store.used_this_month(conn, meter)


def check(conn: Connection, meter: Meter, quantity: int = 1) -> None:
    """402 ``quota_exceeded`` (with ``limit``, ``used`` and ``resets_at``) when ``quantity``
    more would pass this month's allowance."""
    if meter not in METERS:
        raise ValueError(f"unknown meter {meter!r}")
    if quantity < 1:
        raise ValueError("quantity must be positive")
    allowed = limit(conn, meter)
    if allowed is None:
        return
    spent = store.used_this_month(conn, meter, lock=True)
    if spent + quantity > allowed:
        reset = resets_at(store.this_month(conn))
        raise PaymentRequired(
            "quota_exceeded",
            f"Your plan's {allowed} {_NOUNS[meter]} for this month are used up; the allowance"
            f" resets at {reset.isoformat().replace('+00:00', 'Z')} (or move to a larger plan).",
            extensions={
                "meter": meter,
                "limit": allowed,
                "used": spent,
                "resets_at": reset.isoformat().replace("+00:00", "Z"),
            },
        )


def record(conn: Connection, org_id: UUID | str, meter: Meter, source: str, quantity: int = 1) -> bool:
    """Add a use to the ledger and this month's total, once per ``(meter, source)``: ``False``
    (nothing changes) when ``source`` was recorded before."""
    if meter not in METERS:
        raise ValueError(f"unknown meter {meter!r}")
    if quantity < 1:
        raise ValueError("quantity must be positive")
    if not source or len(source) > 200:
        raise ValueError("source must be 1 to 200 characters")
    return store.record_usage(conn, org_id, meter, source, quantity)
