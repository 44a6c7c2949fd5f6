"""The AI token budget: a ledger row per finished run and each org's total per calendar month
(UTC), against the plan's monthly allowance (``ai_tokens_per_month`` of the org's plan now, as
``hearth.billing.access`` answers it). A run's tokens also go to the billing usage ledger, which
reports them to Stripe's meter. ``POST /v1/ai/runs`` is refused (402 ``quota_exceeded``) once
nothing remains; the worker records what each run used. Every call runs in the org's tenant
transaction::

    budget.remaining(conn, org_id)               # tokens left this month (never below 0)
    budget.record(conn, org_id, run_id, 1234)    # once per run: a second call changes nothing
"""

from __future__ import annotations

from uuid import UUID

from hearth.ai import store
from hearth.ai.models import AiUsage, UsageMonth, UsageRun
from hearth.billing import access, usage
from hearth.db import Connection
from hearth.problems import PaymentRequired


def limit(conn: Connection, org_id: UUID | str) -> int:
    """The org's tokens per month, by its plan now."""
    tokens = access.limits(conn).ai_tokens_per_month
    return tokens if tokens is not None else 2**62


def remaining(conn: Connection, org_id: UUID | str) -> int:
    """Tokens the org may still use this month (0 when the allowance is spent or overrun)."""
    return max(0, limit(conn, org_id) - store.tokens_this_month(conn))


def check(conn: Connection, org_id: UUID | str) -> None:
    """402 ``quota_exceeded`` when nothing remains of this month's allowance."""
    allowance = limit(conn, org_id)
    if remaining(conn, org_id) <= 0:
        reset = usage.resets_at(store.this_month(conn)).isoformat().replace("+00:00", "Z")
        raise PaymentRequired(
            "quota_exceeded",
            "Your plan's AI tokens for this month are used up; ask again next month (or on a larger plan).",
            extensions={"meter": "ai_tokens", "limit": allowance, "resets_at": reset},
        )


def record(conn: Connection, org_id: UUID | str, run_id: UUID, tokens: int) -> bool:
    """Add a run's tokens to the ledger and to this month's total, once: ``False`` when the run
    was recorded before (nothing changes)."""
    if tokens < 0:
        raise ValueError("tokens cannot be negative")
    recorded = store.record_usage(conn, org_id, run_id, tokens)
    if recorded and tokens:
        usage.record(conn, org_id, "ai_tokens", f"ai_run:{run_id}", tokens)
    return recorded


def report(conn: Connection, org_id: UUID | str, *, user_id: UUID | None, runs: int) -> AiUsage:
    """``GET /v1/ai/usage``: this month against the allowance, its latest ``runs`` (one
    requester's only, when ``user_id`` is given) and the totals of the twelve months before."""
    allowance = limit(conn, org_id)
    spent = store.tokens_this_month(conn)
    return AiUsage(
        month=store.this_month(conn),
        tokens_used=spent,
        tokens_limit=allowance,
        tokens_remaining=max(0, allowance - spent),
        runs=[UsageRun.model_validate(r) for r in store.runs_this_month(conn, user_id=user_id, limit=runs)]
        if runs
        else [],
        previous_months=[UsageMonth.model_validate(m) for m in store.earlier_months(conn)],
    )
