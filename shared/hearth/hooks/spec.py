"""What an inbound webhook function declares: its route, its provider, its gateway throttle."""

from __future__ import annotations

from dataclasses import dataclass

from hearth import needs as needs_
from hearth.deployment import Throttle

#: A provider webhook's throttle when its module names none: every caller together (the
#: provider), well above what one provider sends a deployment, well below the API's own limit.
DEFAULT_THROTTLE = Throttle(rate=50, burst=100)


@dataclass(frozen=True, slots=True)
class HookSpec:
    method: str
    path: str  # /webhooks/<provider>/<kind>
    provider: str
    needs: tuple[needs_.Need, ...] = ()
    throttle: Throttle = DEFAULT_THROTTLE

    #: Provider webhooks have no authorizer (``AuthorizationType: NONE``): the signature is
    #: checked by the function itself, first.
    authorized = False

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def has(self, need: needs_.Need) -> bool:
        return need in self.needs
