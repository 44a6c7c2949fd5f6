"""Identity-provider tokens.

RS256 tokens are verified against the provider's JWKS (keys cached per execution environment);
HS256 tokens against a local secret, accepted only when ``HEARTH_JWT_DEV_SECRET`` is set (never in
prod). Issuer, audience, expiry and not-before are always checked; every other algorithm,
``none`` included, is refused::

    claims = verify(token)
    claims.subject, claims.org_id
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from hearth.settings import ConfigurationError, settings

CLOCK_SKEW_SECONDS = 10
DEV_ISSUER = "hearth-local"
DEV_AUDIENCE = "hearth"


class TokenError(Exception):
    """The token is not acceptable; ``reason`` says why (for logs, never for the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Claims:
    subject: str
    email: str | None
    name: str | None
    org_id: str | None


@lru_cache(maxsize=1)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=600, timeout=5)


def check_configuration() -> None:
    """Fail at cold start unless tokens can be verified."""
    cfg = settings()
    cfg.require("jwks_url", "jwt_dev_secret")
    cfg.require("jwt_issuer")
    cfg.require("jwt_audience")
    if cfg.jwt_dev_secret and len(cfg.jwt_dev_secret) < 32:
        raise ConfigurationError(
            "invalid configuration: HEARTH_JWT_DEV_SECRET must be at least 32 characters"
        )


def verify(token: str) -> Claims:
    """Verify ``token`` and return its claims, or raise :class:`TokenError`."""
    cfg = settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError("malformed_token") from exc
    alg = header.get("alg")
    key: Any
    if alg == "RS256" and cfg.jwks_url:
        try:
            key = _jwks_client(cfg.jwks_url).get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError as exc:
            raise TokenError("unknown_signing_key") from exc
    elif alg == "HS256" and cfg.jwt_dev_secret:
        key = cfg.jwt_dev_secret
    else:
        raise TokenError("algorithm_not_allowed")
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=cfg.jwt_audience,
            issuer=cfg.jwt_issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token_expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise TokenError("token_not_yet_valid") from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenError("wrong_audience") from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenError("wrong_issuer") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenError("bad_signature") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("invalid_token") from exc
    subject = payload.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TokenError("invalid_subject")
    org = payload.get("org_id")
    return Claims(
        subject=subject,
        email=_str_or_none(payload.get("email")),
        name=_str_or_none(payload.get("name")),
        org_id=str(org) if org else None,
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def mint_dev_token(
    subject: str,
    *,
    email: str | None = None,
    name: str | None = None,
    org_id: str | None = None,
    ttl_seconds: int = 3600,
    secret: str | None = None,
    issuer: str | None = None,
    audience: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """An HS256 token signed with the local development secret (``hearth token``, tests)."""
    cfg = settings()
    key = secret or cfg.jwt_dev_secret
    if not key:
        raise ConfigurationError("missing configuration: set HEARTH_JWT_DEV_SECRET")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": issuer or cfg.jwt_issuer or DEV_ISSUER,
        "aud": audience or cfg.jwt_audience or DEV_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    if email:
        claims["email"] = email
    if name:
        claims["name"] = name
    if org_id:
        claims["org_id"] = org_id
    claims.update(extra or {})
    return jwt.encode(claims, key, algorithm="HS256")
