"""The providers of the inbound webhook kit verify what each provider's own library signs, on the
body exactly as signed, and nothing else; platform webhook secrets come from the settings locally
and from Secrets Manager (through Powertools) on AWS, the previous one only until its time."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from uuid import uuid4

import boto3
import pytest
import stripe
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from standardwebhooks import Webhook
from twilio.request_validator import RequestValidator

from hearth import clock
from hearth.hooks.providers.base import InboundRequest, SignatureInvalid, SigningKey
from hearth.hooks.providers.github import GitHub
from hearth.hooks.providers.github import signature as github_signature
from hearth.hooks.providers.standard import StandardWebhooks
from hearth.hooks.providers.stripe import Stripe
from hearth.hooks.providers.twilio import Twilio
from hearth.hooks.secrets import platform_keys
from hearth.settings import ConfigurationError, settings
from hearth.standard_webhooks import new_secret, sign_headers
from tests.conftest import GITHUB_TEST_SETTINGS, ROOT

ORG_A, ORG_B = uuid4(), uuid4()
BASE = "https://hooks.example.com"


def _request(
    body: bytes,
    headers: dict[str, str],
    *,
    path: str = "/webhooks/test/events",
    query: str = "",
    method: str = "POST",
) -> InboundRequest:
    return InboundRequest(
        method=method,
        url=BASE + path + (f"?{query}" if query else ""),
        path=path,
        raw_query=query,
        headers={name.lower(): value for name, value in headers.items()},
        body=body,
    )


def _refused(provider, request: InboundRequest) -> str:
    with pytest.raises(SignatureInvalid) as caught:
        provider.verify(request)
    return caught.value.reason


# -- Standard Webhooks ------------------------------------------------------------------------------

STANDARD_SECRET = new_secret()
PREVIOUS_STANDARD_SECRET = new_secret()


def _standard(*keys: SigningKey, tolerance: int = 300) -> StandardWebhooks:
    return StandardWebhooks("acme", keys=lambda: keys, tolerance=tolerance)


def _standard_signed(
    body: str, secret: str = STANDARD_SECRET, *, at: datetime | None = None
) -> dict[str, str]:
    """Headers as the standardwebhooks library signs them."""
    at = at or datetime.now(UTC)
    msg_id = "msg_" + uuid4().hex
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def test_standard_webhooks_verifies_what_the_library_signs():
    body = '{ "type" :\t"invoice.paid",\n  "data": {"id": "in_1", "note": "caf\u00e9 \u2603"}  }'
    headers = _standard_signed(body)
    verified = _standard(SigningKey(STANDARD_SECRET, ORG_A)).verify(_request(body.encode(), headers))
    assert verified.delivery_id == headers["webhook-id"]
    assert verified.event == "invoice.paid"
    assert verified.payload == {"type": "invoice.paid", "data": {"id": "in_1", "note": "caf\u00e9 \u2603"}}
    assert verified.signer_org == ORG_A
    # And the library accepts what Hearth's own outbound signing produces (one implementation).
    ours = sign_headers("msg_1", int(time.time()), body.encode(), [STANDARD_SECRET])
    assert Webhook(STANDARD_SECRET).verify(body, ours) == json.loads(body)


def test_standard_webhooks_refuses_what_is_not_so_signed():
    body = '{"type": "invoice.paid"}'
    headers = _standard_signed(body)
    provider = _standard(SigningKey(STANDARD_SECRET))
    # The body exactly as signed: the same JSON reformatted is another body.
    assert _refused(provider, _request(b'{"type":"invoice.paid"}', headers)) == "no matching signature"
    assert _refused(_standard(SigningKey(new_secret())), _request(body.encode(), headers)) == (
        "no matching signature"
    )
    for missing in headers:
        partial = {k: v for k, v in headers.items() if k != missing}
        assert "missing" in _refused(provider, _request(body.encode(), partial))
    # The id and the timestamp are signed too.
    assert _refused(provider, _request(body.encode(), {**headers, "webhook-id": "msg_other"})) == (
        "no matching signature"
    )
    later = str(int(headers["webhook-timestamp"]) + 1)
    assert _refused(provider, _request(body.encode(), {**headers, "webhook-timestamp": later})) == (
        "no matching signature"
    )
    assert "Unix time" in _refused(provider, _request(body.encode(), {**headers, "webhook-timestamp": "1e9"}))
    # A signature of another scheme, or no key at all, or an empty secret, verifies nothing.
    v2 = headers["webhook-signature"].replace("v1,", "v2,")
    assert _refused(provider, _request(body.encode(), {**headers, "webhook-signature": v2}))
    assert _refused(_standard(), _request(body.encode(), headers)) == "no matching signature"
    empty = "whsec_"
    forged = sign_headers(headers["webhook-id"], int(headers["webhook-timestamp"]), body.encode(), [empty])
    assert _refused(_standard(SigningKey(empty)), _request(body.encode(), forged)) == "no matching signature"


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86400])
def test_standard_webhooks_refuses_a_timestamp_outside_the_tolerance_either_way(offset):
    body = '{"type": "invoice.paid"}'
    at = datetime.now(UTC) + timedelta(seconds=offset)
    headers = _standard_signed(body, at=at)
    reason = _refused(_standard(SigningKey(STANDARD_SECRET)), _request(body.encode(), headers))
    assert reason == "webhook-timestamp is outside the tolerance"


def test_standard_webhooks_replayed_later_is_refused():
    body = '{"type": "invoice.paid"}'
    signed_at = datetime.now(UTC)
    headers = _standard_signed(body, at=signed_at)
    provider = _standard(SigningKey(STANDARD_SECRET))
    with clock.frozen(signed_at + timedelta(seconds=299)):
        assert provider.verify(_request(body.encode(), headers)).delivery_id == headers["webhook-id"]
    with clock.frozen(signed_at + timedelta(seconds=301)):
        assert (
            _refused(provider, _request(body.encode(), headers))
            == "webhook-timestamp is outside the tolerance"
        )


def test_standard_webhooks_rotation_and_the_signer_org():
    body = '{"type": "a"}'
    keys = (SigningKey(STANDARD_SECRET, ORG_A), SigningKey(PREVIOUS_STANDARD_SECRET, ORG_B))
    # Signed with the previous secret only; and with both (the sender's rotation header).
    old = _standard_signed(body, PREVIOUS_STANDARD_SECRET)
    assert _standard(*keys).verify(_request(body.encode(), old)).signer_org == ORG_B
    both = sign_headers(
        "msg_2", int(time.time()), body.encode(), ["whsec_" + "A" * 43 + "=", PREVIOUS_STANDARD_SECRET]
    )
    assert " " in both["webhook-signature"]
    assert _standard(*keys).verify(_request(body.encode(), both)).signer_org == ORG_B


def test_standard_webhooks_on_bytes_that_are_not_utf8():
    """The signature covers the raw bytes; a body that is not UTF-8 JSON is then refused too."""
    body = b'{"type": "a", "name": "caf\xe9"}'  # Latin-1
    headers = sign_headers("msg_3", int(time.time()), body, [STANDARD_SECRET])
    provider = _standard(SigningKey(STANDARD_SECRET))
    assert _refused(provider, _request(body, headers)) == "the body is not UTF-8"
    assert _refused(provider, _request(body.replace(b"\xe9", b"\xe8"), headers)) == "no matching signature"
    utf8 = body.replace(b"\xe9", "\u00e9".encode())
    assert _refused(provider, _request(utf8, headers)) == "no matching signature"
    array = b'["not", "an", "object"]'
    headers = sign_headers("msg_4", int(time.time()), array, [STANDARD_SECRET])
    assert _refused(provider, _request(array, headers)) == "the signed body is not a JSON object"


# -- Twilio -----------------------------------------------------------------------------------------

TOKEN_A, TOKEN_A_PREVIOUS, TOKEN_B = "a" * 32, "p" * 32, "b" * 32
ACCOUNT_A, ACCOUNT_B = "AC" + "a" * 32, "AC" + "b" * 32
SMS_PATH = "/webhooks/twilio/sms"


class _MultiDict(dict):
    """Form fields as Twilio signs a repeated field (``RequestValidator.get_values``)."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = list(pairs)

    def getall(self, name):
        return [value for key, value in self.pairs if key == name]


