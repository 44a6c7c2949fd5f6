"""The stand-ins in the local stack: the settings ``hearth local`` gives the functions, and the
``/_local/`` routes (requests per provider, webhooks that came back, SES emails from moto,
faults set over HTTP)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hearth_dev.local.aws import MotoServer, client
from hearth_dev.local.inbox import add_routes
from hearth_dev.local.standins import start_standins
from hearth_dev.standins.providers import (
    ANTHROPIC_API_KEY,
    GITHUB_KEY_FILE,
    GITHUB_WEBHOOK_SECRET,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    StandIns,
)

from tests.receivers import Receiver


@pytest.fixture
def saved_environ() -> Iterator[None]:
    """The whole environment back as it was (hearth local sets whatever its stand-ins need)."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from hearth.settings import settings

        settings.cache_clear()


def test_hearth_local_points_the_settings_at_the_standins(tmp_path: Path, saved_environ: None) -> None:
    from hearth.settings import settings

    standins = start_standins(tmp_path, "http://localhost:3999")
    try:
        assert os.environ["HEARTH_TWILIO_API_BASE"] == standins.twilio.url
        assert os.environ["HEARTH_STRIPE_API_BASE"] == standins.stripe.url
        assert os.environ["HEARTH_GITHUB_API_BASE"] == standins.github.url
        assert os.environ["HEARTH_ANTHROPIC_BASE_URL"] == standins.anthropic.url
        current = settings()
        assert current.public_base_url == "http://localhost:3999"
        assert current.twilio_api_base == standins.twilio.url
        assert current.stripe_api_base == standins.stripe.url
        assert current.github_api_base == standins.github.url
        assert current.anthropic_base_url == standins.anthropic.url
        assert current.stripe_webhook_secret == STRIPE_WEBHOOK_SECRET
        assert current.github_webhook_secret == GITHUB_WEBHOOK_SECRET
        assert current.anthropic_api_key == ANTHROPIC_API_KEY
        assert current.stripe_api_key == STRIPE_SECRET_KEY
        assert standins.stripe.webhook_url == "http://localhost:3999/webhooks/stripe"
        assert httpx.get(standins.twilio.url + "/_standin/requests").json()["provider"] == "twilio"
        assert set(standins.state()) == {"twilio", "stripe", "github", "anthropic"}
        assert "secret" not in str(standins.state()).lower()
    finally:
        standins.stop()
    key = (tmp_path / GITHUB_KEY_FILE).read_text()
    assert key.startswith("-----BEGIN PRIVATE KEY-----")
    assert (tmp_path / GITHUB_KEY_FILE).stat().st_mode & 0o077 == 0
    assert StandIns(state_dir=tmp_path).github_private_key == key  # kept between runs


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture
def page(moto: MotoServer) -> Iterator[tuple[TestClient, StandIns]]:
    app = FastAPI()
    with StandIns() as standins:
        add_routes(app, standins, moto.endpoint)
        with TestClient(app) as http:
            yield http, standins


def test_requests_json_groups_per_provider_with_callbacks(page: tuple[TestClient, StandIns]) -> None:
    http, standins = page
    from twilio.rest import Client

    twilio = Client(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)
    twilio.api.base_url = standins.twilio.url
    with Receiver() as receiver:
        message = twilio.messages.create(
            to="+15551234567", from_="+15557654321", body="page", status_callback=receiver.url + "/status"
        )
        receiver.wait_for(2)
    document = http.get("/_local/requests.json").json()
    assert [p["provider"] for p in document["providers"]] == ["twilio", "stripe", "github", "anthropic"]
    twilio_doc = document["providers"][0]
    assert twilio_doc["url"] == standins.twilio.url
    (created,) = twilio_doc["requests"]
    assert created["path"].endswith("/Messages.json")
    assert created["status"] == 201
    assert message.sid in created["answer"]
    assert created["headers"]["authorization"] == "Basic [redacted]"
    assert [c["status"] for c in twilio_doc["callbacks"]] == [200, 200]
    assert "delivered" in twilio_doc["callbacks"][0]["label"]  # newest first
    assert http.get("/_local/").text.startswith("<!doctype html>")
    assert "cdn" not in http.get("/_local/").text.lower()


