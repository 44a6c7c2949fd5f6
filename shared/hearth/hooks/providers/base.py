"""What a provider is to the inbound webhook kit: how its requests are signed, what a delivery is
called, and how it wants to be answered.

The kit (``hearth.hooks``) hands a provider the request exactly as received
(:class:`InboundRequest`); the provider verifies the signature with its own library (or a
constant-time HMAC), within its timestamp tolerance, and returns what was signed
(:class:`Verified`), or raises :class:`SignatureInvalid` with a short reason that names no secret
and no part of the body.

A provider whose signing key belongs to one org (Twilio signs with the account's auth token, which
lives in that org's integration) finds its keys through :class:`SigningKey` sources and says which
org's key verified the request (``Verified.signer_org``); the kit never lets a delivery signed by
one org's key write into another org.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class InboundRequest:
    """One inbound webhook request as the provider sent it."""

    method: str
    #: The public URL the provider called (and, for Twilio, signed): the configured public base
    #: URL (``HEARTH_PUBLIC_BASE_URL``) + the path + ``?`` + the raw query string when there is one.
    url: str
    path: str
    raw_query: str
    #: Header names lowercased; values exactly as received.
    headers: Mapping[str, str]
    #: The body bytes as signed (base64-decoded when API Gateway marked it ``isBase64Encoded``).
    body: bytes
    source_ip: str | None = None
    request_id: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A secret a delivery may be signed with; ``org_id`` when it belongs to one org's
    integration (``None`` for a platform secret)."""

    secret: str
    org_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Verified:
    """What a verified delivery says."""

    #: The signed payload, parsed: a JSON object, or a form as ``{name: value}``.
    payload: Any
    #: The provider's id of this delivery (Twilio ``MessageSid``/``CallSid``, Stripe ``event.id``,
    #: GitHub ``X-GitHub-Delivery``): the dedupe key.
    delivery_id: str
    #: The provider's name for what happened (Stripe ``event.type``, ``X-GitHub-Event``, ...).
    event: str = ""
    #: The provider account the delivery came from (Twilio ``AccountSid``), when it says.
    account: str | None = None
    #: The org whose key verified it (per-org signing keys), else ``None``.
    signer_org: UUID | None = None
    #: Anything else the provider read while verifying (e.g. form values repeated).
    extra: Mapping[str, Any] = field(default_factory=dict)


class SignatureInvalid(Exception):
    """The request is not signed by anyone Hearth trusts (or too long ago). ``reason`` is short
    and safe to log: it never holds a secret, a signature or any of the body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Provider(Protocol):
    """A provider's side of the kit."""

    #: ``twilio``, ``stripe``, ``github``...: the ``<provider>`` of ``/webhooks/<provider>/<kind>``.
    name: str
    #: The status a bad signature answers (the provider's documented expectation).
    rejection_status: int

    def verify(self, request: InboundRequest) -> Verified:
        """The verified delivery, or :class:`SignatureInvalid`."""
        ...