def _twilio_keys(account: str) -> list[SigningKey]:
    return {
        ACCOUNT_A: [SigningKey(TOKEN_A, ORG_A), SigningKey(TOKEN_A_PREVIOUS, ORG_A)],
        ACCOUNT_B: [SigningKey(TOKEN_B, ORG_B)],
    }.get(account, [])


def _twilio_form(
    body: bytes, fields: list[tuple[str, str]], token: str = TOKEN_A, *, query: str = ""
) -> InboundRequest:
    url = BASE + SMS_PATH + (f"?{query}" if query else "")
    signature = RequestValidator(token).compute_signature(url, _MultiDict(fields))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return _request(body, headers, path=SMS_PATH, query=query)


STATUS_BODY = (
    b"AccountSid=" + ACCOUNT_A.encode() + b"&MessageSid=SM1&MessageStatus=delivered&SmsStatus=delivered"
    b"&Body=hello+world%20again&To=%2B15551234567&MediaUrl0=&Tag=a&Tag=b"
)
STATUS_FIELDS = [
    ("AccountSid", ACCOUNT_A),
    ("MessageSid", "SM1"),
    ("MessageStatus", "delivered"),
    ("SmsStatus", "delivered"),
    ("Body", "hello world again"),
    ("To", "+15551234567"),
    ("MediaUrl0", ""),
    ("Tag", "a"),
    ("Tag", "b"),
]


