"""GitHub webhooks: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`` under the
webhook secret (the platform's GitHub App secret, ``hearth.hooks.secrets``)::

    provider = GitHub()                   # keys: platform_keys("github")
    verified = provider.verify(request)   # delivery_id=sha256:<body digest>, event=X-GitHub-Event

GitHub signs the body only: there is no timestamp, so an old delivery verifies forever, and the
delivery's GUID (``X-GitHub-Delivery``) and event name (``X-GitHub-Event``) are headers it does
not sign. A replay with a fresh GUID must not get past the kit's dedupe, so the delivery id is the
digest of what GitHub signed (``sha256:<hex>``; GitHub's redelivery of the same event sends the
same body); the GUID is kept in ``extra["delivery"]`` for logs. A handler reads what happened from
the signed payload, not from the unsigned event header alone.

The body is JSON (content type ``application/json``) or a form whose ``payload`` field holds the
JSON (``application/x-www-form-urlencoded``, as GitHub sends when the hook is set up that way).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import Any

from hearth.hooks.providers.base import InboundRequest, SignatureInvalid, SigningKey, Verified
from hearth.hooks.providers.bodies import form, json_object

PREFIX = "sha256="


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: what GitHub sends in ``X-Hub-Signature-256`` for ``body``."""
    return PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _platform_keys() -> Sequence[SigningKey]:
    from hearth.hooks.secrets import platform_keys

    return platform_keys("github")


class GitHub:
    """GitHub's side of the kit (rejects with 401)."""

    name = "github"
    rejection_status = 401

    def __init__(self, keys: Callable[[], Sequence[SigningKey]] | None = None) -> None:
        self.keys = keys or _platform_keys

    def verify(self, request: InboundRequest) -> Verified:
        offered = request.header("x-hub-signature-256")
        if not offered:
            raise SignatureInvalid("missing X-Hub-Signature-256")
        candidate = offered.encode("utf-8", "replace")
        signer = next(
            (
                key
                for key in self.keys()
                if key.secret and hmac.compare_digest(signature(key.secret, request.body).encode(), candidate)
            ),
            None,
        )
        if signer is None:
            raise SignatureInvalid("no matching signature")
        delivery = request.header("x-github-delivery")
        if not delivery:
            raise SignatureInvalid("missing X-GitHub-Delivery")
        digest = hashlib.sha256(request.body).hexdigest()
        return Verified(
            payload=_payload(request),
            delivery_id=f"sha256:{digest}",
            event=request.header("x-github-event") or "",
            signer_org=signer.org_id,
            extra={"delivery": delivery, "body_sha256": digest},
        )


def _payload(request: InboundRequest) -> dict[str, Any]:
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        fields = dict(form(request.body))
        if "payload" not in fields:
            raise SignatureInvalid("the signed form has no payload")
        return json_object(fields["payload"].encode("utf-8"))
    return json_object(request.body)
