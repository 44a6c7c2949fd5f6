"""Cross-tenant cases, one per route of ``template.yaml``.

Each area registers its cases in its own module here with :func:`case`; the suite in
``tests/integration/test_cross_tenant.py`` runs every route's case and fails when a route has
none. A case calls the route as ``intruder`` with ids (and data) that belong to ``victim``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any

from hearth_dev.sam.gateway import GatewayResponse

Case = Callable[..., None]
CASES: dict[str, Case] = {}


def case(*route_keys: str) -> Callable[[Case], Case]:
    """Register ``fn(client, victim, intruder)`` as the cross-tenant case of these routes."""

    def register(fn: Case) -> Case:
        for key in route_keys:
            if key in CASES:
                raise ValueError(f"two cross-tenant cases for {key}")
            CASES[key] = fn
        return fn

    return register


def load_all() -> dict[str, Case]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return CASES


def _leaks(response: GatewayResponse, secrets: Iterable[Any]) -> list[str]:
    text = response.body.decode(errors="replace")
    return [str(s) for s in secrets if s and str(s) in text]


def assert_hidden(response: GatewayResponse, *victim_values: Any) -> None:
    """The route answered 404 and showed none of the victim's values."""
    assert response.status == 404, (response.status, response.body[:500])
    assert response.header("content-type") == "application/problem+json"
    assert not _leaks(response, victim_values)


def assert_not_leaked(response: GatewayResponse, *victim_values: Any) -> None:
    """The route answered (any status below 500) without any of the victim's values."""
    assert response.status < 500, (response.status, response.body[:500])
    leaked = _leaks(response, victim_values)
    assert not leaked, f"victim data in the response: {leaked}"
