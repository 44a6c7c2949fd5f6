"""Twilio webhooks, verified by Twilio's own ``RequestValidator`` (imported by ``verify`` only: a
function that receives Twilio's webhooks declares ``needs.TWILIO_SDK``)::

    provider = Twilio()                   # keys: the account's auth token(s), from its org's integration
    verified = provider.verify(request)   # signer_org: the org whose key verified it

Twilio signs the full URL it called (``InboundRequest.url``) followed by every POST field, sorted,
with HMAC-SHA1 under the account's auth token (``X-Twilio-Signature``); a JSON body is signed
through the ``bodySHA256`` query parameter instead; ``X-Twilio-Webhooks-Signature-Settings`` may
name HMAC-SHA256. The ``AccountSid`` of the form (of the query for a GET) says whose keys to try:
``keys(account_sid)``, by default ``hearth.integrations.signing.signing_keys("twilio", account)``:
the account's current token and, while it rotates, the previous one, each with its org.

Twilio signs no timestamp: a captured request verifies forever. Replays are caught by the kit's
dedupe on ``delivery_id``, which is made only of what Twilio signed::

    <MessageSid|CallSid|SmsSid>[:<MessageStatus|CallStatus|SmsStatus>]:<digest>

``digest`` is the first 32 hex digits of SHA-256 over what the signature covers (the URL and the
fields as Twilio concatenates them, or the URL and the JSON body):
a status callback repeats its ``MessageSid`` with each new status, and a call sends several
callbacks with one ``CallSid`` and status (a ``<Gather>`` result, say), so the sid alone would
drop real deliveries; the same signed request again (Twilio's retry, or a replay) has the same id.
``event`` is that status (``delivered``, ``received``, ``ringing``...), else empty; a form field
Twilio repeats is in ``payload`` with its last value and in ``extra["repeated"]`` with all of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from hearth.hooks.providers.base import InboundRequest, SignatureInvalid, SigningKey, Verified
from hearth.hooks.providers.bodies import form, json_object, text

SIDS = ("MessageSid", "CallSid", "SmsSid")
STATUSES = ("MessageStatus", "CallStatus", "SmsStatus")


def _integration_keys(account: str) -> Sequence[SigningKey]:
    from hearth.integrations.signing import signing_keys

    return [SigningKey(key.secret, key.org_id) for key in signing_keys("twilio", account)]


class _Form(dict[str, str]):
    """Form fields as ``RequestValidator`` reads a multi-dict: ``getall`` gives every value of a
    repeated field (Twilio signs each); the mapping itself holds the last."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self._all: dict[str, list[str]] = {}
        for name, value in pairs:
            self._all.setdefault(name, []).append(value)

    def getall(self, name: str) -> list[str]:
        return self._all[name]

    def repeated(self) -> dict[str, list[str]]:
        return {name: values for name, values in self._all.items() if len(values) > 1}

    def signed(self) -> str:
        """The fields as Twilio's signature covers them: each name, sorted, with each of its
        distinct values, sorted (so a request that verifies has one id however it repeats them)."""
        return "".join(name + value for name in sorted(self._all) for value in sorted(set(self._all[name])))


class Twilio:
    """Twilio's side of the kit (rejects with 403, as Twilio's documentation does)."""

    name = "twilio"
    rejection_status = 403

    def __init__(self, keys: Callable[[str], Sequence[SigningKey]] | None = None) -> None:
        self.keys = keys or _integration_keys

    def verify(self, request: InboundRequest) -> Verified:
        offered = request.header("x-twilio-signature")
        if not offered:
            raise SignatureInvalid("missing X-Twilio-Signature")
        query = parse_qsl(request.raw_query, keep_blank_values=True)
        params: Any
        extra: dict[str, Any] = {}
        if any(name == "bodySHA256" for name, _ in query):
            params = text(request.body)  # the validator checks the body's hash in the signed URL
            payload: dict[str, Any] = json_object(request.body)
            signed = params
        elif request.method.upper() == "POST":
            params = _Form(form(request.body))
            payload = dict(params)
            if params.repeated():
                extra["repeated"] = params.repeated()
            signed = params.signed()
        else:
            params = {}
            payload = dict(query)
            signed = ""
        account = payload.get("AccountSid") or dict(query).get("AccountSid")
        if not isinstance(account, str) or not account:
            raise SignatureInvalid("no AccountSid")
        signer = self._signer(request, account, params, offered)
        if signer is None:
            raise SignatureInvalid("no matching signature")
        digest = hashlib.sha256(f"{request.url}\n{signed}".encode()).hexdigest()[:32]
        sid = _first(payload, SIDS)
        status = _first(payload, STATUSES)
        return Verified(
            payload=payload,
            delivery_id=":".join(part for part in (sid, status, digest) if part),
            event=status,
            account=account,
            signer_org=signer.org_id,
            extra=extra,
        )

    def _signer(self, request: InboundRequest, account: str, params: Any, offered: str) -> SigningKey | None:
        from twilio.request_validator import RequestValidator

        settings_header = request.header("x-twilio-webhooks-signature-settings")
        algorithm: dict[str, str] = {}
        if settings_header:
            from twilio.request_validator import get_signature_algorithm

            algorithm["algorithm"] = get_signature_algorithm(settings_header)
        for key in self.keys(account):
            if not key.secret:
                continue  # an empty token would sign for anyone
            if RequestValidator(key.secret).validate(request.url, params, offered, **algorithm):
                return key
        return None


def _first(fields: dict[str, Any], names: Sequence[str]) -> str:
    for name in names:
        value = fields.get(name)
        if isinstance(value, str) and value:
            return value
    return ""