def test_faults_over_the_page(page: tuple[TestClient, StandIns]) -> None:
    http, standins = page
    set_ = http.post("/_local/faults", json={"provider": "stripe", "status": 429, "times": 2, "paths": "/v1"})
    assert set_.status_code == 201
    assert set_.json()["provider"] == "stripe"
    assert httpx.get(standins.stripe.url + "/v1/account").status_code == 429
    assert http.post("/_local/faults", json={"provider": "nobody", "status": 500}).status_code == 400
    assert http.post("/_local/faults", json={"provider": "stripe", "status": 99}).status_code == 400
    assert http.post("/_local/faults", json={"provider": "stripe", "colour": "red"}).status_code == 400
    assert http.delete("/_local/faults?provider=stripe").status_code == 204
    assert standins.stripe.faults == []


def test_emails_from_moto_ses(page: tuple[TestClient, StandIns], moto: MotoServer) -> None:
    http, _ = page
    ses = client("ses", moto.endpoint)
    ses.verify_email_identity(EmailAddress="noreply@demo.hearth.local")
    ses.send_email(
        Source="noreply@demo.hearth.local",
        Destination={"ToAddresses": ["ada@example.com"]},
        Message={"Subject": {"Data": "Your invitation"}, "Body": {"Text": {"Data": "Welcome"}}},
    )
    ses.send_raw_email(
        Source="noreply@demo.hearth.local",
        Destinations=["bob@example.com"],
        RawMessage={"Data": b"Subject: Raw hello\r\nTo: bob@example.com\r\n\r\nraw body\r\n"},
    )
    emails = http.get("/_local/requests.json").json()["emails"]
    assert [(e["to"], e["subject"]) for e in emails[:2]] == [
        ("bob@example.com", "Raw hello"),
        ("ada@example.com", "Your invitation"),
    ]
    assert emails[0]["body"].strip() == "raw body"


def test_emails_error_is_shown_not_raised() -> None:
    app = FastAPI()
    with StandIns() as standins:
        add_routes(app, standins, "http://127.0.0.1:9")
        with TestClient(app) as http:
            document = http.get("/_local/requests.json").json()
    assert document["emails"] == []
    assert "could not be read" in document["emails_error"]


def test_received_emails_from_the_local_inbound_bucket(
    page: tuple[TestClient, StandIns], moto: MotoServer
) -> None:
    """What ``hearth simulate ses inbound`` put in the local bucket is shown beside the sent."""
    from email.message import EmailMessage

    from hearth_dev.simulate.ses_inbound import LOCAL_BUCKET

    http, _ = page
    s3 = client("s3", moto.endpoint)
    s3.create_bucket(Bucket=LOCAL_BUCKET)
    message = EmailMessage()
    message["From"] = "maria@example.org"
    message["To"] = "acme-1a2b3c@inbound.hearth.localhost"
    message["Subject"] = "Quote, please"
    message.set_content("Could you send a quote?")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="rfq.pdf")
    s3.put_object(Bucket=LOCAL_BUCKET, Key="inbound/abc123", Body=message.as_bytes())
    s3.put_object(Bucket=LOCAL_BUCKET, Key="attachments/x/abc123/0", Body=b"not a message")
    document = http.get("/_local/requests.json").json()
    (received,) = document["received"]
    assert (received["id"], received["from"], received["subject"]) == (
        "abc123",
        "maria@example.org",
        "Quote, please",
    )
    assert received["to"] == "acme-1a2b3c@inbound.hearth.localhost"
    assert received["body"].strip() == "Could you send a quote?"
    assert received["attachments"] == ["rfq.pdf"]
    assert "received-list" in http.get("/_local/").text
