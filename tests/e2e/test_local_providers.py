"""The provider stand-ins in a running ``hearth local`` (the fixture stack, whose ``/event/…``
route answers with the event the gateway built): the state file names them, the real SDKs reach
them, ``/_local/`` shows what they got in a real headless browser (Debian's chromium, which
``.ci/run`` installs), faults set on the page reach the SDK, and ``hearth simulate`` deliveries
arrive at a function signed so that the providers' own libraries accept them."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import stripe
from hearth_dev import demo
from hearth_dev.local.aws import client
from hearth_dev.standins.providers import (
    STRIPE_WEBHOOK_SECRET,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
)
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.e2e.conftest import RunningStack, start_fixture_stack, start_stack, wait_for

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def stack(database: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    tmp = tmp_path_factory.mktemp("providers-stack")
    with start_fixture_stack(tmp, database["admin"], "--no-schedules") as running:
        yield running


def twilio_client(stack: RunningStack) -> Client:
    twilio = Client(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)
    twilio.api.base_url = stack.state["standins"]["twilio"]["url"]
    return twilio


def test_state_file_and_banner_name_the_standins(stack: RunningStack) -> None:
    standins = stack.state["standins"]
    assert set(standins) == {"twilio", "stripe", "github", "anthropic"}
    assert stack.state["public_base_url"] == stack.url
    assert stack.client.get(standins["stripe"]["url"] + "/_standin/requests").json()["provider"] == "stripe"
    for name in standins:
        assert f"stand-in       {name}" in stack.log
    assert f"{stack.url}/_local/" in stack.log


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium") or shutil.which(CHROMIUM), "chromium is missing: .ci/run installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def test_the_local_page_shows_what_the_standins_got(stack: RunningStack, browser: Any) -> None:
    callback_url = stack.url + "/event/webhooks/twilio/status"
    message = twilio_client(stack).messages.create(
        to="+15551230001", from_="+15557654321", body="Seen on the page", status_callback=callback_url
    )
    ses = client("ses", stack.state["aws_endpoint"])
    ses.verify_email_identity(EmailAddress="noreply@demo.hearth.local")
    ses.send_email(
        Source="noreply@demo.hearth.local",
        Destination={"ToAddresses": ["ada@example.com"]},
        Message={"Subject": {"Data": "Page email"}, "Body": {"Text": {"Data": "hello"}}},
    )
    page = browser.new_page()
    try:
        page.goto(stack.url + "/_local/")
        row = page.locator("#provider-twilio tr.request", has_text="/Messages.json").first
        row.wait_for(timeout=15_000)
        assert "201" in row.inner_text()
        assert f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json" in row.inner_text()
        row.locator("summary").click()
        assert message.sid in row.inner_text()  # the answer, shown in the opened row
        delivered = page.locator("#provider-twilio tr.callback", has_text="delivered").first
        delivered.wait_for(timeout=15_000)  # the status callback reached the stack's function
        assert "200" in delivered.inner_text()
        page.locator(".email", has_text="Page email").wait_for(timeout=15_000)

        page.select_option("#fault-provider", "twilio")
        page.fill("input[name=status]", "429")
        page.fill("input[name=times]", "1")
        page.click("button[type=submit]")
        page.locator("#fault-result", has_text="set on twilio").wait_for(timeout=5_000)
    finally:
        page.close()
    with pytest.raises(TwilioRestException) as limited:
        twilio_client(stack).messages.create(to="+15551230001", from_="+15557654321", body="again")
    assert (limited.value.status, limited.value.code) == (429, 20429)


def simulate(stack: RunningStack, *args: str) -> tuple[int, dict[str, Any]]:
    """Run ``hearth simulate``; the status and the event the fixture's function received."""
    done = stack.hearth("simulate", *args)
    status_line, _, body = done.stdout.partition("\n")
    assert done.returncode == 0, done.stdout + done.stderr
    return int(status_line.split()[0]), json.loads(body)


def test_simulate_stripe_reaches_a_function_signed(stack: RunningStack) -> None:
    data = json.dumps({"object": {"id": "cus_1", "object": "customer"}})
    status, event = simulate(
        stack,
        "stripe",
        "event",
        "--type",
        "customer.updated",
        "--data",
        data,
        "--path",
        "/event/webhooks/stripe",
    )
    assert status == 200
    assert event["rawPath"] == "/event/webhooks/stripe"
    received = stripe.Webhook.construct_event(
        event["body"], event["headers"]["stripe-signature"], STRIPE_WEBHOOK_SECRET
    )
    assert received.type == "customer.updated"


def test_simulate_twilio_is_signed_over_the_stacks_public_url(stack: RunningStack) -> None:
    path = "/event/webhooks/twilio/sms"
    status, event = simulate(
        stack, "twilio", "request", "--path", path, "--param", "From=+15551234567", "--param", "Body=hi"
    )
    assert status == 200
    body = base64.b64decode(event["body"]).decode() if event["isBase64Encoded"] else event["body"]
    params = dict(parse_qsl(body))
    assert params["Body"] == "hi"
    assert RequestValidator(TWILIO_AUTH_TOKEN).validate(
        stack.state["public_base_url"] + path, params, event["headers"]["x-twilio-signature"]
    )


