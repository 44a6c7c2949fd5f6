"""Standard Webhooks signatures (https://www.standardwebhooks.com): what receivers' libraries
already verify::

    secret = new_secret()                         # "whsec_" + base64 of 32 random bytes
    headers = sign_headers(msg_id, ts, body, [secret])
    # {"webhook-id": msg_id, "webhook-timestamp": "1767000000",
    #  "webhook-signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="}

During a rotation the list holds the new and the previous secret: the header carries one
``v1,<sig>`` per secret, separated by spaces, and a receiver accepts either. Hearth's outbound
webhooks sign with it (``hearth.webhooks.engine.sender``); the inbound kit verifies senders that
sign this way with it too (``hearth.hooks.providers.standard``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random_secrets
from collections.abc import Sequence

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(random_secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_…`` secret (the base64 part, decoded)."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 over "id.timestamp.body">``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
    }