def test_twilio_verifies_a_form_as_its_library_signs_it():
    seen = []

    def keys(account: str) -> list[SigningKey]:
        seen.append(account)
        return _twilio_keys(account)

    verified = Twilio(keys).verify(_twilio_form(STATUS_BODY, STATUS_FIELDS))
    assert seen == [ACCOUNT_A]
    assert verified.account == ACCOUNT_A
    assert verified.signer_org == ORG_A
    assert verified.event == "delivered"
    assert verified.payload["Body"] == "hello world again"
    assert verified.payload["To"] == "+15551234567"
    assert verified.payload["MediaUrl0"] == ""
    assert verified.extra["repeated"] == {"Tag": ["a", "b"]}
    sid, status, digest = verified.delivery_id.split(":")
    assert (sid, status, len(digest)) == ("SM1", "delivered", 32)


def test_twilio_delivery_ids_differ_per_callback_and_repeat_for_the_same_request():
    provider = Twilio(_twilio_keys)
    delivered = provider.verify(_twilio_form(STATUS_BODY, STATUS_FIELDS)).delivery_id
    # The same signed request again (a retry or a replay): the same id, for the kit's dedupe.
    assert provider.verify(_twilio_form(STATUS_BODY, STATUS_FIELDS)).delivery_id == delivered
    # Twilio's signature covers each distinct value once: repeating one changes nothing signed,
    # and so nothing of the id either.
    repeated = STATUS_BODY + b"&Tag=a"
    assert provider.verify(_twilio_form(repeated, [*STATUS_FIELDS, ("Tag", "a")])).delivery_id == delivered
    # The same message's next status is another delivery.
    sent_body = STATUS_BODY.replace(b"=delivered", b"=sent")
    sent_fields = [(k, "sent" if v == "delivered" else v) for k, v in STATUS_FIELDS]
    sent = provider.verify(_twilio_form(sent_body, sent_fields)).delivery_id
    assert sent.startswith("SM1:sent:")
    assert sent != delivered
    # Two callbacks of one call in one status (two <Gather> results) are two deliveries.
    gather = [("AccountSid", ACCOUNT_A), ("CallSid", "CA1"), ("CallStatus", "in-progress")]
    first = provider.verify(
        _twilio_form(urlencode([*gather, ("Digits", "1")]).encode(), [*gather, ("Digits", "1")])
    )
    second = provider.verify(
        _twilio_form(urlencode([*gather, ("Digits", "2")]).encode(), [*gather, ("Digits", "2")])
    )
    assert first.delivery_id.startswith("CA1:in-progress:")
    assert first.delivery_id != second.delivery_id