def test_simulate_to_a_path_nobody_serves_says_so(stack: RunningStack) -> None:
    done = stack.hearth(
        "simulate",
        "github",
        "event",
        "--event",
        "ping",
        "--payload",
        '{"zen": "hi"}',
        "--path",
        "/webhooks/github/none",
    )
    assert done.returncode == 1
    assert done.stdout.startswith("404")
    assert "/webhooks/github/none" in done.stderr


def test_simulated_deliveries_run_through_the_webhook_kit(
    stack: RunningStack, database: dict[str, str]
) -> None:
    """`hearth simulate` -> the local gateway (no authorizer on the route) -> the kit: GitHub's
    signature checked with the local secret, the org found by its lookup, one receipt per
    delivery (a resend answers the same), a wrong secret refused with nothing stored."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(database["admin"], autocommit=True, row_factory=dict_row) as admin:
        admin.execute(
            """
            CREATE OR REPLACE FUNCTION hearth_org_of_test_account(key text) RETURNS uuid
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
            AS $$ SELECT id FROM orgs WHERE id::text = key $$;
            GRANT EXECUTE ON FUNCTION hearth_org_of_test_account(text) TO hearth_app;
            """
        )
        org = str(admin.execute("INSERT INTO orgs (name) VALUES ('Hooks e2e') RETURNING id").fetchone()["id"])

        def receipts() -> int:
            row = admin.execute(
                "SELECT count(*) AS n FROM inbound_webhook_receipts WHERE org_id = %s", (org,)
            )
            return int(row.fetchone()["n"])

        payload = json.dumps({"org": org, "zen": secrets.token_hex(4)})
        first = stack.hearth("simulate", "github", "event", "--event", "push", "--payload", payload)
        assert first.returncode == 0, first.stdout + first.stderr
        status, _, body = first.stdout.partition("\n")
        assert status.startswith("200")
        assert json.loads(body) == {"event": "push", "org": org}
        assert receipts() == 1
        # GitHub redelivers the same body under a new delivery GUID: the same delivery.
        again = stack.hearth("simulate", "github", "event", "--event", "push", "--payload", payload)
        assert again.returncode == 0
        assert json.loads(again.stdout.partition("\n")[2]) == {"event": "push", "org": org}
        assert receipts() == 1
        forged = stack.hearth(
            "simulate",
            "github",
            "event",
            "--event",
            "push",
            "--payload",
            payload.replace("zen", "nez"),
            "--secret",
            "not-the-webhook-secret",
        )
        assert forged.stdout.startswith("401")
        unknown = stack.hearth(
            "simulate",
            "github",
            "event",
            "--event",
            "push",
            "--payload",
            json.dumps({"org": str(uuid.uuid4())}),
        )
        assert unknown.returncode == 0
        assert unknown.stdout.startswith("200")
        assert receipts() == 1
    assert "webhook_signature_invalid" in stack.log


@pytest.fixture(scope="module")
def hearth_stack(
    database: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """Hearth's own template, on a new database (seeded: the demo org and its integration)."""
    from hearth_dev.local import postgres

    name = f"hearth_e2e_{secrets.token_hex(4)}"
    url = postgres.create_database(database["server"], name, exist_ok=False)
    try:
        with start_stack(
            tmp_path_factory.mktemp("hearth-stack"), "--no-schedules", database_url=url
        ) as running:
            yield running
    finally:
        postgres.drop_database(database["server"], name)


def test_the_demo_orgs_twilio_integration_works_against_the_standin(hearth_stack: RunningStack) -> None:
    key = {"authorization": f"Bearer {demo.DEMO_API_KEY}"}
    listed = hearth_stack.client.get("/v1/integrations", headers=key)
    assert listed.status_code == 200, listed.text
    (twilio,) = [i for i in listed.json()["data"] if i["provider"] == "twilio"]
    assert twilio["account"] == TWILIO_ACCOUNT_SID
    tested = hearth_stack.client.post("/v1/integrations/twilio/test", headers=key)
    assert tested.status_code == 200, tested.text
    assert tested.json()["ok"] is True
    recorded = hearth_stack.client.get(hearth_stack.state["standins"]["twilio"]["url"] + "/_standin/requests")
    (fetch,) = recorded.json()["requests"]
    assert (fetch["method"], fetch["path"], fetch["status"]) == (
        "GET",
        f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}.json",
        200,
    )


def test_stopping_the_stack_stops_the_standins(stack: RunningStack) -> None:
    url = stack.state["standins"]["anthropic"]["url"]
    assert stack.stop() == 0
    import httpx

    wait_for(lambda: _refused(httpx, url), 10, "the stand-in to stop")


def _refused(httpx: Any, url: str) -> bool:
    try:
        httpx.get(url + "/_standin/requests", timeout=1)
    except httpx.TransportError:
        return True
    return False
