"""What a route declares (its spec) and what a route may answer besides its model (a reply)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from hearth import needs as needs_


@dataclass(frozen=True, slots=True)
class Throttle:
    """API Gateway's limit on one route, below the stage's: a token bucket refilled at ``rate``
    requests per second holding at most ``burst``. It counts every caller together (the
    per-credential limit is the kit's rate limiter); excess requests answer 429 at the gateway,
    before any function runs. ``hearth template`` writes it into the stage's ``RouteSettings``."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if not self.rate > 0 or self.burst < 1:
            raise ValueError("a throttle needs rate > 0 and burst >= 1")


@dataclass(frozen=True, slots=True)
class RouteSpec:
    method: str
    path: str  # as in the templates: /v1/members/{user_id}
    permission: str | None
    tenant: bool
    idempotent: bool
    status_code: int
    body_model: type[BaseModel] | None = None
    reveals_secret: bool = False
    also_returns: tuple[int, ...] = ()
    #: What the function needs from its deployment (``hearth.needs``), the implied ones included.
    needs: tuple[needs_.Need, ...] = ()
    #: The gateway's limit on this route (expensive routes), if any.
    throttle: Throttle | None = None

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def has(self, need: needs_.Need) -> bool:
        return need in self.needs


@dataclass(frozen=True, slots=True)
class Reply:
    """A route result with an explicit status and headers (e.g. upsert: 200 or 201)."""

    body: Any
    status: int = 200
    headers: dict[str, str] | None = None
