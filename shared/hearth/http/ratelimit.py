"""Requests per minute per credential, counted in PostgreSQL in one round trip.

Fixed one-minute windows per (org, credential). The count is committed on its own, so failed
requests count too. The result feeds the ``RateLimit-*`` headers and ``Retry-After`` on 429::

    state = hit(org_id, principal.credential, principal.rate_limit)
"""

from __future__ import annotations

from dataclasses import dataclass
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


def hit(org_id: UUID, subject: str, limit: int) -> RateState:
    """Count one request; raise 429 (with the headers) when the window is spent."""
    row = db.database("app").run_once(_HIT_SQL, {"org": str(org_id), "subject": subject}, org_id=str(org_id))
    assert row is not None
    state = RateState(limit=limit, hits=row["hits"], reset_seconds=row["reset_seconds"])
    if state.exceeded:
        raise TooManyRequests(
            "rate_limited",
            f"More than {limit} requests in a minute. Retry after {state.reset_seconds} s.",
            headers={**state.headers(), "Retry-After": str(state.reset_seconds)},
        )
    return state