def test_twilio_refuses_what_its_token_did_not_sign():
    provider = Twilio(_twilio_keys)
    good = _twilio_form(STATUS_BODY, STATUS_FIELDS)
    # The body exactly as signed: another value, or the same value encoded another way that
    # decodes differently, is refused; "+" and "%20" are both a space (the same signed value).
    tampered = STATUS_BODY.replace(b"%2B1555", b"%2B1666")
    assert _refused(provider, _request(tampered, good.headers, path=SMS_PATH)) == "no matching signature"
    same = STATUS_BODY.replace(b"hello+world%20again", b"hello%20world+again")
    assert provider.verify(_request(same, good.headers, path=SMS_PATH)).payload["Body"] == "hello world again"
    plus = STATUS_BODY.replace(b"hello+world", b"hello%2Bworld")
    assert _refused(provider, _request(plus, good.headers, path=SMS_PATH)) == "no matching signature"
    # Another token, another URL, no signature, no account, an account without keys.
    wrong = _twilio_form(STATUS_BODY, STATUS_FIELDS, token="x" * 32)
    assert _refused(provider, wrong) == "no matching signature"
    elsewhere = _request(STATUS_BODY, good.headers, path="/webhooks/twilio/voice")
    assert _refused(provider, elsewhere) == "no matching signature"
    unsigned = {k: v for k, v in good.headers.items() if k != "x-twilio-signature"}
    assert _refused(provider, _request(STATUS_BODY, unsigned, path=SMS_PATH)) == "missing X-Twilio-Signature"
    no_account = [(k, v) for k, v in STATUS_FIELDS if k != "AccountSid"]
    assert _refused(provider, _twilio_form(urlencode(no_account).encode(), no_account)) == "no AccountSid"
    stranger = [("AccountSid", "AC" + "c" * 32), *STATUS_FIELDS[1:]]
    assert _refused(provider, _twilio_form(urlencode(stranger).encode(), stranger)) == "no matching signature"
    # An empty token never verifies (HMAC under an empty key is anyone's).
    empty = Twilio(lambda account: [SigningKey("", ORG_A)])
    assert _refused(empty, _twilio_form(STATUS_BODY, STATUS_FIELDS, token="")) == "no matching signature"
    # Bytes that are not UTF-8 are no Twilio form.
    latin = STATUS_BODY.replace(b"hello", b"h\xe9llo")
    assert _refused(provider, _request(latin, good.headers, path=SMS_PATH)) == "the body is not UTF-8"
    escaped = STATUS_BODY.replace(b"hello", b"h%E9llo")
    assert (
        _refused(provider, _request(escaped, good.headers, path=SMS_PATH)) == "the body is not a UTF-8 form"
    )


def test_twilio_rotation_and_each_org_its_own_token():
    provider = Twilio(_twilio_keys)
    previous = provider.verify(_twilio_form(STATUS_BODY, STATUS_FIELDS, token=TOKEN_A_PREVIOUS))
    assert previous.signer_org == ORG_A
    fields_b = [("AccountSid", ACCOUNT_B), *STATUS_FIELDS[1:]]
    body_b = urlencode(fields_b).encode()
    assert provider.verify(_twilio_form(body_b, fields_b, token=TOKEN_B)).signer_org == ORG_B
    # Org A's token does not verify a delivery that names org B's account (nor the reverse).
    assert _refused(provider, _twilio_form(body_b, fields_b, token=TOKEN_A)) == "no matching signature"
    assert (
        _refused(provider, _twilio_form(STATUS_BODY, STATUS_FIELDS, token=TOKEN_B)) == "no matching signature"
    )


def test_twilio_json_bodies_are_signed_through_their_hash():
    body = '{ "AccountSid" : "' + ACCOUNT_A + '",\n\t"MessageSid": "SM9", "MessageStatus": "read" }'
    query = "bodySHA256=" + hashlib.sha256(body.encode()).hexdigest()
    url = f"{BASE}{SMS_PATH}?{query}"
    headers = {
        "Content-Type": "application/json",
        "X-Twilio-Signature": RequestValidator(TOKEN_A).compute_signature(url, {}),
    }
    provider = Twilio(_twilio_keys)
    verified = provider.verify(_request(body.encode(), headers, path=SMS_PATH, query=query))
    assert verified.payload == {"AccountSid": ACCOUNT_A, "MessageSid": "SM9", "MessageStatus": "read"}
    assert verified.delivery_id.startswith("SM9:read:")
    assert verified.signer_org == ORG_A
    reformatted = json.dumps(json.loads(body)).encode()
    assert _refused(provider, _request(reformatted, headers, path=SMS_PATH, query=query)) == (
        "no matching signature"
    )


