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
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "HEARTH_"
#: Stages that run on a developer's machine or in the test suite; every other stage is deployed.
LOCAL_STAGES = frozenset({"local", "test"})
#: Platform secrets given as plain settings only locally and in the tests; deployed stages name a
#: Secrets Manager secret in ``<name>_secret_arn`` instead (read by ``hearth.platform_secrets``
#: and, for the webhook secrets, ``hearth.hooks.secrets``).
SECRETS_MANAGER_SETTINGS = (
    "stripe_webhook_secret",
    "github_webhook_secret",
    "github_app_private_key",
    "stripe_api_key",
    "anthropic_api_key",
    "email_unsubscribe_key",
)


class ConfigurationError(RuntimeError):
    """The environment does not describe a runnable configuration."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # Required: a function that cannot say where it runs must not assume it is on a laptop (the
    # development JWT secret and the built-in secrets key are accepted only on LOCAL_STAGES).
    stage: Literal["local", "test", "dev", "prod"]

    # Database: a URL per role (local, tests), or a Secrets Manager secret per role plus the
    # RDS Proxy endpoint (AWS). Request-path code connects as the app role; the few cross-tenant
    # jobs connect as the system role.
    database_url: str | None = None
    system_database_url: str | None = None
    db_secret_arn: str | None = None
    system_db_secret_arn: str | None = None
    db_host: str | None = None
    db_name: str = "hearth"
    db_sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = "require"
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
    # Orgs one user may create per day (UTC): orgs are free, and each brings new budgets.
    org_creations_per_day: int = Field(default=10, ge=1)

    # Events and webhooks. Queues: where committed events go, the two delivery lanes (fresh
    # deliveries; retries and endpoints that are failing) and where exhausted deliveries end.
    event_dispatch_queue_url: str | None = None
    webhook_delivery_queue_url: str | None = None
    webhook_retry_queue_url: str | None = None
    webhook_dead_letter_queue_url: str | None = None
    # The AI assistant: the queue of runs for the AI worker (fed from ai.run.queued events by the
    # event dispatch consumer), and each org's monthly token budget by plan (plans not listed get
    # the default; the billing plan decides, like rate limits).
    ai_run_queue_url: str | None = None
    ai_monthly_tokens: int = Field(default=1_000_000, ge=0)
    ai_monthly_tokens_by_plan: dict[str, int] = Field(default_factory=dict)
    # SMS through Twilio: the queue of messages for the SMS sender (fed from sms.queued events by
    # the event dispatch consumer), and how long the sender waits for Twilio's API on each call.
    sms_send_queue_url: str | None = None
    twilio_timeout_seconds: float = Field(default=10.0, gt=0, le=30)
    # Email through SES v2 (hearth.email): the queue of emails for the email sender (fed from
    # email.queued events), the configuration set every send names (its event destination
    # publishes delivery events to SNS -> EmailEventsQueue), the platform's own from-address of
    # system emails, how long a call to SES may take, and the key that signs one-click
    # unsubscribe links (on AWS a Secrets Manager secret; locally the value itself).
    email_send_queue_url: str | None = None
    email_campaign_queue_url: str | None = None
    email_configuration_set: str | None = None
    email_system_from: str | None = None
    ses_timeout_seconds: float = Field(default=10.0, gt=0, le=30)
    email_unsubscribe_key_secret_arn: str | None = None
    email_unsubscribe_key: str | None = None
    # Calls: the queue of recordings to copy out of Twilio, the bucket they are copied to (its
    # default encryption, SSE-KMS with its own key, applies), and how long a presigned URL lasts.
    recording_copy_queue_url: str | None = None
    # Notifications: the queue of events that notify users (the notification fan-out's, fed by
    # the event dispatch consumer).
    notification_queue_url: str | None = None
    recordings_bucket: str | None = None
    # The database whose backups the daily backup check inspects (Aurora cluster or RDS instance id).
    backup_db_identifier: str | None = None
    recording_url_seconds: int = Field(default=300, ge=30, le=3600)
    # Inbound email: the domain SES receives the orgs' addresses at (`<slug>@<domain>`), the
    # bucket SES stores raw messages in (and the consumer stores attachments in; SSE-KMS with its
    # own key), and how long a presigned attachment URL lasts.
    email_inbound_domain: str | None = None
    inbound_email_bucket: str | None = None
    inbound_email_url_seconds: int = Field(default=300, ge=30, le=3600)
    # Exports: the export worker's queue (fed from export.requested events by the event dispatch
    # consumer) and the bucket of export zips (SSE-KMS with its own key; kept two days).
    export_queue_url: str | None = None
    exports_bucket: str | None = None
    # The queue of org.deletion_finalising events: a removed org's provider links are let go.
    org_deletion_queue_url: str | None = None
    # A deleted org may be restored by an owner for this many days, then it is removed for good
    # (never fewer than 30: the finaliser's database policies hold to that floor).
    org_deletion_grace_days: int = Field(default=30, ge=30, le=365)
    # What a finished run holds of the org's data (instructions, output, records shown) is erased
    # after this many days (the retention policy's ``ai_run_content``, purged hourly).
    ai_run_retention_days: int = Field(default=30, ge=1)
    # Receivers that answer slower than this are moved to the retry lane (fairness).
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=30)
    webhook_slow_seconds: float = Field(default=5.0, gt=0)
    # Non-public networks webhooks may still reach (CIDRs, comma-separated): local and test only.
    webhook_allowed_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Endpoint secrets are envelope-encrypted under this KMS key (required outside local/test);
    # locally a base64 32-byte key (or the built-in development key) stands in for KMS.
    secrets_kms_key_id: str | None = None
    local_secrets_key: str | None = None
    # The audit chain's anchors: the S3 bucket (Object Lock, compliance mode) the hourly
    # AuditAnchor schedule writes each org's chain head to, and GET /v1/audit-logs/verify reads.
    audit_anchor_bucket: str | None = None

    # The provider edge. The public URL under which this deployment's routes are served (custom
    # domain, or the execute-api URL with its stage): the URL a provider calls and signs (Twilio
    # signs the full URL), so it is configured, never guessed from request headers.
    public_base_url: str | None = None
    # Provider APIs the functions' SDKs call (the integration tests, senders): the providers' own,
    # or the local stand-ins ``hearth local`` runs (hearth_dev.standins).
    twilio_api_base: str = "https://api.twilio.com"
    anthropic_base_url: str = "https://api.anthropic.com"
    # The model the AI worker asks (hearth.ai.worker).
    anthropic_model: str = "claude-sonnet-4-5"
    stripe_api_base: str = "https://api.stripe.com"
    github_api_base: str = "https://api.github.com"
    # Platform webhook signing secrets (one per provider account, not per org): on AWS a Secrets
    # Manager secret each, ``{"current": ..., "previous": ..., "previous_valid_until": <ISO 8601>}``
    # (hearth.hooks.secrets); locally the value itself, ``current[,previous]``.
    stripe_webhook_secret_arn: str | None = None
    github_webhook_secret_arn: str | None = None
    stripe_webhook_secret: str | None = None
    github_webhook_secret: str | None = None
    # The platform's Anthropic API key (the AI worker's; orgs' own keys are integrations): on AWS a
    # Secrets Manager secret holding the key (plain text, or JSON ``{"api_key": ...}``); locally the
    # key itself.
    anthropic_api_key_secret_arn: str | None = None
    anthropic_api_key: str | None = None
    # The GitHub App (hearth.github.app): its id and slug, where GitHub's pages are (the install
    # URL), and its private key: on AWS a Secrets Manager secret holding the PEM; locally the PEM.
    github_app_id: str | None = None
    github_app_slug: str = "hearth"
    github_web_base: str = "https://github.com"
    github_app_private_key_secret_arn: str | None = None
    github_app_private_key: str | None = None
    # The queue of GitHub issue updates (the GitHub sync consumer's).
    github_sync_queue_url: str | None = None
    # Billing (hearth.plans, hearth.billing). Plans as JSON, merged over the built-in free, pro and
    # business (see hearth.plans); the platform's Stripe secret key (on AWS a Secrets Manager
    # secret holding the key, or JSON {"api_key": ...}; locally the key itself); where Checkout
    # and the billing portal send the customer back; how long a past_due org keeps writing; the
    # Stripe Billing meter (event name) each metered usage is reported to.
    plans: dict[str, dict[str, Any]] = Field(default_factory=dict)
    stripe_api_key_secret_arn: str | None = None
    stripe_api_key: str | None = None
    billing_return_url: str | None = None
    billing_grace_days: int = Field(default=7, ge=0, le=60)
    stripe_meters: dict[str, str] = Field(
        default_factory=lambda: {"sms": "hearth_sms", "ai_tokens": "hearth_ai_tokens"}
    )
    # Sign-in with a Cognito user pool (the root template's UserPool, unless the operator keeps an
    # outside OIDC provider): the pool, and its app client whose access tokens are accepted
    # (token_use "access", client_id this one; ID tokens never). Unset: the outside provider's
    # tokens, checked by audience. A session (a sign-in) ends after this many hours without a
    # request; an org may choose fewer, never more.
    identity_provider: Literal["cognito", "external"] | None = None
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    session_idle_hours: int = Field(default=24, ge=1, le=24)
    # Lockout: this many failed password sign-ins within the window lock the account for the
    # window (the user pool's pre-authentication trigger refuses; Cognito's own protection too).
    lockout_failures: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("rate_limits", "ai_monthly_tokens_by_plan", "plans", "stripe_meters", mode="before")
    @classmethod
    def _parse_rate_limits(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @model_validator(mode="after")
    def _local_only_settings(self) -> Settings:
        if not self.is_local and self.jwt_dev_secret:
            raise ValueError(
                f"HEARTH_JWT_DEV_SECRET must not be set when HEARTH_STAGE is {self.stage}"
                " (development tokens are for the local and test stages only)"
            )
        if not self.is_local and (self.webhook_allowed_networks or self.local_secrets_key):
            raise ValueError(
                "HEARTH_WEBHOOK_ALLOWED_NETWORKS and HEARTH_LOCAL_SECRETS_KEY are for the local and"
                " test stages only"
            )
        for name in SECRETS_MANAGER_SETTINGS:
            if not self.is_local and getattr(self, name):
                variable = ENV_PREFIX + name.upper()
                raise ValueError(
                    f"{variable} is for the local and test stages only (deployed stages read it from"
                    f" Secrets Manager: {variable}_SECRET_ARN)"
                )
        return self

    @property
    def is_local(self) -> bool:
        """True on a developer's machine or in the tests (never on a deployed stage)."""
        return self.stage in LOCAL_STAGES

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
