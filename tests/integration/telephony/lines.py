"""An org's Twilio line in tests: its account on the session's stand-in, a number attached to
it, and webhooks sent as Twilio sends them (signed by twilio's own RequestValidator)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hearth.settings import settings
from tests.conftest import TWILIO, twilio_account


def new_number() -> str:
    """A valid North American number no other test uses."""
    return f"+1415{random.randint(2, 9)}{random.randint(0, 999999):06d}"


@dataclass
class Line:
    """An org's Twilio set-up: its account and the number attached to it."""

    account: str
    token: str
    number: str
    number_id: str


def connect(client: Any, tenant: Any) -> tuple[str, str]:
    account, token = twilio_account()
    made = client.put(
        "/v1/integrations/twilio",
        auth=tenant.key_auth,
        json_body={"config": {"account_sid": account}, "secrets": {"auth_token": token}},
    )
    assert made.status == 201, made.body
    return account, token


def attach(client: Any, tenant: Any, account: str, number: str | None = None) -> dict[str, Any]:
    number = number or new_number()
    TWILIO.give_number(account, number)
    made = client.post("/v1/phone-numbers", auth=tenant.key_auth, json_body={"phone_number": number})
    assert made.status == 201, made.body
    return made.json()


def line(client: Any, tenant: Any) -> Line:
    account, token = connect(client, tenant)
    number = attach(client, tenant, account)
    return Line(account, token, number["phone_number"], number["id"])


def twilio_post(
    client: Any,
    path: str,
    params: dict[str, str],
    token: str,
    *,
    query: str = "",
    signature: str | None = None,
) -> Any:
    """A webhook as Twilio sends it: form-encoded, signed by twilio's own RequestValidator over
    the public URL it called."""
    from twilio.request_validator import RequestValidator

    base = (settings().public_base_url or "").rstrip("/")
    url = f"{base}{path}" + (f"?{query}" if query else "")
    body = urlencode(params).encode()
    signed = RequestValidator(token).compute_signature(url, params) if signature is None else signature
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signed}
    return client.request("POST", path, auth=None, body=body, headers=headers, query=query)


def inbound_sms(
    client: Any, to: Line, sender: str, body: str, *, sid: str | None = None, token: str | None = None
) -> Any:
    params = {
        "AccountSid": to.account,
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "SmsSid": sid or "SM" + uuid.uuid4().hex,
        "From": sender,
        "To": to.number,
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }
    params["SmsSid"] = params["MessageSid"]
    return twilio_post(client, "/webhooks/twilio/sms", params, token or to.token)