def test_twilio_get_callbacks_are_signed_in_the_url():
    query = urlencode([("AccountSid", ACCOUNT_A), ("CallSid", "CA7"), ("CallStatus", "ringing")])
    url = f"{BASE}/webhooks/twilio/voice?{query}"
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN_A).compute_signature(url, {})}
    provider = Twilio(_twilio_keys)
    verified = provider.verify(
        _request(b"", headers, path="/webhooks/twilio/voice", query=query, method="GET")
    )
    assert verified.account == ACCOUNT_A
    assert verified.delivery_id.startswith("CA7:ringing:")
    other = query.replace("ringing", "completed")
    assert (
        _refused(provider, _request(b"", headers, path="/webhooks/twilio/voice", query=other, method="GET"))
        == "no matching signature"
    )


def test_twilio_sha256_signatures_named_by_the_signature_settings_header():
    url = BASE + SMS_PATH
    signature = RequestValidator(TOKEN_A).compute_signature(
        url, _MultiDict(STATUS_FIELDS), algorithm="HMAC_SHA256"
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256",
    }
    provider = Twilio(_twilio_keys)
    assert provider.verify(_request(STATUS_BODY, headers, path=SMS_PATH)).signer_org == ORG_A
    sha1 = {**headers, "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA1"}
    assert _refused(provider, _request(STATUS_BODY, sha1, path=SMS_PATH)) == "no matching signature"


def test_twilio_finds_its_keys_in_the_integrations_by_default(monkeypatch):
    from hearth.integrations import signing

    asked = []

    def signing_keys(provider: str, account: str) -> list[SigningKey]:
        asked.append((provider, account))
        return _twilio_keys(account)

    monkeypatch.setattr(signing, "signing_keys", signing_keys)
    assert Twilio().verify(_twilio_form(STATUS_BODY, STATUS_FIELDS)).signer_org == ORG_A
    assert asked == [("twilio", ACCOUNT_A)]


# -- Stripe -----------------------------------------------------------------------------------------

STRIPE_SECRET, STRIPE_PREVIOUS = "whsec_current_" + "c" * 24, "whsec_previous_" + "p" * 24
EVENT = (
    '{\n  "id": "evt_1",  "object": "event", "type": "invoice.paid",\n  "data": {"object": {"id": "in_1"}}\n}'
)


def _stripe_signed(payload: str, secret: str = STRIPE_SECRET, *, at: int | None = None) -> dict[str, str]:
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, at or int(time.time()))
    return {"Stripe-Signature": header, "Content-Type": "application/json"}


def _stripe(*keys: SigningKey) -> Stripe:
    return Stripe(lambda: keys)


def test_stripe_verifies_what_its_library_signs():
    verified = _stripe(SigningKey(STRIPE_SECRET)).verify(_request(EVENT.encode(), _stripe_signed(EVENT)))
    assert verified.delivery_id == "evt_1"
    assert verified.event == "invoice.paid"
    assert verified.payload["data"] == {"object": {"id": "in_1"}}
    assert verified.signer_org is None


def test_stripe_refuses_what_is_not_so_signed():
    provider = _stripe(SigningKey(STRIPE_SECRET))
    headers = _stripe_signed(EVENT)
    compact = json.dumps(json.loads(EVENT)).encode()
    assert _refused(provider, _request(compact, headers)) == "no matching signature within the tolerance"
    wrong = _stripe_signed(EVENT, "whsec_other")
    assert _refused(provider, _request(EVENT.encode(), wrong)) == "no matching signature within the tolerance"
    assert _refused(provider, _request(EVENT.encode(), {})) == "missing Stripe-Signature"
    garbled = {"Stripe-Signature": "v1=abc"}
    assert (
        _refused(provider, _request(EVENT.encode(), garbled)) == "no matching signature within the tolerance"
    )
    assert _refused(_stripe(SigningKey("")), _request(EVENT.encode(), _stripe_signed(EVENT, "")))
    assert _refused(_stripe(), _request(EVENT.encode(), headers))
    not_utf8 = b'{"id": "evt_2", "type": "x", "name": "caf\xe9"}'
    signed = _stripe_signed(not_utf8.decode("latin-1"))
    assert _refused(provider, _request(not_utf8, signed)) == "the body is not UTF-8"
    not_event = '{"object": "event"}'
    assert _refused(provider, _request(not_event.encode(), _stripe_signed(not_event))) == (
        "the signed body is not a Stripe event"
    )


