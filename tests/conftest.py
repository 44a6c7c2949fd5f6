"""Test session set-up: a fresh PostgreSQL database with the migrations applied, the code under
test connecting as the app and system roles, AWS through moto only.

PostgreSQL: ``HEARTH_TEST_DATABASE_URL`` or ``DATABASE_URL`` (an administrative user), else the
server on 127.0.0.1:5432, else an embedded server under ``.hearth/test-pg``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg.rows import dict_row

if TYPE_CHECKING:
    from hearth_dev.standins import TwilioStandIn

ROOT = Path(__file__).resolve().parents[1]
DEV_SECRET = "test-secret-" + "x" * 40
PEPPER = "test-pepper"

# Settings are parsed once per process: set them before anything imports hearth.settings.
os.environ.update(
    HEARTH_STAGE="test",
    HEARTH_JWT_DEV_SECRET=DEV_SECRET,
    HEARTH_JWT_ISSUER="hearth-local",
    HEARTH_JWT_AUDIENCE="hearth",
    HEARTH_API_KEY_PEPPER=PEPPER,
    HEARTH_ROOT=str(ROOT),
    POWERTOOLS_SERVICE_NAME="hearth",
    POWERTOOLS_METRICS_NAMESPACE="Hearth",
    POWERTOOLS_METRICS_DISABLED="true",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_LOG_LEVEL="WARNING",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
)
os.environ.setdefault("HEARTH_RATE_LIMIT_PER_MINUTE", "100000")
os.environ.setdefault("HEARTH_RATE_LIMITS", '{"tiny": 3}')
# Every deployment has the platform's system from-address (the EmailSystemFrom parameter):
# notifications queue their emails from it.
os.environ.setdefault("HEARTH_EMAIL_SYSTEM_FROM", "notifications@hearth.example.com")
# Never the providers' real APIs: Twilio is the session's stand-in (which knows only the accounts
# tests register with `twilio_account`); a provider a test does not point at a loopback stand-in
# finds nothing listening (port 9, discard).
os.environ.setdefault("HEARTH_ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "HEARTH_JWKS_URL", "HEARTH_DB_SECRET_ARN"):
    os.environ.pop(var, None)


def _twilio() -> TwilioStandIn:
    from hearth_dev.standins import TwilioStandIn

    standin = TwilioStandIn({})
    standin.start()
    os.environ["HEARTH_TWILIO_API_BASE"] = standin.url
    return standin


#: The session's Twilio stand-in (started before anything reads the settings).
TWILIO = _twilio()


def twilio_account(account: str | None = None, token: str | None = None) -> tuple[str, str]:
    """A Twilio account (sid, auth token) the session's stand-in accepts, as Twilio would."""
    account = account or "AC" + secrets.token_hex(16)
    token = token or secrets.token_hex(16)
    TWILIO.accounts[account] = token
    return account, token


def _session_urls() -> dict[str, str]:
    """The session database's URLs, decided before collection: modules that read settings at
    import (a cold start) must already see where the database will be."""
    from hearth_dev.local import postgres

    server = postgres.server_for_tests(ROOT)
    name = f"hearth_test_{secrets.token_hex(4)}"
    admin = postgres.with_database(server, name)
    return {
        "server": server,
        "name": name,
        "admin": admin,
        "app": postgres.role_url(admin, postgres.APP_ROLE),
        "system": postgres.role_url(admin, postgres.SYSTEM_ROLE),
    }


def _github() -> tuple[Any, str]:
    """The session's GitHub stand-in and the app's private key; the webhook secret is the one of
    GitHub's documented test vector."""
    from hearth_dev.standins import GitHubStandIn
    from hearth_dev.standins.providers import _public_pem, github_app_key

    key = github_app_key(None)
    standin = GitHubStandIn(GITHUB_APP_ID, _public_pem(key), GITHUB_WEBHOOK_SECRET, {})
    standin.start()
    os.environ.update(
        HEARTH_GITHUB_API_BASE=standin.url,
        HEARTH_GITHUB_APP_ID=str(GITHUB_APP_ID),
        HEARTH_GITHUB_APP_PRIVATE_KEY=key,
        HEARTH_GITHUB_WEBHOOK_SECRET=GITHUB_WEBHOOK_SECRET,
    )
    return standin, key


#: What _github() sets (unit tests of the settings take them out again).
GITHUB_TEST_SETTINGS = (
    "HEARTH_GITHUB_API_BASE",
    "HEARTH_GITHUB_APP_ID",
    "HEARTH_GITHUB_APP_PRIVATE_KEY",
    "HEARTH_GITHUB_WEBHOOK_SECRET",
)
GITHUB_APP_ID = 424242
#: GitHub's documented webhook test vector's secret (docs: "Validating webhook deliveries").
GITHUB_WEBHOOK_SECRET = "It's a Secret to Everybody"
#: The session's GitHub stand-in (started before anything reads the settings).
GITHUB, GITHUB_APP_KEY = _github()

SESSION = _session_urls()
os.environ["HEARTH_DATABASE_URL"] = SESSION["app"]
os.environ["HEARTH_SYSTEM_DATABASE_URL"] = SESSION["system"]


@pytest.fixture(scope="session", autouse=True)
def database() -> Iterator[dict[str, str]]:
    """A fresh database for this session, migrated; the env points the code at it."""
    from hearth_dev.local import postgres
    from hearth_dev.migrate import migrate

    from hearth import db

    postgres.create_database(SESSION["server"], SESSION["name"], exist_ok=False)
    migrate(SESSION["admin"])
    try:
        yield dict(SESSION)
    finally:
        db.reset()
        postgres.drop_database(SESSION["server"], SESSION["name"])


@pytest.fixture
def admin_db(database: dict[str, str]) -> Iterator[psycopg.Connection[dict]]:  # type: ignore[type-arg]
    """A superuser connection to the test database (bypasses RLS) for checking what was stored."""
    with psycopg.connect(database["admin"], autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def app_db(database: dict[str, str]) -> Iterator[psycopg.Connection[dict]]:  # type: ignore[type-arg]
    """A connection as the app role, outside the code under test."""
    with psycopg.connect(database["app"], row_factory=dict_row) as conn:
        yield conn


@pytest.fixture(scope="session")
def gateway(database: dict[str, str]):  # type: ignore[no-untyped-def]
    """API Gateway in process, without the authorizer result cache (tests that need it make
    their own)."""
    from hearth_dev.sam.gateway import Gateway
    from hearth_dev.sam.template import load_template

    return Gateway(load_template(ROOT), authorizer_cache=False)


@pytest.fixture(scope="session")
def client(gateway):  # type: ignore[no-untyped-def]
    from tests.api_client import ApiClient

    return ApiClient(gateway)


@pytest.fixture
def tenant(client):  # type: ignore[no-untyped-def]
    return client.new_tenant("Acme")


@pytest.fixture
def other_tenant(client):  # type: ignore[no-untyped-def]
    return client.new_tenant("Globex")
