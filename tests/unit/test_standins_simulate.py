"""``hearth simulate`` against a loopback receiver: each delivery is verified with the provider's
own library (stripe.Webhook, twilio's RequestValidator) or GitHub's documented HMAC."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import stripe
from hearth_dev import simulate
from hearth_dev.cli import main
from hearth_dev.standins.providers import (
    GITHUB_WEBHOOK_SECRET,
    STRIPE_WEBHOOK_SECRET,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
)
from twilio.request_validator import RequestValidator

from tests.receivers import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_stripe_event(receiver: Receiver, capsys: pytest.CaptureFixture[str]) -> None:
    data = {
        "object": {"id": "cus_1", "object": "customer", "email": "a@example.com"},
        "previous_attributes": {},
    }
    code = main(
        [
            "simulate",
            "stripe",
            "event",
            "--type",
            "customer.updated",
            "--data",
            json.dumps(data),
            "--url",
            receiver.url,
        ]
    )
    assert code == 0
    (got,) = receiver.wait_for(1)
    assert got.path == "/webhooks/stripe"
    event = stripe.Webhook.construct_event(got.body, got.headers["stripe-signature"], STRIPE_WEBHOOK_SECRET)
    assert event.type == "customer.updated"
    assert event.data.object.email == "a@example.com"
    assert event.data.previous_attributes.to_dict() == {}
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(got.body, got.headers["stripe-signature"], "whsec_other")
    out = capsys.readouterr().out
    assert out.startswith("200 OK")
    assert '"received": true' in out


def test_stripe_event_refuses_data_without_an_object(receiver: Receiver) -> None:
    with pytest.raises(SystemExit, match="object"):
        main(["simulate", "stripe", "event", "--type", "x", "--data", '{"id": 1}', "--url", receiver.url])
    assert receiver.bodies == []


def test_github_event_from_a_file(receiver: Receiver, tmp_path: Path) -> None:
    payload = tmp_path / "push.json"
    payload.write_text('{"ref": "refs/heads/main", "commits": []}', encoding="utf-8")
    code = main(
        ["simulate", "github", "event", "--event", "push", "--payload", str(payload), "--url", receiver.url]
    )
    assert code == 0
    (got,) = receiver.wait_for(1)
    assert got.path == "/webhooks/github/events"
    expected = "sha256=" + hmac.new(GITHUB_WEBHOOK_SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["x-hub-signature-256"], expected)
    assert got.headers["x-github-event"] == "push"
    assert uuid.UUID(got.headers["x-github-delivery"])
    assert json.loads(got.body) == {"ref": "refs/heads/main", "commits": []}


def test_twilio_request_is_signed_over_the_public_url(receiver: Receiver) -> None:
    public = "https://hearth.example.com"
    code = main(
        [
            "simulate",
            "twilio",
            "request",
            "--path",
            "/webhooks/twilio/sms",
            "--param",
            "From=+15551234567",
            "--param",
            "Body=hi there",
            "--param",
            "MessageSid=SM" + "1" * 32,
            "--url",
            receiver.url,
            "--public-url",
            public,
        ]
    )
    assert code == 0
    (got,) = receiver.wait_for(1)
    params = dict(parse_qsl(got.body.decode()))
    assert params == {
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": "+15551234567",
        "Body": "hi there",
        "MessageSid": "SM" + "1" * 32,
    }
    signature = got.headers["x-twilio-signature"]
    validator = RequestValidator(TWILIO_AUTH_TOKEN)
    assert validator.validate(public + "/webhooks/twilio/sms", params, signature)
    assert not validator.validate(receiver.url + "/webhooks/twilio/sms", params, signature)
    assert not RequestValidator("0" * 32).validate(public + "/webhooks/twilio/sms", params, signature)


def test_twilio_repeated_parameters_sign_every_value() -> None:
    params = [("AccountSid", TWILIO_ACCOUNT_SID), ("MediaUrl", "b"), ("MediaUrl", "a")]
    signature = simulate.twilio_signature(TWILIO_AUTH_TOKEN, "https://x/webhooks/twilio/mms", params)
    expected = "https://x/webhooks/twilio/mms" + "AccountSid" + TWILIO_ACCOUNT_SID + "MediaUrla" + "MediaUrlb"
    import base64

    mac = hmac.new(TWILIO_AUTH_TOKEN.encode(), expected.encode(), hashlib.sha1).digest()
    assert signature == base64.b64encode(mac).decode()


def test_a_refusal_is_printed_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    with Receiver(status=401) as refusing:
        code = main(["simulate", "github", "event", "--event", "ping", "--url", refusing.url])
    assert code == 1
    assert capsys.readouterr().out.startswith("401 Unauthorized")


def test_without_a_running_stack_it_says_so(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no running `hearth local`"):
        main(["simulate", "github", "event", "--event", "ping", "--state-dir", str(tmp_path)])


def test_registry_offers_new_events_on_the_command_line(receiver: Receiver) -> None:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--word", required=True)

    def build(args: argparse.Namespace, target: simulate.Target) -> simulate.Delivery:
        return simulate.Delivery("/webhooks/example/ping", args.word.encode(), {"Content-Type": "text/plain"})

    simulate.register("example", "ping", build, options=options, help="a test event")
    try:
        with pytest.raises(ValueError, match="registered already"):
            simulate.register("example", "ping", build)
        assert main(["simulate", "example", "ping", "--word", "hello", "--url", receiver.url]) == 0
        (got,) = receiver.wait_for(1)
        assert (got.path, got.body) == ("/webhooks/example/ping", b"hello")
    finally:
        del simulate.REGISTRY["example"]


def test_twilio_sms_and_status_are_signed_with_twilios_fields(receiver: Receiver) -> None:
    public = "https://hearth.example.com"
    common = ["--url", receiver.url, "--public-url", public]
    sms = ["simulate", "twilio", "sms", "--from", "+14155552671", "--to", "+14155550100", "--body", "STOP"]
    assert main([*sms, "--media", "https://example.com/a.jpg", *common]) == 0
    message_id = str(uuid.uuid4())
    status = ["simulate", "twilio", "status", "--message-sid", "SM" + "2" * 32, "--status", "undelivered"]
    assert main([*status, "--message-id", message_id, "--error-code", "30003", *common]) == 0
    first, second = receiver.wait_for(2)
    validator = RequestValidator(TWILIO_AUTH_TOKEN)
    sent = dict(parse_qsl(first.body.decode()))
    assert first.path == "/webhooks/twilio/sms"
    assert sent["From"] == "+14155552671"
    assert sent["Body"] == "STOP"
    assert sent["MessageSid"] == sent["SmsSid"]
    assert sent["MessageSid"].startswith("SM")
    assert (sent["NumMedia"], sent["MediaUrl0"]) == ("1", "https://example.com/a.jpg")
    assert validator.validate(public + "/webhooks/twilio/sms", sent, first.headers["x-twilio-signature"])
    callback = dict(parse_qsl(second.body.decode()))
    assert (second.path, second.raw_query) == ("/webhooks/twilio/sms-status", f"message_id={message_id}")
    assert (callback["MessageStatus"], callback["ErrorCode"]) == ("undelivered", "30003")
    url = f"{public}/webhooks/twilio/sms-status?message_id={message_id}"
    assert validator.validate(url, callback, second.headers["x-twilio-signature"])


def test_twilio_call_is_an_inbound_voice_webhook(receiver: Receiver) -> None:
    public = "https://hearth.example.com"
    args = ["simulate", "twilio", "call", "--from", "+14155552671", "--to", "+14155550100"]
    assert main([*args, "--url", receiver.url, "--public-url", public]) == 0
    (got,) = receiver.wait_for(1)
    params = dict(parse_qsl(got.body.decode()))
    assert got.path == "/webhooks/twilio/voice"
    assert (params["Direction"], params["From"], params["To"]) == ("inbound", "+14155552671", "+14155550100")
    assert params["CallSid"].startswith("CA")
    validator = RequestValidator(TWILIO_AUTH_TOKEN)
    assert validator.validate(public + "/webhooks/twilio/voice", params, got.headers["x-twilio-signature"])
