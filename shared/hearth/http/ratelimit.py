"""Requests per minute, counted in PostgreSQL in the route's first round trip.

Fixed one-minute windows, counted twice: per (org, credential), and per user across every org
(an API key counts under the user who created it), so making more orgs or keys buys no more
budget. Both are held to the limit of the plan of the org the request names. The count is
committed on its own, so failed requests count too, without waiting for the WAL flush; the route
kit sends it as the prelude of the route's transaction (``hearth.db``). The state feeds the
``RateLimit-*`` headers of every answer and ``Retry-After`` on 429::

    tx = db.database("app").begin(org, user, prelude=prelude(org_id, user_id, credential), defer=True)
    state = RateState.of(tx.prelude_row, principal.rate_limit)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import db
from hearth.problems import TooManyRequests

# Either count is skipped when its key is null (a request that names no org counts per user
# only). Both windows are the same minute, so one reset serves both. A function (migrations/0148),
# so that the server plans its statements once per session, not on every request.
_HIT_SQL = "SELECT * FROM hearth_count_request(%(org)s::uuid, %(subject)s, %(user)s::uuid)"


@dataclass(frozen=True, slots=True)
class RateState:
    limit: int
    hits: int  # the fuller of the two windows
    reset_seconds: int
    by_user: bool = False  # the user's window (across orgs) is the fuller one

    @classmethod
    def of(cls, row: dict[str, Any] | None, limit: int) -> RateState:
        """The windows' state from the counting statement's row."""
        if row is None:
            raise RuntimeError("the rate-limit statement returned nothing")
        credential, user = row["hits"] or 0, row["user_hits"] or 0
        return cls(
            limit=limit,
            hits=max(credential, user),
            reset_seconds=row["reset_seconds"],
            by_user=user > credential,
        )

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.hits)

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }

    def problem(self) -> TooManyRequests | None:
        """The 429 (with the headers) when a window is spent."""
        if not self.exceeded:
            return None
        whose = "by this user across all orgs" if self.by_user else "with this credential"
        return TooManyRequests(
            "rate_limited",
            f"More than {self.limit} requests in a minute {whose}. Retry after {self.reset_seconds} s.",
            headers={**self.headers(), "Retry-After": str(self.reset_seconds)},
        )


def prelude(
    org_id: UUID | None,
    user_id: UUID | None,
    subject: str,
    *,
    more: tuple[tuple[str, dict[str, Any]], ...] = (),
) -> db.Prelude:
    """The counting statement (and ``more`` statements to run with it), to be sent ahead of the
    route's transaction in its first round trip and committed on their own (failed requests
    count too)."""
    params = {
        "org": str(org_id) if org_id else None,
        "user": str(user_id) if user_id else None,
        "subject": subject,
    }
    return db.Prelude(_HIT_SQL, params, durable=False, more=more)


def check(row: dict[str, Any] | None, limit: int) -> RateState:
    """The windows' state from the counting statement's row; 429 (with the headers) when spent."""
    state = RateState.of(row, limit)
    if (problem := state.problem()) is not None:
        raise problem
    return state


def hit(
    org_id: UUID | None, user_id: UUID | None, subject: str, limit: int, *, enforce: bool = True
) -> RateState:
    """Count one request on its own, in one round trip (for callers that open no transaction)."""
    step = prelude(org_id, user_id, subject)
    row = db.database("app").run_once(
        step.sql, step.params, org_id=str(org_id or ""), user_id=str(user_id or ""), durable=False
    )
    return check(row, limit) if enforce else RateState.of(row, limit)
