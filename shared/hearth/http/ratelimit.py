"""Requests per minute per credential, counted in PostgreSQL in one round trip.

Fixed one-minute windows per (org, credential). The count is committed on its own, so failed
requests count too, without waiting for the WAL flush; the route kit sends it in the same round
trip that opens the route's transaction. The result feeds the ``RateLimit-*`` headers and
``Retry-After`` on 429::

    tx = db.database("app").begin(org, user, prelude=prelude(org_id, principal.credential))
    state = check(tx.prelude_row, principal.rate_limit)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import db
from hearth.problems import TooManyRequests

_HIT_SQL = """
INSERT INTO rate_limit_counters AS c (org_id, subject, window_start, hits)
VALUES (%(org)s, %(subject)s, date_trunc('minute', now()), 1)
ON CONFLICT (org_id, subject, window_start) DO UPDATE SET hits = c.hits + 1
RETURNING c.hits, GREATEST(1, ceil(extract(epoch FROM c.window_start + interval '1 minute' - now())))::int
  AS reset_seconds
"""


@dataclass(frozen=True, slots=True)
class RateState:
    limit: int
    hits: int
    reset_seconds: int

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


def prelude(org_id: UUID, subject: str) -> db.Prelude:
    """The counting statement, to be sent ahead of the route's transaction in one round trip
    and committed on its own (failed requests count too)."""
    return db.Prelude(_HIT_SQL, {"org": str(org_id), "subject": subject}, durable=False)


def check(row: dict[str, Any] | None, limit: int) -> RateState:
    """The window's state from the counting statement's row; 429 (with the headers) when spent."""
    if row is None:
        raise RuntimeError("the rate-limit statement returned nothing")
    state = RateState(limit=limit, hits=row["hits"], reset_seconds=row["reset_seconds"])
    if state.exceeded:
        raise TooManyRequests(
            "rate_limited",
            f"More than {limit} requests in a minute. Retry after {state.reset_seconds} s.",
            headers={**state.headers(), "Retry-After": str(state.reset_seconds)},
        )
    return state


def hit(org_id: UUID, subject: str, limit: int) -> RateState:
    """Count one request on its own (for callers that open no transaction)."""
    step = prelude(org_id, subject)
    return check(db.database("app").run_once(step.sql, step.params, org_id=str(org_id), durable=False), limit)
