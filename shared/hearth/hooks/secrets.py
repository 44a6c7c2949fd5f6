"""Platform webhook secrets: the signing secrets of providers that sign with one secret for the
whole platform (Stripe's endpoint secret, GitHub's app webhook secret), not one per org::

    keys = platform_keys("stripe")      # [SigningKey(current), SigningKey(previous)?]

On AWS each is a Secrets Manager secret (``HEARTH_<NAME>_WEBHOOK_SECRET_ARN``), read through
Powertools parameters and cached for five minutes, holding JSON::

    {"current": "whsec_...", "previous": "whsec_...", "previous_valid_until": "2026-12-02T10:00:00Z"}

During a rotation both verify; the previous one only until ``previous_valid_until`` (a previous
secret without that time is not accepted: a rotation ends). Locally and in the tests the value
itself is the setting ``HEARTH_<NAME>_WEBHOOK_SECRET``: ``current`` or ``current,previous``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from hearth import clock
from hearth.hooks.providers.base import SigningKey
from hearth.platform_secrets import MAX_AGE
from hearth.settings import ConfigurationError, settings

logger = logging.getLogger(__name__)

#: Providers whose webhook secret is a platform secret (each has the two settings).
PLATFORM = ("stripe", "github")


def platform_keys(name: str) -> list[SigningKey]:
    """The keys ``name``'s webhooks may be signed with now, the current one first."""
    if name not in PLATFORM:
        raise ValueError(f"{name!r} has no platform webhook secret (one of {', '.join(PLATFORM)})")
    cfg = settings()
    arn: str | None = getattr(cfg, f"{name}_webhook_secret_arn")
    value: str | None = getattr(cfg, f"{name}_webhook_secret")
    if arn:
        return _from_secret(name, arn)
    if value:
        return [SigningKey(part.strip()) for part in value.split(",") if part.strip()]
    variable = f"HEARTH_{name.upper()}_WEBHOOK_SECRET"
    raise ConfigurationError(f"missing configuration: set {variable}_ARN or {variable}")


def _from_secret(name: str, arn: str) -> list[SigningKey]:
    from aws_lambda_powertools.utilities import parameters

    secret: Any = parameters.get_secret(arn, transform="json", max_age=MAX_AGE)
    if not isinstance(secret, dict) or not isinstance(secret.get("current"), str) or not secret["current"]:
        raise ConfigurationError(f"the {name} webhook secret must be a JSON object with a 'current' secret")
    keys = [SigningKey(secret["current"])]
    previous = secret.get("previous")
    if previous:
        until = _time(secret.get("previous_valid_until"))
        if until is None:
            logger.warning("the previous %s webhook secret has no valid previous_valid_until: ignored", name)
        elif clock.now() < until:
            keys.append(SigningKey(str(previous)))
    return keys


def _time(value: object) -> datetime | None:
    """An ISO 8601 time with a zone (``Z`` or an offset), else ``None``."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
