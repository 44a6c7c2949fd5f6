"""The Twilio stand-in through twilio-python: accounts, messages, errors, faults, and status
callbacks signed so that twilio's own RequestValidator accepts them."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl

import httpx
import pytest
from hearth_dev.standins.providers import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN
from hearth_dev.standins.twilio import TwilioStandIn
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.receivers import Receiver

OTHER_SID = "AC" + "ab" * 16
OTHER_TOKEN = "f" * 32


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn({TWILIO_ACCOUNT_SID: TWILIO_AUTH_TOKEN, OTHER_SID: OTHER_TOKEN}) as standin:
        yield standin


def client_for(
    standin: TwilioStandIn,
    sid: str = TWILIO_ACCOUNT_SID,
    token: str = TWILIO_AUTH_TOKEN,
    timeout: float | None = None,
) -> Client:
    client = Client(sid, token, http_client=TwilioHttpClient(timeout=timeout) if timeout else None)
    client.api.base_url = standin.url
    return client


def test_fetch_account(twilio: TwilioStandIn) -> None:
    account = client_for(twilio).api.v2010.accounts(TWILIO_ACCOUNT_SID).fetch()
    assert account.sid == TWILIO_ACCOUNT_SID
    assert account.status == "active"
    assert twilio.requests[0].path == f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}.json"


def test_wrong_credentials_are_20003(twilio: TwilioStandIn) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client_for(twilio, token="0" * 32).messages.create(to="+15551230000", from_="+15557650000", body="x")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    with pytest.raises(TwilioRestException) as other:
        client_for(twilio, OTHER_SID, OTHER_TOKEN).api.v2010.accounts(TWILIO_ACCOUNT_SID).fetch()
    assert other.value.status == 404


def test_message_create_answers_the_message_and_calls_back_signed(twilio: TwilioStandIn) -> None:
    with Receiver() as receiver:
        url = receiver.url + "/webhooks/twilio/status"
        message = client_for(twilio).messages.create(
            to="+15551234567", from_="+15557654321", body="Hello from Hearth", status_callback=url
        )
        assert message.sid.startswith("SM")
        assert len(message.sid) == 34
        assert message.status == "queued"
        assert (message.to, message.from_, message.body) == (
            "+15551234567",
            "+15557654321",
            "Hello from Hearth",
        )
        assert message.account_sid == TWILIO_ACCOUNT_SID
        assert message.direction == "outbound-api"
        callbacks = receiver.wait_for(2)
    validator = RequestValidator(TWILIO_AUTH_TOKEN)
    statuses = []
    for callback in callbacks:
        params = dict(parse_qsl(callback.body.decode()))
        assert validator.validate(url, params, callback.headers["x-twilio-signature"])
        assert not RequestValidator(OTHER_TOKEN).validate(url, params, callback.headers["x-twilio-signature"])
        assert params["MessageSid"] == message.sid
        assert params["AccountSid"] == TWILIO_ACCOUNT_SID
        statuses.append(params["MessageStatus"])
    assert statuses == ["sent", "delivered"]
    assert [c.status for c in twilio.callbacks] == [200, 200]
    fetched = client_for(twilio).messages(message.sid).fetch()
    assert fetched.status == "delivered"
    recorded = twilio.requests[-1]
    assert recorded.status == 201
    assert "Body=Hello+from+Hearth" in recorded.body
    assert recorded.headers["authorization"] == "Basic [redacted]"


def test_undeliverable_number_ends_undelivered_with_30003(twilio: TwilioStandIn) -> None:
    twilio.undeliverable.add("+15550000000")
    with Receiver() as receiver:
        client_for(twilio).messages.create(
            to="+15550000000", from_="+15557654321", body="x", status_callback=receiver.url + "/s"
        )
        last = dict(parse_qsl(receiver.wait_for(2)[1].body.decode()))
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30003")


def test_documented_errors(twilio: TwilioStandIn) -> None:
    client = client_for(twilio)
    with pytest.raises(TwilioRestException) as no_body:
        client.messages.create(to="+15551234567", from_="+15557654321")
    assert (no_body.value.status, no_body.value.code) == (400, 21602)
    with pytest.raises(TwilioRestException) as invalid:
        client.messages.create(to="+15005550001", from_="+15557654321", body="x")
    assert invalid.value.code == 21211
    raw = httpx.post(
        f"{twilio.url}/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json",
        data={"Body": "x"},
        auth=(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN),
    )
    assert raw.status_code == 400
    assert raw.json() == {
        "code": 21604,
        "message": "A 'To' phone number is required.",
        "more_info": "https://www.twilio.com/docs/errors/21604",
        "status": 400,
    }


def test_faults_answer_twilio_errors_and_time_out(twilio: TwilioStandIn) -> None:
    client = client_for(twilio, timeout=0.5)
    twilio.fail(status=429, times=1, paths="/2010-04-01/Accounts", retry_after=3)
    with pytest.raises(TwilioRestException) as limited:
        client.messages.create(to="+15551234567", from_="+15557654321", body="x")
    assert (limited.value.status, limited.value.code) == (429, 20429)
    twilio.fail(status=None, delay=2.0)
    with pytest.raises(Exception, match=r"(?i)timed? ?out"):
        client.messages.create(to="+15551234567", from_="+15557654321", body="x")
    assert client.messages.create(to="+15551234567", from_="+15557654321", body="x").status == "queued"


def test_phone_numbers_are_listed_bought_configured_and_released(twilio: TwilioStandIn) -> None:
    client = client_for(twilio)
    account = client.api.v2010.accounts(TWILIO_ACCOUNT_SID)
    held = twilio.give_number(TWILIO_ACCOUNT_SID, "+14155550100")
    twilio.give_number(OTHER_SID, "+14155550101")
    assert [n.sid for n in account.incoming_phone_numbers.list()] == [held["sid"]]
    assert account.incoming_phone_numbers.list(phone_number="+14155550101") == []
    account.incoming_phone_numbers(held["sid"]).update(
        sms_url="https://hearth.example.com/webhooks/twilio/sms"
    )
    assert twilio.numbers[held["sid"]]["sms_url"] == "https://hearth.example.com/webhooks/twilio/sms"
    twilio.offer_number("+14155550123")
    offered = account.available_phone_numbers("US").local.list(area_code=415)
    assert [n.phone_number for n in offered] == ["+14155550123"]
    bought = account.incoming_phone_numbers.create(
        phone_number="+14155550123", voice_url="https://h.example/v"
    )
    assert bought.phone_number == "+14155550123"
    with pytest.raises(TwilioRestException) as again:
        account.incoming_phone_numbers.create(phone_number="+14155550123")
    assert again.value.code == 21422
    assert account.incoming_phone_numbers(bought.sid).delete() is True
    assert bought.sid not in twilio.numbers
    # Another account's number is not found through this one.
    other = next(sid for sid, n in twilio.numbers.items() if n["account_sid"] == OTHER_SID)
    with pytest.raises(TwilioRestException) as hidden:
        account.incoming_phone_numbers(other).update(sms_url="https://evil.example/")
    assert hidden.value.status == 404


def test_unsubscribed_recipient_is_21610(twilio: TwilioStandIn) -> None:
    twilio.unsubscribed.add("+14155552671")
    with pytest.raises(TwilioRestException) as refused:
        client_for(twilio).messages.create(to="+14155552671", from_="+14155550100", body="hi")
    assert refused.value.code == 21610


def test_placed_call_calls_back_signed_and_recordings_are_served_then_deleted() -> None:
    with Receiver() as receiver, TwilioStandIn({TWILIO_ACCOUNT_SID: TWILIO_AUTH_TOKEN}) as twilio:
        account = client_for(twilio).api.v2010.accounts(TWILIO_ACCOUNT_SID)
        callback = receiver.url + "/webhooks/twilio/voice-status"
        call = account.calls.create(
            to="+14155552671", from_="+14155550100", url="https://h.example/v", status_callback=callback
        )
        got = receiver.wait_for(3)
        statuses = [dict(parse_qsl(r.body.decode())) for r in got]
        assert [s["CallStatus"] for s in statuses] == ["ringing", "in-progress", "completed"]
        assert statuses[-1]["CallDuration"] == "12"
        validator = RequestValidator(TWILIO_AUTH_TOKEN)
        assert all(
            validator.validate(callback, s, r.headers["x-twilio-signature"])
            for s, r in zip(statuses, got, strict=True)
        )
        recording = twilio.give_recording(TWILIO_ACCOUNT_SID, call.sid, audio=b"ID3 voice")
        media = httpx.get(
            f"{twilio.url}/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Recordings/{recording['sid']}.mp3",
            auth=(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN),
        )
        assert (media.status_code, media.content) == (200, b"ID3 voice")
        assert account.recordings(recording["sid"]).delete() is True
        assert recording["sid"] not in twilio.recordings
