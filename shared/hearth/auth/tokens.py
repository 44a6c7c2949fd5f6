"""Identity-provider tokens.

RS256 tokens are verified against the provider's JWKS; HS256 tokens against a local secret,
accepted only on the local and test stages with ``HEARTH_JWT_DEV_SECRET`` set (settings refuse
the secret on every deployed stage). Issuer, audience, expiry and not-before are always checked;
every other algorithm, ``none`` included, is refused::

    claims = verify(token)
    claims.subject, claims.verified_email, claims.org_id

The JWKS is cached as a whole for :data:`JWKS_LIFESPAN_SECONDS`, keys included (no per-key
cache that would outlive it), so a key the provider withdraws stops verifying within that time
in a warm execution environment; a token naming an unknown ``kid`` refetches the set at most once
per :data:`JWKS_COOLDOWN_SECONDS` (PyJWT >= 2.14), so made-up key ids cannot hammer the provider.

Claims the database cannot hold are dealt with here, so the authorizer never fails on them: a
subject longer than :data:`SUBJECT_MAX` characters (or not storable text) is refused, a longer
name is cut, and an email that cannot be an address is ignored.
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
#: How long the provider's key set (and every key in it) is trusted before it is fetched again.
JWKS_LIFESPAN_SECONDS = 300.0
#: The least time between two refetches forced by tokens naming a key the set does not have.
JWKS_COOLDOWN_SECONDS = 30.0
#: What the users table holds (migrations/0001_platform.sql).
SUBJECT_MAX = 255
NAME_MAX = 200
EMAIL_MAX = 320


class TokenError(Exception):
    """The token is not acceptable; ``reason`` says why (for logs, never for the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Claims:
    subject: str
    #: The ``email`` claim as given (``None`` when absent or unusable), verified or not.
    email: str | None
    name: str | None
    org_id: str | None
    expires_at: int | None = None  # the token's ``exp`` (Unix time)
    #: Whether the provider marks ``email`` as verified (the ``email_verified`` claim).
    email_verified: bool = False
    #: A Cognito access token's sign-in (``origin_jti``, the same for every token refreshed from
    #: it) and user name (what the user pool's admin calls take); ``None`` for other providers.
    session_id: str | None = None
    username: str | None = None
    client_id: str | None = None

    @property
    def verified_email(self) -> str | None:
        """The email Hearth may store and match: only one the provider has verified."""
        return self.email if self.email_verified else None


@lru_cache(maxsize=1)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # cache_keys stays off: PyJWT's per-key cache has no expiry, so a key served from it would
    # outlive the key set it came from.
    return jwt.PyJWKClient(
        url,
        cache_keys=False,
        cache_jwk_set=True,
        lifespan=JWKS_LIFESPAN_SECONDS,
        cooldown_duration=JWKS_COOLDOWN_SECONDS,
        timeout=5,
    )


def check_configuration() -> None:
    """Fail at cold start unless tokens can be verified."""
    cfg = settings()
    cfg.require("jwks_url", "jwt_dev_secret")
    cfg.require("jwt_issuer")
    cfg.require("jwt_audience", "cognito_client_id")
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
    elif alg == "HS256" and cfg.jwt_dev_secret and cfg.is_local:
        key = cfg.jwt_dev_secret
    else:
        raise TokenError("algorithm_not_allowed")
    # A Cognito access token carries no audience: its app client is ``client_id``, checked below
    # (cognito_access_claims). Development tokens are always checked by audience.
    # With a user pool, the configured issuer is the pool's: development tokens name their own.
    cognito = alg == "RS256" and bool(cfg.cognito_client_id)
    issuer = DEV_ISSUER if alg == "HS256" and cfg.cognito_client_id else cfg.jwt_issuer
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=None if cognito else cfg.jwt_audience,
            issuer=issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={
                "require": ["exp", "iss", "sub", "token_use" if cognito else "aud"],
                "verify_aud": not cognito,
            },
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
    if cognito:
        return _cognito_access_claims(payload, str(cfg.cognito_client_id))
    return _claims(payload)


def _cognito_access_claims(payload: dict[str, Any], client_id: str) -> Claims:
    """A Cognito access token of our app client; its ID tokens (``token_use`` "id", which other
    apps may hold too) and other clients' tokens are refused."""
    if payload.get("token_use") != "access":
        raise TokenError("not_an_access_token")
    if payload.get("client_id") != client_id:
        raise TokenError("wrong_client")
    origin = _text(payload.get("origin_jti"))
    if origin is None or len(origin) > SUBJECT_MAX:
        raise TokenError("no_session")  # Cognito sets it whenever token revocation is on (always here)
    username = _text(payload.get("username"))
    claims = _claims({k: v for k, v in payload.items() if k not in ("email", "name", "org_id")})
    return Claims(
        subject=claims.subject,
        email=None,
        name=None,
        org_id=None,
        expires_at=claims.expires_at,
        session_id=origin,
        username=username[:SUBJECT_MAX] if username else None,
        client_id=client_id,
    )


def _claims(payload: dict[str, Any]) -> Claims:
    subject = payload.get("sub")
    if not isinstance(subject, str) or not _storable(subject) or not 0 < len(subject) <= SUBJECT_MAX:
        # Refused, never cut: a shortened subject could name another identity.
        raise TokenError("invalid_subject")
    org = payload.get("org_id")
    email = _text(payload.get("email"))
    if email is not None and (len(email) > EMAIL_MAX or "@" not in email):
        email = None
    name = _text(payload.get("name"))
    return Claims(
        subject=subject,
        email=email,
        name=(name[:NAME_MAX].strip() or None) if name else None,
        org_id=str(org) if org else None,
        expires_at=int(payload["exp"]),
        email_verified=_verified(payload.get("email_verified")),
    )


def _verified(value: object) -> bool:
    """``email_verified`` is a boolean; some providers (Cognito among them) send "true"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _storable(text: str) -> bool:
    """Text PostgreSQL accepts: without NUL, and encodable as UTF-8 (no lone surrogates)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if value and _storable(value) else None


def mint_dev_token(
    subject: str,
    *,
    email: str | None = None,
    email_verified: bool = True,
    name: str | None = None,
    org_id: str | None = None,
    ttl_seconds: int = 3600,
    secret: str | None = None,
    issuer: str | None = None,
    audience: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """An HS256 token signed with the local development secret (``hearth token``, tests). An
    ``email`` is marked verified unless ``email_verified=False``."""
    cfg = None if (secret and issuer and audience) else settings()
    key = secret or (cfg.jwt_dev_secret if cfg else None)
    if not key:
        raise ConfigurationError("missing configuration: set HEARTH_JWT_DEV_SECRET")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": issuer or (cfg.jwt_issuer if cfg and not cfg.cognito_client_id else None) or DEV_ISSUER,
        "aud": audience or (cfg.jwt_audience if cfg else None) or DEV_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    if email:
        claims["email"] = email
        claims["email_verified"] = email_verified
    if name:
        claims["name"] = name
    if org_id:
        claims["org_id"] = org_id
    claims.update(extra or {})
    return jwt.encode(claims, key, algorithm="HS256")