@pytest.mark.parametrize("offset", [-301, -86400])
def test_stripe_refuses_a_replayed_old_timestamp(offset):
    headers = _stripe_signed(EVENT, at=int(time.time()) + offset)
    reason = _refused(_stripe(SigningKey(STRIPE_SECRET)), _request(EVENT.encode(), headers))
    assert reason == "no matching signature within the tolerance"
    assert Stripe(lambda: [SigningKey(STRIPE_SECRET)], tolerance=100_000).verify(
        _request(EVENT.encode(), headers)
    )


def test_stripe_refuses_a_timestamp_from_the_future():
    headers = _stripe_signed(EVENT, at=int(time.time()) + 3600)
    reason = _refused(_stripe(SigningKey(STRIPE_SECRET)), _request(EVENT.encode(), headers))
    assert reason == "Stripe-Signature timestamp is in the future"


def test_stripe_rotation_verifies_with_either_secret():
    keys = (SigningKey(STRIPE_SECRET), SigningKey(STRIPE_PREVIOUS))
    assert _stripe(*keys).verify(_request(EVENT.encode(), _stripe_signed(EVENT, STRIPE_PREVIOUS)))
    # Stripe's own rotation header: a v1 signature per secret.
    now = int(time.time())
    new = stripe.WebhookSignature.generate_signature_header(EVENT, "whsec_new", now)
    old = stripe.WebhookSignature.generate_signature_header(EVENT, STRIPE_PREVIOUS, now)
    both = {"Stripe-Signature": new + "," + old.split(",", 1)[1]}
    assert _stripe(SigningKey(STRIPE_PREVIOUS)).verify(_request(EVENT.encode(), both)).delivery_id == "evt_1"


def test_stripe_reads_the_platform_secret_by_default(monkeypatch):
    monkeypatch.setenv("HEARTH_STRIPE_WEBHOOK_SECRET", f"{STRIPE_SECRET},{STRIPE_PREVIOUS}")
    settings.cache_clear()
    try:
        provider = Stripe()
        assert provider.verify(_request(EVENT.encode(), _stripe_signed(EVENT, STRIPE_PREVIOUS)))
        assert _refused(provider, _request(EVENT.encode(), _stripe_signed(EVENT, "whsec_x")))
    finally:
        monkeypatch.delenv("HEARTH_STRIPE_WEBHOOK_SECRET")
        settings.cache_clear()


# -- GitHub -----------------------------------------------------------------------------------------

GITHUB_SECRET = "It's a Secret to Everybody"


def test_github_documented_vector():
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert github_signature(GITHUB_SECRET, b"Hello, World!") == expected
    headers = {"X-Hub-Signature-256": expected, "X-GitHub-Delivery": "d-1", "X-GitHub-Event": "ping"}
    provider = GitHub(lambda: [SigningKey(GITHUB_SECRET)])
    # The signature verifies; "Hello, World!" is then no GitHub payload.
    assert _refused(provider, _request(b"Hello, World!", headers)) == "the signed body is not JSON"
    assert _refused(provider, _request(b"Hello, World?", headers)) == "no matching signature"


def _github_signed(body: bytes, secret: str = GITHUB_SECRET, **extra: str) -> dict[str, str]:
    return {
        "X-Hub-Signature-256": github_signature(secret, body),
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-GitHub-Event": "issues",
        "Content-Type": "application/json",
        **extra,
    }


