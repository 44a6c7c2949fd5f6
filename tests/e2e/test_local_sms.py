"""SMS in a running ``hearth local``, as a developer tries it: the local number attached over HTTP,
an SMS sent through the outbox, the event dispatch consumer, the SMS send queue and the sender to
the Twilio stand-in, whose signed status callbacks reach the status webhook until it is
delivered; ``hearth simulate twilio sms`` then stores an inbound message, and STOP opts out."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from hearth_dev import demo
from hearth_dev.local import postgres
from hearth_dev.standins.providers import TWILIO_NUMBER

from tests.e2e.conftest import RunningStack, start_stack, wait_for

pytestmark = pytest.mark.e2e

KEY = {"authorization": f"Bearer {demo.DEMO_API_KEY}"}


@pytest.fixture(scope="module")
def stack(database: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    name = f"hearth_e2e_{secrets.token_hex(4)}"
    url = postgres.create_database(database["server"], name, exist_ok=False)
    try:
        with start_stack(tmp_path_factory.mktemp("sms-stack"), "--no-schedules", database_url=url) as running:
            yield running
    finally:
        postgres.drop_database(database["server"], name)


def test_an_sms_is_sent_delivered_and_answered_locally(stack: RunningStack) -> None:
    attached = stack.client.post("/v1/phone-numbers", headers=KEY, json={"phone_number": TWILIO_NUMBER})
    assert attached.status_code == 201, attached.text
    to = f"+1415{secrets.randbelow(8) + 2}{secrets.randbelow(10**6):06d}"
    sent = stack.client.post("/v1/messages/sms", headers=KEY, json={"to": to, "body": "Hello from local"})
    assert sent.status_code == 202, sent.text
    message_id = sent.json()["id"]

    def delivered() -> dict[str, Any] | None:
        shown: dict[str, Any] = stack.client.get(f"/v1/messages/sms/{message_id}", headers=KEY).json()
        return shown if shown["status"] == "delivered" else None

    shown = wait_for(delivered, 60, "the SMS to be delivered", interval=0.5)
    assert shown["provider_sid"].startswith("SM")

    reply = stack.hearth(
        "simulate", "twilio", "sms", "--from", to, "--to", TWILIO_NUMBER, "--body", "Thanks!"
    )
    assert reply.returncode == 0, reply.stdout + reply.stderr
    assert reply.stdout.startswith("200"), reply.stdout
    inbound = stack.client.get(
        "/v1/messages/sms", headers=KEY, params={"filter[direction]": "inbound"}
    ).json()
    assert [m["body"] for m in inbound["data"]] == ["Thanks!"]
    stop = stack.hearth("simulate", "twilio", "sms", "--from", to, "--to", TWILIO_NUMBER, "--body", "STOP")
    assert stop.returncode == 0, stop.stdout + stop.stderr
    refused = stack.client.post("/v1/messages/sms", headers=KEY, json={"to": to, "body": "again"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "recipient_opted_out"
