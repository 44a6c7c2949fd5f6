"""Every provider stand-in together, with the fixed local accounts they accept: what
``hearth local`` runs, ``hearth simulate`` signs with, and the tests use::

    with StandIns() as standins:            # each on a free loopback port
        standins.twilio.url
        standins.settings("http://localhost:3000")   # {"HEARTH_TWILIO_API_BASE": ..., ...}

The accounts are local-only values, fixed so that the demo org's integration, a developer's
notes and ``hearth simulate`` agree across runs. The GitHub App's RSA key is made on first use
and kept in the state folder (``github-app-key.pem``) when one is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from hearth_dev.standins.anthropic import AnthropicStandIn
from hearth_dev.standins.github import GitHubStandIn
from hearth_dev.standins.server import StandIn
from hearth_dev.standins.stripe import StripeStandIn
from hearth_dev.standins.twilio import TwilioStandIn

#: The local Twilio account (the demo org's Twilio integration uses it).
TWILIO_ACCOUNT_SID = "AC10ca1000000000000000000000000001"
TWILIO_AUTH_TOKEN = "10ca17f0a0b0c0d0e0f0a1b1c1d1e1f1"  # noqa: S105 (local only)
#: A number the local Twilio account holds (attach it: POST /v1/phone-numbers), and numbers for sale.
TWILIO_NUMBER = "+14155550100"
TWILIO_NUMBERS_FOR_SALE = ("+14155550123", "+14155550124", "+14155550125")
#: The local Stripe account's secret key, and the webhook endpoint secret its events are signed with.
STRIPE_SECRET_KEY = "sk_test_hearthlocal0000000000000000"  # noqa: S105 (local only)
STRIPE_WEBHOOK_SECRET = "whsec_hearthlocal000000000000000000000000"  # noqa: S105 (local only)
#: The local GitHub App, its one installation and its webhook secret.
GITHUB_APP_ID = 100001
GITHUB_INSTALLATION_ID = 200001
GITHUB_WEBHOOK_SECRET = "hearth-local-github-webhook-secret"  # noqa: S105 (local only)
#: The local Anthropic API key.
ANTHROPIC_API_KEY = "sk-ant-api03-hearth-local-0000000000000000"
GITHUB_KEY_FILE = "github-app-key.pem"


def github_app_key(state_dir: Path | None) -> str:
    """The local GitHub App's private key (PEM), kept in ``state_dir`` when given."""
    path = state_dir / GITHUB_KEY_FILE if state_dir is not None else None
    if path is not None and path.exists():
        return path.read_text(encoding="utf-8")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(pem)
    return pem


def _public_pem(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


class StandIns:
    """The four stand-ins: :attr:`twilio`, :attr:`stripe`, :attr:`github`, :attr:`anthropic`."""

    def __init__(self, *, state_dir: Path | None = None, host: str = "127.0.0.1") -> None:
        self.github_private_key = github_app_key(state_dir)
        self.twilio = TwilioStandIn({TWILIO_ACCOUNT_SID: TWILIO_AUTH_TOKEN}, host=host)
        self.twilio.give_number(TWILIO_ACCOUNT_SID, TWILIO_NUMBER, friendly_name="Local number")
        for number in TWILIO_NUMBERS_FOR_SALE:
            self.twilio.offer_number(number)
        self.stripe = StripeStandIn(STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, host=host)
        self.github = GitHubStandIn(
            GITHUB_APP_ID,
            _public_pem(self.github_private_key),
            GITHUB_WEBHOOK_SECRET,
            {GITHUB_INSTALLATION_ID: "demo-co"},
            host=host,
        )
        self.github.repositories[GITHUB_INSTALLATION_ID] = [self.github.repository("demo-co/web")]
        self.anthropic = AnthropicStandIn(ANTHROPIC_API_KEY, host=host)

    def __iter__(self) -> Iterator[StandIn]:
        return iter((self.twilio, self.stripe, self.github, self.anthropic))

    def get(self, name: str) -> StandIn | None:
        return next((s for s in self if s.name == name), None)

    def start(self) -> StandIns:
        started: list[StandIn] = []
        try:
            for standin in self:
                standin.start()
                started.append(standin)
        except BaseException:
            for standin in started:
                standin.stop()
            raise
        return self

    def stop(self) -> None:
        for standin in self:
            standin.stop()

    def __enter__(self) -> StandIns:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def settings(self, public_base_url: str) -> dict[str, str]:
        """The settings a deployment has, pointing the functions' SDKs at the stand-ins."""
        return {
            "HEARTH_TWILIO_API_BASE": self.twilio.url,
            "HEARTH_STRIPE_API_BASE": self.stripe.url,
            "HEARTH_GITHUB_API_BASE": self.github.url,
            "HEARTH_ANTHROPIC_BASE_URL": self.anthropic.url,
            "HEARTH_STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
            "HEARTH_STRIPE_API_KEY": STRIPE_SECRET_KEY,
            "HEARTH_BILLING_RETURN_URL": f"{public_base_url}/_local/",
            "HEARTH_GITHUB_WEBHOOK_SECRET": GITHUB_WEBHOOK_SECRET,
            "HEARTH_ANTHROPIC_API_KEY": ANTHROPIC_API_KEY,
            "HEARTH_PUBLIC_BASE_URL": public_base_url,
            "HEARTH_GITHUB_APP_ID": str(GITHUB_APP_ID),
            "HEARTH_GITHUB_APP_SLUG": self.github.slug,
            "HEARTH_GITHUB_APP_PRIVATE_KEY": self.github_private_key,
        }

    def state(self) -> dict[str, dict[str, Any]]:
        """Where each stand-in listens and what it accepts (no secrets): for the state file."""
        return {standin.name: standin.describe() for standin in self}