def test_github_verifies_json_and_form_bodies():
    provider = GitHub(lambda: [SigningKey(GITHUB_SECRET, ORG_A)])
    body = b'{"action" : "opened",\r\n "issue": {"number": 1, "title": "caf\xc3\xa9"}}'
    verified = provider.verify(_request(body, _github_signed(body)))
    # The delivery id is what GitHub signed: a replay under a fresh (unsigned) GUID is the same delivery.
    assert verified.delivery_id == "sha256:" + hashlib.sha256(body).hexdigest()
    assert verified.extra["delivery"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    replayed = _github_signed(body)
    replayed["X-GitHub-Delivery"] = "00000000-0000-0000-0000-000000000000"
    assert provider.verify(_request(body, replayed)).delivery_id == verified.delivery_id
    assert verified.event == "issues"
    assert verified.payload == {"action": "opened", "issue": {"number": 1, "title": "caf\u00e9"}}
    assert verified.signer_org == ORG_A
    assert verified.extra["body_sha256"] == hashlib.sha256(body).hexdigest()
    form = b"payload=" + urlencode({"p": '{"action": "closed"}'}).encode()[2:]
    headers = _github_signed(form, **{"Content-Type": "application/x-www-form-urlencoded"})
    assert provider.verify(_request(form, headers)).payload == {"action": "closed"}


def test_github_refuses_what_is_not_so_signed():
    provider = GitHub(lambda: [SigningKey(GITHUB_SECRET)])
    body = b'{"action": "opened"}'
    headers = _github_signed(body)
    assert _refused(provider, _request(b'{"action":"opened"}', headers)) == "no matching signature"
    assert _refused(provider, _request(body, _github_signed(body, "another"))) == "no matching signature"
    upper = {**headers, "X-Hub-Signature-256": headers["X-Hub-Signature-256"].upper()}
    assert _refused(provider, _request(body, upper)) == "no matching signature"
    sha1 = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    assert _refused(provider, _request(body, sha1)) == "missing X-Hub-Signature-256"
    undelivered = {k: v for k, v in headers.items() if k != "X-GitHub-Delivery"}
    assert _refused(provider, _request(body, undelivered)) == "missing X-GitHub-Delivery"
    assert _refused(GitHub(lambda: [SigningKey("")]), _request(body, _github_signed(body, ""))) == (
        "no matching signature"
    )
    raw = b'{"action": "opened", "x": "\xff"}'
    assert _refused(provider, _request(raw, _github_signed(raw))) == "the body is not UTF-8"


def test_github_rotation_and_the_platform_secret(monkeypatch):
    body = b'{"action": "opened"}'
    keys = [SigningKey("current"), SigningKey(GITHUB_SECRET, ORG_B)]
    assert GitHub(lambda: keys).verify(_request(body, _github_signed(body))).signer_org == ORG_B
    monkeypatch.setenv("HEARTH_GITHUB_WEBHOOK_SECRET", f"current, {GITHUB_SECRET}")
    settings.cache_clear()
    try:
        assert GitHub().verify(_request(body, _github_signed(body, "current"))).event == "issues"
        assert GitHub().verify(_request(body, _github_signed(body))).event == "issues"
        assert _refused(GitHub(), _request(body, _github_signed(body, "stale"))) == "no matching signature"
    finally:
        monkeypatch.delenv("HEARTH_GITHUB_WEBHOOK_SECRET")
        settings.cache_clear()


# -- platform secrets -------------------------------------------------------------------------------


@pytest.fixture
def fresh_settings(monkeypatch):
    for variable in GITHUB_TEST_SETTINGS:  # the session's GitHub stand-in (tests.conftest)
        monkeypatch.delenv(variable, raising=False)
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def test_platform_keys_from_the_settings(fresh_settings):
    fresh_settings.setenv("HEARTH_STRIPE_WEBHOOK_SECRET", "whsec_a")
    assert platform_keys("stripe") == [SigningKey("whsec_a")]
    fresh_settings.setenv("HEARTH_STRIPE_WEBHOOK_SECRET", "whsec_a,whsec_b")
    settings.cache_clear()
    assert platform_keys("stripe") == [SigningKey("whsec_a"), SigningKey("whsec_b")]
    with pytest.raises(
        ConfigurationError, match="HEARTH_GITHUB_WEBHOOK_SECRET_ARN or HEARTH_GITHUB_WEBHOOK_SECRET"
    ):
        platform_keys("github")
    with pytest.raises(ValueError, match="no platform webhook secret"):
        platform_keys("twilio")


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_plain_platform_secrets_are_refused_on_a_deployed_stage(fresh_settings, stage):
    fresh_settings.setenv("HEARTH_STAGE", stage)
    fresh_settings.delenv("HEARTH_JWT_DEV_SECRET")
    fresh_settings.setenv("HEARTH_GITHUB_WEBHOOK_SECRET", "plain")
    with pytest.raises(ConfigurationError, match="HEARTH_GITHUB_WEBHOOK_SECRET"):
        settings()


@pytest.fixture
def secrets_manager(fresh_settings):
    with mock_aws():
        parameters.clear_caches()
        yield boto3.client("secretsmanager", region_name="us-east-1")
    parameters.clear_caches()


def test_platform_keys_from_secrets_manager_drop_the_previous_after_its_time(secrets_manager, fresh_settings):
    until = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    secret = {"current": "whsec_new", "previous": "whsec_old", "previous_valid_until": "2026-12-02T10:00:00Z"}
    arn = secrets_manager.create_secret(Name="hearth/stripe-webhook", SecretString=json.dumps(secret))["ARN"]
    fresh_settings.setenv("HEARTH_STRIPE_WEBHOOK_SECRET_ARN", arn)
    fresh_settings.setenv("HEARTH_STRIPE_WEBHOOK_SECRET", "whsec_ignored_when_the_arn_is_set")
    with clock.frozen(until - timedelta(minutes=1)):
        assert platform_keys("stripe") == [SigningKey("whsec_new"), SigningKey("whsec_old")]
    # The secret is cached (five minutes), the expiry is not: the previous one ends on time.
    with clock.frozen(until):
        assert platform_keys("stripe") == [SigningKey("whsec_new")]
    # The Stripe provider verifies with it by default.
    with clock.frozen(until - timedelta(minutes=1)):
        assert (
            Stripe().verify(_request(EVENT.encode(), _stripe_signed(EVENT, "whsec_old"))).delivery_id
            == "evt_1"
        )
    with clock.frozen(until + timedelta(minutes=1)):
        assert _refused(Stripe(), _request(EVENT.encode(), _stripe_signed(EVENT, "whsec_old")))


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ({"current": "s1"}, ["s1"]),
        ({"current": "s1", "previous": "s0"}, ["s1"]),  # a rotation without an end is not accepted
        ({"current": "s1", "previous": "s0", "previous_valid_until": "2999-01-01"}, ["s1"]),  # no zone
        (
            {"current": "s1", "previous": "s0", "previous_valid_until": "2999-01-01T00:00:00+02:00"},
            ["s1", "s0"],
        ),
        ({"current": "s1", "previous": "", "previous_valid_until": "2999-01-01T00:00:00Z"}, ["s1"]),
    ],
)
def test_platform_secret_shapes(secrets_manager, fresh_settings, secret, expected):
    arn = secrets_manager.create_secret(Name="hearth/github-webhook", SecretString=json.dumps(secret))["ARN"]
    fresh_settings.setenv("HEARTH_GITHUB_WEBHOOK_SECRET_ARN", arn)
    assert [key.secret for key in platform_keys("github")] == expected


@pytest.mark.parametrize("value", ['"whsec_plain"', '{"previous": "x"}', '{"current": ""}', "[]"])
def test_a_malformed_platform_secret_fails_loudly(secrets_manager, fresh_settings, value):
    arn = secrets_manager.create_secret(Name="hearth/github-webhook", SecretString=value)["ARN"]
    fresh_settings.setenv("HEARTH_GITHUB_WEBHOOK_SECRET_ARN", arn)
    with pytest.raises(ConfigurationError, match="github webhook secret"):
        platform_keys("github")


# -- cold start -------------------------------------------------------------------------------------


def test_importing_a_provider_imports_no_sdk():
    """Each provider imports its SDK inside ``verify`` only: a function pays for its own."""
    code = (
        "import sys\n"
        "import hearth.hooks.providers.twilio, hearth.hooks.providers.stripe\n"
        "import hearth.hooks.providers.github, hearth.hooks.providers.standard, hearth.hooks.secrets\n"
        "loaded = sorted(m for m in ('twilio', 'stripe') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HEARTH_STAGE": "test"},
    )
    assert result.stdout.strip() == ""
