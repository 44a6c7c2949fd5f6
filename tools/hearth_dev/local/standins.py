"""The provider stand-ins in ``hearth local``: started with the stack, the functions' settings
pointed at them as a deployment's point at the providers, listed in the banner and the state
file (so ``hearth simulate`` and the tests find them)::

    standins = start_standins(state_dir, public_base_url="http://localhost:3000")
    standins.twilio.url      # what HEARTH_TWILIO_API_BASE now says
    standins.stop()
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hearth_dev.standins.providers import (
    ANTHROPIC_API_KEY,
    GITHUB_APP_ID,
    STRIPE_SECRET_KEY,
    TWILIO_ACCOUNT_SID,
    StandIns,
)


def start_standins(state_dir: Path, public_base_url: str) -> StandIns:
    """Start every stand-in and set the settings that send the functions' SDKs to them."""
    from hearth.settings import settings

    standins = StandIns(state_dir=state_dir).start()
    standins.stripe.webhook_url = public_base_url.rstrip("/") + "/webhooks/stripe"
    os.environ.update(standins.settings(public_base_url))
    settings.cache_clear()
    return standins


def local_pages(standins: StandIns | None, aws_endpoint: str | None) -> Callable[[Any], None] | None:
    """What adds ``/_local/`` to the HTTP front (:func:`hearth_dev.local.inbox.add_routes`)."""
    if standins is None:
        return None

    def add(app: Any) -> None:
        from hearth_dev.local.inbox import add_routes

        add_routes(app, standins, aws_endpoint)

    return add


def banner_lines(standins: StandIns, url: str) -> list[str]:
    return [
        f"  stand-in       twilio     {standins.twilio.url}  (account {TWILIO_ACCOUNT_SID})",
        f"  stand-in       stripe     {standins.stripe.url}  (key {STRIPE_SECRET_KEY})",
        f"  stand-in       github     {standins.github.url}  (app {GITHUB_APP_ID})",
        f"  stand-in       anthropic  {standins.anthropic.url}  (key {ANTHROPIC_API_KEY})",
        f"  providers      {url}/_local/   (what the stand-ins got; hearth simulate PROVIDER EVENT)",
    ]
