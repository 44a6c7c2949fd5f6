"""The platform's own provider credentials (Hearth's Stripe and Anthropic keys, its GitHub App's
private key): on AWS a Secrets Manager secret named by ``<name>_secret_arn``, read through
Powertools parameters and cached for five minutes; locally and in the tests the setting
``<name>`` itself (``hearth.settings.SECRETS_MANAGER_SETTINGS``)::

    key = platform_secret("stripe_api_key", "Stripe API key", json_key="api_key")

A secret may hold the value itself or, with ``json_key``, JSON ``{"<json_key>": ...}``.
"""

from __future__ import annotations

import json

from hearth.settings import ENV_PREFIX, SECRETS_MANAGER_SETTINGS, ConfigurationError, settings

#: How long a value read from Secrets Manager is reused before it is read again (seconds).
MAX_AGE = 300


def platform_secret(name: str, label: str, *, json_key: str | None = None) -> str:
    """The platform secret ``name`` (see the module docstring); :class:`ConfigurationError` when
    neither the secret nor the setting is configured, or the secret is empty or malformed."""
    if name not in SECRETS_MANAGER_SETTINGS:
        raise ValueError(f"{name!r} is not a platform secret setting")
    cfg = settings()
    arn: str | None = getattr(cfg, f"{name}_secret_arn")
    if arn:
        from aws_lambda_powertools.utilities import parameters

        value = str(parameters.get_secret(arn, max_age=MAX_AGE))
        if json_key is not None:
            value = value.strip()
            if value.startswith("{"):
                try:
                    value = str(json.loads(value)[json_key]).strip()
                except (ValueError, KeyError, TypeError):
                    raise ConfigurationError(f'the {label} secret must hold {{"{json_key}": ...}}') from None
        if not value.strip():
            raise ConfigurationError(f"the {label} secret is empty")
        return value
    local: str | None = getattr(cfg, name)
    if local:
        return local
    variable = ENV_PREFIX + name.upper()
    raise ConfigurationError(f"missing configuration: set {variable}_SECRET_ARN or {variable}")
