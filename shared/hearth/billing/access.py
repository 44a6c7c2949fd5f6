"""What an org may do now: its plan as of this moment and that plan's limits, its seats, and
whether it may still write (the one module that answers it; ``hearth.plans`` is configuration)::

    now = access.current(conn)            # Access(plan=Plan(...), status="active", ...)
    access.check_seat(conn, org_id)       # 402 seat_limit_reached when every seat is taken

The plan is ``orgs.plan`` (set by the Stripe webhook), except that a canceled subscription whose
period has ended is on ``free`` from that moment, before the hourly schedule writes it down.
Downgrades keep every record: a limit only refuses new use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from hearth import clock, plans
from hearth.billing import store
from hearth.db import Connection
from hearth.problems import PaymentRequired
from hearth.settings import settings

#: Subscription statuses whose org is behind on payment.
OVERDUE = frozenset({"past_due", "unpaid"})
#: Statuses of a subscription that has ended (its plan lasts until the period's end).
ENDED = frozenset({"canceled", "incomplete_expired"})


@dataclass(frozen=True, slots=True)
class Access:
    plan: plans.Plan
    status: str
    account: dict[str, Any] | None

    @property
    def limits(self) -> plans.Limits:
        return self.plan.limits

    @property
    def grace_ends_at(self) -> datetime | None:
        """When a past_due org stops writing (``None``: it is not past_due)."""
        return grace_end(self.status, self.account.get("past_due_since") if self.account else None)


def effective_plan(org_plan: str, account: dict[str, Any] | None, now: datetime) -> str:
    """The plan an org is on at ``now``: its plan, or free once a canceled subscription's period
    has ended."""
    if account is not None and account.get("status") in ENDED:
        end = account.get("current_period_end")
        if end is None or end <= now:
            return plans.FREE
    return org_plan or plans.FREE


def grace_end(status: str | None, past_due_since: datetime | None) -> datetime | None:
    if status not in OVERDUE or past_due_since is None:
        return None
    return past_due_since + timedelta(days=settings().billing_grace_days)


def current(conn: Connection) -> Access:
    """The transaction's org: its plan now, with the plan's limits, and its billing account."""
    account = store.account(conn)
    name = effective_plan(store.org_plan(conn), account, clock.now())
    return Access(plan=plans.get(name), status=account["status"] if account else "none", account=account)


def limits(conn: Connection) -> plans.Limits:
    return current(conn).limits


def check_seat(conn: Connection, org_id: UUID | str) -> None:
    """402 ``seat_limit_reached`` when the org's members fill its plan's seats (the check takes
    the org's seat lock: two new members at once cannot both take the last seat)."""
    store.lock_seats(conn, org_id)
    seats = limits(conn).seats
    used = store.seats_used(conn)
    if seats is not None and used >= seats:
        raise PaymentRequired(
            "seat_limit_reached",
            f"Your plan has {seats} seats and all are taken; remove a member or move to a larger plan.",
            extensions={"limit": seats, "used": used},
        )


def check_webhook_endpoint(conn: Connection) -> None:
    """402 ``quota_exceeded`` when the org has as many webhook endpoints as its plan allows."""
    allowed = limits(conn).webhook_endpoints
    if allowed is not None and store.webhook_endpoints(conn) >= allowed:
        raise PaymentRequired(
            "quota_exceeded",
            f"Your plan allows {allowed} webhook endpoints; delete one or move to a larger plan.",
            extensions={"limit": allowed, "resource": "webhook_endpoints"},
        )
