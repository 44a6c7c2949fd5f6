"""Typed settings, parsed once per execution environment from the process environment.

Every variable is named ``HEARTH_<FIELD>``. A missing or malformed variable fails at cold start
with a :class:`ConfigurationError` that names the variable::

    from hearth.settings import settings

    if settings().stage == "local":
        ...
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "HEARTH_"


class ConfigurationError(RuntimeError):
    """The environment does not describe a runnable configuration."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    stage: Literal["local", "test", "dev", "prod"] = "local"

    # Database: a URL per role (local, tests), or a Secrets Manager secret per role plus the
    # RDS Proxy endpoint (AWS). Request-path code connects as the app role; the few cross-tenant
    # jobs connect as the system role.
    database_url: str | None = None
    system_database_url: str | None = None
    db_secret_arn: str | None = None
    system_db_secret_arn: str | None = None
    db_host: str | None = None
    db_name: str = "hearth"
    statement_timeout_ms: int = Field(default=10_000, ge=100, le=900_000)

    # Identity provider tokens (RS256 over JWKS) and a local HS256 secret for development/tests.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwks_url: str | None = None
    jwt_dev_secret: str | None = None

    # API key pepper: the value (local) or the SSM SecureString parameter that holds it (AWS).
    api_key_pepper: str | None = None
    api_key_pepper_parameter: str | None = None

    # Requests per minute by plan; plans not listed get the default.
    rate_limit_per_minute: int = Field(default=60, ge=1)
    rate_limits: dict[str, int] = Field(default_factory=dict)

    @field_validator("rate_limits", mode="before")
    @classmethod
    def _parse_rate_limits(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @model_validator(mode="after")
    def _no_dev_secret_in_prod(self) -> Settings:
        if self.stage == "prod" and self.jwt_dev_secret:
            raise ValueError("HEARTH_JWT_DEV_SECRET must not be set when HEARTH_STAGE is prod")
        return self

    def rate_limit_for(self, plan: str) -> int:
        """Requests per minute allowed for an org on ``plan``."""
        return self.rate_limits.get(plan, self.rate_limit_per_minute)

    def require(self, *fields: str) -> None:
        """Fail unless at least one of ``fields`` is set (call at cold start of the code that needs it)."""
        if not any(getattr(self, name) for name in fields):
            names = " or ".join(ENV_PREFIX + name.upper() for name in fields)
            raise ConfigurationError(f"missing configuration: set {names}")


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings of this execution environment, parsed on first use."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{str(err['loc'][0]).upper()}: {err['msg']}" if err["loc"] else err["msg"]
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from None
