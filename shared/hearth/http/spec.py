"""What a route declares (its spec) and what a route may answer besides its model (a reply).
A route's gateway throttle is :class:`hearth.deployment.Throttle` (shared with provider webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from hearth import needs as needs_
from hearth.deployment import Throttle

__all__ = ["Reply", "RouteSpec", "Throttle"]


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
    #: Problem statuses the route may answer besides the ones every route of its kind does (402).
    refuses: tuple[int, ...] = ()
    #: What the function needs from its deployment (``hearth.needs``), the implied ones included.
    needs: tuple[needs_.Need, ...] = ()
    #: The gateway's limit on this route (expensive routes), if any.
    throttle: Throttle | None = None

    #: Routes are called through the API's authorizer (provider webhooks are not: HookSpec).
    authorized = True

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
