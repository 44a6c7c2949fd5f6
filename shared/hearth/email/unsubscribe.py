"""One-click unsubscribe (RFC 8058): a marketing email carries ::

    List-Unsubscribe: <https://<public base>/webhooks/email/unsubscribe?t=<token>>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

and the mail client POSTs to that URL. The token is bound to the org and the address and signed
with the platform's unsubscribe key (HMAC-SHA256; verified in constant time), so the public route
needs no sign-in and a token names nothing it was not issued for::

    token = sign(org_id, "ada@example.com")
    verify(token)   # (org_id, "ada@example.com"), or SignatureInvalid

The route (``functions/email/hooks/unsubscribe.py``) is a webhook of the inbound kit with
:class:`Unsubscribe` as its provider: the token is checked before anything else, then the address
is suppressed for marketing in the token's org.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs
from uuid import UUID

from hearth.events.types import EMAIL_SUPPRESSED
from hearth.hooks.context import HookContext, HookReply
from hearth.hooks.providers.base import InboundRequest, SignatureInvalid, Verified
from hearth.platform_secrets import platform_secret
from hearth.settings import settings

PATH = "/webhooks/email/unsubscribe"
#: A token is at most this long (an address is at most 320 characters).
MAX_TOKEN = 700


def _key() -> bytes:
    return platform_secret("email_unsubscribe_key", "email unsubscribe key").encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, b"hearth-email-unsubscribe\x00" + payload, hashlib.sha256).digest()


def sign(org_id: UUID, address: str) -> str:
    payload = org_id.bytes + address.lower().encode("utf-8")
    return f"{_b64(payload)}.{_b64(_mac(_key(), payload))}"


def verify(token: str) -> tuple[UUID, str]:
    """The org and address a token was issued for; :class:`SignatureInvalid` otherwise."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1:
        raise SignatureInvalid("malformed unsubscribe token")
    body, _, mac = token.partition(".")
    try:
        payload, offered = _unb64(body), _unb64(mac)
    except (ValueError, TypeError):
        raise SignatureInvalid("malformed unsubscribe token") from None
    if not hmac.compare_digest(_mac(_key(), payload), offered):
        raise SignatureInvalid("no matching signature")
    if len(payload) < 17:
        raise SignatureInvalid("malformed unsubscribe token")
    try:
        address = payload[16:].decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureInvalid("malformed unsubscribe token") from None
    return UUID(bytes=payload[:16]), address


def url(org_id: UUID, address: str) -> str | None:
    """The address's one-click unsubscribe URL (None without a public base URL)."""
    base = (settings().public_base_url or "").rstrip("/")
    return f"{base}{PATH}?t={sign(org_id, address)}" if base else None


class Unsubscribe:
    """The unsubscribe route's side of the webhook kit: the token in ``t`` is the signature
    (rejects with 403); the delivery id is the token's digest, so a repeated click is a duplicate."""

    name = "email"
    rejection_status = 403

    def verify(self, request: InboundRequest) -> Verified:
        tokens = parse_qs(request.raw_query).get("t") or []
        if len(tokens) != 1:
            raise SignatureInvalid("missing unsubscribe token")
        org_id, address = verify(tokens[0])
        digest = hashlib.sha256(tokens[0].encode("ascii", "replace")).hexdigest()
        return Verified(
            payload={"address": address},
            delivery_id=f"unsubscribe:{digest}",
            event="unsubscribe",
            signer_org=org_id,
        )


def apply(ctx: HookContext) -> HookReply:
    """Suppress the token's address for marketing email in its org (audited, ``email.suppressed``
    once); the answer is the same either way."""
    from hearth.email import store

    address = str(ctx.payload["address"])
    if store.suppress(
        ctx.db, address, reason="unsubscribe", marketing_only=True, created_by="system:unsubscribe"
    ):
        ctx.audit(
            "email_suppression.create",
            "email_suppression",
            None,
            changes={"address": address, "reason": "unsubscribe"},
        )
        ctx.emit(
            EMAIL_SUPPRESSED,
            "email_suppression",
            None,
            {"address": address, "reason": "unsubscribe", "marketing_only": True},
        )
    return HookReply(200, "You are unsubscribed.", "text/plain; charset=utf-8")
