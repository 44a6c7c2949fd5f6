"""What every simulated delivery is made of: where it goes (:class:`Target`), the signed request
(:class:`Delivery`), the answer, and the registry of ``hearth simulate <provider> <event>``."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Target:
    """Where a simulated delivery goes: ``base_url`` (the running stack), and the public base URL
    the provider would have called, which Twilio signs (the stack's ``HEARTH_PUBLIC_BASE_URL``)."""

    base_url: str
    public_base_url: str

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def public_url(self, path: str) -> str:
        return self.public_base_url.rstrip("/") + path


@dataclass(frozen=True)
class Delivery:
    """One signed request, as the provider sends it."""

    path: str
    body: bytes
    headers: dict[str, str]
    method: str = "POST"
    label: str = ""


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


#: Makes the signed request(s) from the arguments (``args.local_state``: the running stack's state).
Builder = Callable[[argparse.Namespace, Target], "Delivery | list[Delivery]"]
Options = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Simulation:
    provider: str
    event: str
    build: Builder
    options: Options | None = None
    help: str = ""


REGISTRY: dict[str, dict[str, Simulation]] = {}


def register(
    provider: str, event: str, build: Builder, *, options: Options | None = None, help: str = ""
) -> None:
    """Offer ``hearth simulate <provider> <event>``: ``options`` adds its arguments, ``build``
    makes the signed :class:`Delivery` from them."""
    events = REGISTRY.setdefault(provider, {})
    if event in events:
        raise ValueError(f"hearth simulate {provider} {event} is registered already")
    events[event] = Simulation(provider, event, build, options, help)


def send(delivery: Delivery, target: Target, *, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """Send ``delivery`` to ``target`` and return the answer, whatever its status."""
    request = urllib.request.Request(  # noqa: S310 (the URL is the developer's own)
        target.url(delivery.path), data=delivery.body, headers=delivery.headers, method=delivery.method
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.reason, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.reason, dict(exc.headers.items()), exc.read())


def _json_argument(value: str, what: str) -> Any:
    """JSON given inline, or ``@path`` / a path to a file holding it."""
    text = value
    if value.startswith("@") or (not value.lstrip().startswith(("{", "[")) and Path(value).is_file()):
        text = Path(value.removeprefix("@")).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SystemExit(f"hearth simulate: {what} is not JSON (or a file holding JSON): {exc}") from None


def _token() -> str:
    import secrets

    return secrets.token_hex(16)
