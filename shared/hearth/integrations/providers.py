"""The providers an org can connect, each declaring its credential fields and how to test them::

    twilio = providers.get("twilio")
    twilio.account_field          # "account_sid": the account an inbound webhook names
    twilio.signing_field          # "auth_token": the secret its webhooks are signed with
    twilio.test({"account_sid": "AC…", "auth_token": "…"})   # TestResult(ok=True)

A field is public (``config``, shown on reads) or secret (write-only, sealed at rest, shown only
as its last four characters). ``test`` calls the provider with the credentials through its own
SDK, imported inside the call only: no other route loads a provider SDK at cold start. The
result names the provider's error code and a sanitised message, never a secret or the body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hearth.settings import settings

#: Seconds a provider test may take (it runs inside the route's transaction).
TEST_TIMEOUT = 10.0
_MESSAGE_LENGTH = 300


@dataclass(frozen=True, slots=True)
class CredentialField:
    name: str
    #: A full-match regular expression (also the OpenAPI ``pattern``).
    pattern: str
    secret: bool = False
    description: str = ""

    def accepts(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value) is not None


@dataclass(frozen=True, slots=True)
class TestResult:
    """What a provider answered a test with: ``ok``, or its error ``code`` and ``message``."""

    ok: bool
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class IntegrationProvider:
    name: str
    title: str
    fields: tuple[CredentialField, ...]
    #: ``test(credentials)``: the call that proves the credentials work (see :meth:`test`).
    check: Callable[[Mapping[str, str]], TestResult]
    #: The public field naming the provider account (what inbound webhooks name), if any.
    account_field: str | None = None
    #: The secret field the provider signs inbound webhooks with, if any.
    signing_field: str | None = None

    @property
    def config_fields(self) -> dict[str, CredentialField]:
        return {f.name: f for f in self.fields if not f.secret}

    @property
    def secret_fields(self) -> dict[str, CredentialField]:
        return {f.name: f for f in self.fields if f.secret}

    def test(self, credentials: Mapping[str, str]) -> TestResult:
        """Call the provider with ``credentials`` (every field); its error, sanitised, if any."""
        result = self.check(credentials)
        if result.ok:
            return result
        secrets = [credentials[name] for name in self.secret_fields if name in credentials]
        return TestResult(
            False,
            sanitised(result.code or "failed", secrets, 100),
            sanitised(result.message or "The provider refused the credentials.", secrets),
        )


def sanitised(text: str, secrets: Iterable[str], limit: int = _MESSAGE_LENGTH) -> str:
    """``text`` without any of ``secrets`` (or a 6+ character part of one), on one line, cut to
    ``limit`` characters."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "…")
    for secret in secrets:
        for size in (12, 6):
            for start in range(len(secret) - size + 1):
                part = secret[start : start + size]
                if len(part) == size and part in text:
                    text = text.replace(part, "…")
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- Twilio -----------------------------------------------------------------------------------


def _test_twilio(credentials: Mapping[str, str]) -> TestResult:
    """Fetch the account (``GET /2010-04-01/Accounts/{sid}.json``) with its own credentials, from
    ``HEARTH_TWILIO_API_BASE`` (Twilio's API, or a local stand-in)."""
    from twilio.base.exceptions import TwilioRestException, TwilioServiceException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    sid, token = credentials["account_sid"], credentials["auth_token"]
    client = Client(sid, token, http_client=TwilioHttpClient(timeout=TEST_TIMEOUT))
    client.api.base_url = settings().twilio_api_base.rstrip("/")
    try:
        client.api.v2010.accounts(sid).fetch()
    except TwilioServiceException as exc:
        return TestResult(False, str(exc.code or exc.status), exc.detail or exc.title)
    except TwilioRestException as exc:
        message = str(exc.msg or "").removeprefix("Unable to fetch record: ")
        return TestResult(False, str(exc.code or exc.status), message)
    except OSError:  # requests' connection errors and timeouts
        return TestResult(False, "unreachable", "Twilio's API could not be reached.")
    return TestResult(True)


TWILIO = IntegrationProvider(
    name="twilio",
    title="Twilio",
    fields=(
        CredentialField(
            "account_sid", "AC[0-9a-f]{32}", description="The Account SID (`AC` and 32 hex digits)."
        ),
        CredentialField(
            "auth_token",
            "[0-9a-f]{32}",
            secret=True,
            description="The account's Auth Token (32 hex digits); Twilio also signs webhooks with it.",
        ),
    ),
    check=_test_twilio,
    account_field="account_sid",
    signing_field="auth_token",
)


# -- Anthropic --------------------------------------------------------------------------------


def _test_anthropic(credentials: Mapping[str, str]) -> TestResult:
    """List one model with the key, from ``HEARTH_ANTHROPIC_BASE_URL`` (or a local stand-in)."""
    import anthropic

    client = anthropic.Anthropic(
        api_key=credentials["api_key"],
        base_url=settings().anthropic_base_url,
        timeout=TEST_TIMEOUT,
        max_retries=0,
    )
    try:
        client.models.list(limit=1)
    except anthropic.APIStatusError as exc:
        error: Any = exc.body.get("error") if isinstance(exc.body, dict) else None
        if isinstance(error, dict):
            return TestResult(False, str(error.get("type") or exc.status_code), str(error.get("message", "")))
        return TestResult(False, str(exc.status_code), "The API refused the key.")
    except anthropic.APIConnectionError:
        return TestResult(False, "unreachable", "Anthropic's API could not be reached.")
    return TestResult(True)


ANTHROPIC = IntegrationProvider(
    name="anthropic",
    title="Anthropic",
    fields=(
        CredentialField(
            "api_key",
            "sk-ant-[A-Za-z0-9_-]{16,200}",
            secret=True,
            description="An API key (`sk-ant-…`).",
        ),
    ),
    check=_test_anthropic,
)

#: Every provider, by name.
PROVIDERS: dict[str, IntegrationProvider] = {p.name: p for p in (TWILIO, ANTHROPIC)}


def get(name: str) -> IntegrationProvider | None:
    return PROVIDERS.get(name)
