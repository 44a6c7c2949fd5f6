"""Data access for billing: the org's billing account, its plan (through
``hearth_billing_set_plan``), seats, and the usage ledger. Every function runs in the org's
tenant transaction unless it says it is the system role's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from hearth.db import Connection

_ACCOUNT = """
SELECT org_id, stripe_customer_id, billing_email, stripe_subscription_id, price_id, interval, status,
       subscribed_plan, current_period_start, current_period_end, cancel_at_period_end,
       past_due_since, version
FROM billing_accounts
"""


def account(conn: Connection, *, lock: bool = False) -> dict[str, Any] | None:
    """The org's billing account (``lock``: held until the transaction ends, so that webhook
    deliveries of one org apply one after another)."""
    return conn.execute(_ACCOUNT + (" FOR UPDATE" if lock else "")).fetchone()


def ensure_account(conn: Connection, org_id: UUID | str) -> dict[str, Any]:
    """The org's billing account, created (empty) when it has none, locked."""
    conn.execute(
        "INSERT INTO billing_accounts (org_id) VALUES (%s) ON CONFLICT (org_id) DO NOTHING", (str(org_id),)
    )
    row = account(conn, lock=True)
    assert row is not None
    return row


def set_customer(conn: Connection, customer_id: str) -> None:
    conn.execute(
        "UPDATE billing_accounts SET stripe_customer_id = %s WHERE stripe_customer_id IS NULL", (customer_id,)
    )


def set_billing_email(conn: Connection, email: str | None) -> None:
    conn.execute("UPDATE billing_accounts SET billing_email = %s", (email,))


def save_subscription(conn: Connection, state: dict[str, Any]) -> None:
    """Store the subscription's current state (the names of ``state`` are the columns')."""
    conn.execute(
        """
        UPDATE billing_accounts
        SET stripe_subscription_id = %(subscription_id)s, price_id = %(price_id)s,
            interval = %(interval)s, status = %(status)s, subscribed_plan = %(plan)s,
            current_period_start = %(period_start)s, current_period_end = %(period_end)s,
            cancel_at_period_end = %(cancel_at_period_end)s, past_due_since = %(past_due_since)s
        """,
        state,
    )


def org_plan(conn: Connection) -> str:
    row = conn.execute(
        "SELECT plan FROM orgs WHERE id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)"
    ).fetchone()
    return str(row["plan"]) if row else ""


def set_plan(conn: Connection, plan: str) -> str:
    """Set the org's plan; answers the plan it had."""
    row = conn.execute("SELECT hearth_billing_set_plan(%s) AS previous", (plan,)).fetchone()
    assert row is not None
    return str(row["previous"])


def seats_used(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) AS n FROM org_members").fetchone()
    return int(row["n"]) if row else 0


def lock_seats(conn: Connection, org_id: UUID | str) -> None:
    """Seat checks of one org take turns (until the transaction ends): two invitations accepted
    at once cannot both take the last seat."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 8012))", (f"seats:{org_id}",))


def this_month(conn: Connection) -> date:
    row = conn.execute("SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date AS month").fetchone()
    assert row is not None
    return row["month"]  # type: ignore[no-any-return]


# -- usage ----------------------------------------------------------------------------------------

_RECORD = """
WITH added AS (
  INSERT INTO billing_usage (org_id, meter, source, quantity, month)
  VALUES (%(org)s, %(meter)s, %(source)s, %(quantity)s, date_trunc('month', now() AT TIME ZONE 'UTC')::date)
  ON CONFLICT (org_id, meter, source) DO NOTHING
  RETURNING org_id, meter, month, quantity
)
INSERT INTO billing_usage_months AS m (org_id, meter, month, quantity)
SELECT org_id, meter, month, quantity FROM added
ON CONFLICT (org_id, meter, month) DO UPDATE SET quantity = m.quantity + EXCLUDED.quantity
RETURNING m.quantity
"""


def record_usage(conn: Connection, org_id: UUID | str, meter: str, source: str, quantity: int) -> bool:
    """Add a use to the ledger and the month's total, once per (meter, source)."""
    row = conn.execute(
        _RECORD, {"org": str(org_id), "meter": meter, "source": source, "quantity": quantity}
    ).fetchone()
    return row is not None


def used_this_month(conn: Connection, meter: str, *, lock: bool = False) -> int:
    row = conn.execute(
        "SELECT quantity FROM billing_usage_months"
        " WHERE meter = %s AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date"
        + (" FOR UPDATE" if lock else ""),
        (meter,),
    ).fetchone()
    return int(row["quantity"]) if row else 0


def usage_this_month(conn: Connection) -> dict[str, int]:
    rows = conn.execute(
        "SELECT meter, quantity FROM billing_usage_months"
        " WHERE month = date_trunc('month', now() AT TIME ZONE 'UTC')::date"
    ).fetchall()
    return {r["meter"]: int(r["quantity"]) for r in rows}


def webhook_endpoints(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) AS n FROM webhook_endpoints WHERE deleted_at IS NULL").fetchone()
    return int(row["n"]) if row else 0


# -- the system role's (the hourly schedule) ------------------------------------------------------


def unreported(conn: Connection, meters: list[str], limit: int) -> list[dict[str, Any]]:
    """System role: usage of metered meters not yet reported, of orgs with a Stripe customer."""
    return conn.execute(
        """
        SELECT u.org_id, u.id, u.meter, u.quantity, u.occurred_at, a.stripe_customer_id
        FROM billing_usage u JOIN billing_accounts a ON a.org_id = u.org_id
        WHERE u.reported_at IS NULL AND u.meter = ANY(%s) AND a.stripe_customer_id IS NOT NULL
        ORDER BY u.occurred_at, u.id
        LIMIT %s
        """,
        (meters, limit),
    ).fetchall()


def mark_reported(conn: Connection, org_id: UUID, usage_id: UUID) -> None:
    conn.execute(
        "UPDATE billing_usage SET reported_at = now() WHERE org_id = %s AND id = %s AND reported_at IS NULL",
        (org_id, usage_id),
    )


def cancellations_ended(conn: Connection, now: datetime) -> list[UUID]:
    """System role: orgs whose canceled subscription's period has ended."""
    rows = conn.execute(
        "SELECT a.org_id FROM billing_accounts a JOIN orgs o ON o.id = a.org_id"
        " WHERE a.status IN ('canceled', 'incomplete_expired') AND o.plan <> 'free'"
        " AND (a.current_period_end IS NULL OR a.current_period_end <= %s)",
        (now,),
    ).fetchall()
    return [r["org_id"] for r in rows]
