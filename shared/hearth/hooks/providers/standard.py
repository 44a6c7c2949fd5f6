"""Standard Webhooks (https://www.standardwebhooks.com), the scheme Hearth's own outbound webhooks
use (``hearth.standard_webhooks``), for any sender that signs that way::

    provider = StandardWebhooks("acme", keys=lambda: [SigningKey("whsec_...")])
    verified = provider.verify(request)   # Verified(payload={...}, delivery_id=<webhook-id>, ...)

The sender signs ``"<webhook-id>.<webhook-timestamp>.<body>"`` with HMAC-SHA256 under the base64
part of a ``whsec_`` secret and sends ``webhook-signature: v1,<base64> [v1,<base64> ...]`` (one
per secret while it rotates). A delivery verifies when any listed ``v1`` signature matches any of
the keys (compared in constant time) and its timestamp is within ``tolerance`` seconds of now, in
either direction. The body must be a JSON object; its ``type`` is the event.
"""

from __future__ import annotations

import binascii
import hmac
from collections.abc import Callable, Sequence

from hearth import clock
from hearth.hooks.providers.base import InboundRequest, SignatureInvalid, SigningKey, Verified
from hearth.hooks.providers.bodies import json_object
from hearth.standard_webhooks import secret_key, signature

SCHEME = "v1"


class StandardWebhooks:
    """A provider that signs the Standard Webhooks way (also the generic signed test provider)."""

    def __init__(
        self,
        name: str,
        keys: Callable[[], Sequence[SigningKey]],
        *,
        tolerance: int = 300,
        rejection_status: int = 401,
    ) -> None:
        self.name = name
        self.keys = keys
        self.tolerance = tolerance
        self.rejection_status = rejection_status

    def verify(self, request: InboundRequest) -> Verified:
        msg_id = request.header("webhook-id")
        stamp = request.header("webhook-timestamp")
        signatures = request.header("webhook-signature")
        if not (msg_id and stamp and signatures):
            raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature")
        if not stamp.isascii() or not stamp.isdigit():
            raise SignatureInvalid("webhook-timestamp is not a Unix time")
        timestamp = int(stamp)
        if abs(clock.now().timestamp() - timestamp) > self.tolerance:
            raise SignatureInvalid("webhook-timestamp is outside the tolerance")
        offered = [
            candidate.encode("utf-8", "replace")
            for candidate in signatures.split(" ")
            if candidate.startswith(SCHEME + ",")
        ]
        signer = self._signer(msg_id, timestamp, request.body, offered)
        if signer is None:
            raise SignatureInvalid("no matching signature")
        payload = json_object(request.body)
        event = payload.get("type")
        return Verified(
            payload=payload,
            delivery_id=msg_id,
            event=event if isinstance(event, str) else "",
            signer_org=signer.org_id,
        )

    def _signer(self, msg_id: str, timestamp: int, body: bytes, offered: list[bytes]) -> SigningKey | None:
        for key in self.keys():
            try:
                if not secret_key(key.secret):
                    continue  # an empty secret would sign for anyone
                expected = signature(key.secret, msg_id, timestamp, body).encode()
            except (binascii.Error, ValueError):
                continue  # not a whsec_ secret: it signs nothing
            if any(hmac.compare_digest(expected, candidate) for candidate in offered):
                return key
        return None
