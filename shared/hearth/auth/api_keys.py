"""API key secrets: ``hk_`` + 40 random base62 characters, stored only as HMAC-SHA256 with a
server-side pepper (an env var locally; an SSM SecureString through Powertools parameters on
AWS). The secret is shown once, when the key is created::

    secret, display_prefix = generate()
    stored = digest(secret)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

from hearth.settings import settings

PREFIX = "hk_"
_ALPHABET = string.ascii_letters + string.digits
_SECRET_LENGTH = 40
_SHAPE = re.compile(r"^hk_[A-Za-z0-9]{40}$")


def generate() -> tuple[str, str]:
    """A new key and the prefix shown in listings (never enough to use it)."""
    secret = PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LENGTH))
    return secret, secret[:10]


def looks_like_key(value: str) -> bool:
    return value.startswith(PREFIX)


def well_formed(value: str) -> bool:
    return bool(_SHAPE.match(value))


def pepper() -> bytes:
    """The pepper, from the environment or SSM (cached by Powertools for five minutes)."""
    cfg = settings()
    if cfg.api_key_pepper:
        return cfg.api_key_pepper.encode()
    cfg.require("api_key_pepper", "api_key_pepper_parameter")
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_parameter(str(cfg.api_key_pepper_parameter), decrypt=True, max_age=300)
    return str(value).encode()


def digest(secret: str) -> bytes:
    """HMAC-SHA256(pepper, secret): what the database stores and looks up."""
    return hmac.new(pepper(), secret.encode(), hashlib.sha256).digest()
