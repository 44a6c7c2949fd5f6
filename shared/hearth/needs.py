"""What a function needs from where it is deployed, declared once, with the function::

    @api.post("/v1/api-keys", permission="api_keys:create", needs=[needs.API_KEY_PEPPER])

    consumer = Consumer(queue="EventDispatchQueue", needs=[needs.APP_DB, needs.WEBHOOK_DELIVERY_QUEUE])

Each need names the settings it reads. On AWS (stages dev and prod) a declared need whose
settings are missing fails the cold start with the variable's name, instead of the first
request. ``hearth template`` turns the same needs into the function's environment variables, IAM
statements and layers (``hearth_dev.template.grants``), so a function is granted what its module
declares and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hearth.settings import settings


@dataclass(frozen=True, slots=True)
class Need:
    name: str
    #: At least one of these settings must be present (outside the local and test stages).
    settings: tuple[str, ...] = ()
    description: str = ""

    def check(self) -> None:
        cfg = settings()
        if cfg.stage not in ("local", "test") and self.settings:
            cfg.require(*self.settings)


APP_DB = Need(
    "app_db", ("database_url", "db_secret_arn"), "connects as the app role (tenant transactions, RLS)"
)
SYSTEM_DB = Need(
    "system_db",
    ("system_database_url", "system_db_secret_arn"),
    "connects as the system role (cross-tenant jobs only)",
)
EVENTS = Need(
    "events",
    ("event_dispatch_queue_url",),
    "emits domain events: the outbox relay sends them to the dispatch queue after commit",
)
SECRETS_KEY = Need(
    "secrets_key", ("secrets_kms_key_id",), "seals and opens secrets at rest under the KMS secrets key"
)
SECRETS_KEY_OPEN = Need(
    "secrets_key_open", ("secrets_kms_key_id",), "opens secrets sealed under the KMS secrets key"
)
API_KEY_PEPPER = Need(
    "api_key_pepper",
    ("api_key_pepper", "api_key_pepper_parameter"),
    "hashes API keys with the pepper kept in SSM",
)
WEBHOOK_DELIVERY_QUEUE = Need(
    "webhook_delivery_queue", ("webhook_delivery_queue_url",), "sends to the webhook main lane"
)
WEBHOOK_RETRY_QUEUE = Need(
    "webhook_retry_queue", ("webhook_retry_queue_url",), "sends to the webhook retry lane"
)
WEBHOOK_DEAD_LETTER_QUEUE = Need(
    "webhook_dead_letter_queue",
    ("webhook_dead_letter_queue_url",),
    "parks exhausted webhook deliveries in their dead-letter queue",
)
AI_RUN_QUEUE = Need("ai_run_queue", ("ai_run_queue_url",), "sends AI runs to the AI worker's queue")
AUDIT_ANCHOR_WRITE = Need(
    "audit_anchor_write",
    ("audit_anchor_bucket",),
    "writes audit chain anchors to the Object Lock bucket (s3:PutObject under its anchor prefix)",
)
AUDIT_ANCHOR_READ = Need(
    "audit_anchor_read",
    ("audit_anchor_bucket",),
    "lists the audit chain anchors of the Object Lock bucket to verify a chain against them",
)
STRIPE_WEBHOOK_SECRET = Need(
    "stripe_webhook_secret",
    ("stripe_webhook_secret_arn", "stripe_webhook_secret"),
    "verifies Stripe's webhook signatures with the platform secret kept in Secrets Manager",
)
GITHUB_WEBHOOK_SECRET = Need(
    "github_webhook_secret",
    ("github_webhook_secret_arn", "github_webhook_secret"),
    "verifies GitHub's webhook signatures with the platform secret kept in Secrets Manager",
)
ANTHROPIC_API_KEY = Need(
    "anthropic_api_key",
    ("anthropic_api_key_secret_arn", "anthropic_api_key"),
    "calls Anthropic with the platform's API key kept in Secrets Manager",
)
STRIPE_API_KEY = Need(
    "stripe_api_key",
    ("stripe_api_key_secret_arn", "stripe_api_key"),
    "calls Stripe with the platform's secret key kept in Secrets Manager",
)
BILLING_RETURN_URL = Need(
    "billing_return_url",
    ("billing_return_url", "public_base_url"),
    "sends customers back from Stripe Checkout and the billing portal (the front end's billing page)",
)
# A provider SDK comes from its own layer, added only to the functions that declare it (cold
# start: a function imports only its own provider's SDK). Nothing to configure.
TWILIO_SDK = Need("twilio_sdk", (), "the twilio SDK, from its own layer")
STRIPE_SDK = Need("stripe_sdk", (), "the stripe SDK, from its own layer")
ANTHROPIC_SDK = Need("anthropic_sdk", (), "the anthropic SDK, from its own layer")

GITHUB_SYNC_QUEUE = Need(
    "github_sync_queue", ("github_sync_queue_url",), "sends GitHub issue updates to the GitHub sync queue"
)


@dataclass(frozen=True, slots=True)
class _GitHubApp(Need):
    """The app's key (in Secrets Manager, or the PEM locally) and its id are each required."""

    def check(self) -> None:
        cfg = settings()
        if cfg.stage not in ("local", "test"):
            cfg.require("github_app_private_key_secret_arn", "github_app_private_key")
            cfg.require("github_app_id")


GITHUB_APP = _GitHubApp(
    "github_app",
    (
        "github_app_private_key_secret_arn",
        "github_app_private_key",
        "github_app_id",
        "github_app_slug",
        "github_api_base",
        "github_web_base",
    ),
    "calls GitHub as the Hearth GitHub App (app JWTs signed with its private key in Secrets Manager)",
)
SMS_SEND_QUEUE = Need("sms_send_queue", ("sms_send_queue_url",), "sends queued SMS to the SMS sender's queue")
RECORDING_COPY_QUEUE = Need(
    "recording_copy_queue",
    ("recording_copy_queue_url",),
    "sends call recordings to the recording copier's queue",
)
RECORDINGS_WRITE = Need(
    "recordings_write", ("recordings_bucket",), "writes call recordings to the SSE-KMS recordings bucket"
)
RECORDINGS_READ = Need(
    "recordings_read", ("recordings_bucket",), "presigns reads of call recordings in the recordings bucket"
)
EXPORT_QUEUE = Need(
    "export_queue", ("export_queue_url",), "sends requested exports to the export worker's queue"
)
ORG_DELETION_QUEUE = Need(
    "org_deletion_queue",
    ("org_deletion_queue_url",),
    "sends org.deletion_finalising events to the queue that lets go of a removed org's provider links",
)
EXPORTS_WRITE = Need(
    "exports_write", ("exports_bucket",), "writes export zips to the SSE-KMS export bucket (exports/ only)"
)
ORG_OBJECTS_DELETE = Need(
    "org_objects_delete",
    ("recordings_bucket", "exports_bucket"),
    "deletes every version of an org's objects under recordings/<org>/ and exports/<org>/ (the finaliser)",
)
COGNITO_USER_DELETE = Need(
    "cognito_user_delete",
    ("cognito_user_pool_id", "identity_provider"),
    "deletes a user from the Cognito user pool (AdminDeleteUser) when their account is deleted",
)
EXPORTS_READ = Need(
    "exports_read", ("exports_bucket",), "presigns downloads of export zips in the export bucket"
)

EMAIL_CAMPAIGN_QUEUE = Need(
    "email_campaign_queue",
    ("email_campaign_queue_url",),
    "sends accepted campaigns to the campaign worker's queue",
)
EMAIL_SEND_QUEUE = Need(
    "email_send_queue", ("email_send_queue_url",), "sends queued emails to the email sender's queue"
)
SES_SEND = Need(
    "ses_send",
    ("email_configuration_set", "email_system_from"),
    "sends email through SES v2 (SendEmail) with the deployment's configuration set (and system"
    " emails from the platform's address)",
)
SES_IDENTITIES = Need(
    "ses_identities",
    ("email_configuration_set",),
    "creates, reads and deletes the SES identities of org domains (where email is set up)",
)
EMAIL_UNSUBSCRIBE_KEY = Need(
    "email_unsubscribe_key",
    ("email_unsubscribe_key_secret_arn", "email_unsubscribe_key"),
    "signs and verifies one-click unsubscribe links with the key kept in Secrets Manager",
)
SYSTEM_EMAIL = Need(
    "system_email",
    ("email_system_from",),
    "queues system emails (notifications) from the platform's own address (hearth.email.system)",
)
# Jinja2 comes from its own layer, only to the functions that render email templates.
EMAIL_TEMPLATES = Need("email_templates", (), "renders email templates (jinja2, from its own layer)")

PUBLIC_URL = Need(
    "public_url",
    ("public_base_url",),
    "knows the deployment's public base URL (what providers call and sign)",
)

COGNITO_USER_POOL = Need(
    "cognito_user_pool",
    # With an outside identity provider there is no pool: the function knows it runs so and skips it.
    ("cognito_user_pool_id", "identity_provider"),
    "reads users of the Cognito user pool and signs them out everywhere (AdminGetUser,"
    " AdminUserGlobalSignOut)",
)
NOTIFICATION_QUEUE = Need(
    "notification_queue",
    ("notification_queue_url",),
    "sends events that notify users to the notification fan-out's queue",
)

INBOUND_EMAIL_RECEIVE = Need(
    "inbound_email_receive",
    ("inbound_email_bucket", "email_inbound_domain"),
    "reads the raw messages SES stored in the inbound email bucket and writes their attachments there",
)
INBOUND_EMAIL_READ = Need(
    "inbound_email_read",
    ("inbound_email_bucket",),
    "presigns reads of inbound email attachments in the inbound email bucket",
)


@dataclass(frozen=True, slots=True)
class _Optional(Need):
    """A setting that may be empty when deployed (the feature is then off): nothing to require."""

    def check(self) -> None:
        return None


# Empty when the deployment receives no email (the SES receipt rule is not made).
EMAIL_INBOUND_DOMAIN = _Optional(
    "email_inbound_domain",
    ("email_inbound_domain",),
    "knows the domain the orgs' inbound email addresses are at (empty: no inbound email)",
)

BACKUP_DB = Need(
    "backup_db",
    ("backup_db_identifier",),
    "reads the database's backup configuration and automated snapshots (rds:Describe*)",
)

#: Every need, by name.
ALL: dict[str, Need] = {
    n.name: n
    for n in (
        APP_DB,
        SYSTEM_DB,
        EVENTS,
        SECRETS_KEY,
        SECRETS_KEY_OPEN,
        API_KEY_PEPPER,
        WEBHOOK_DELIVERY_QUEUE,
        WEBHOOK_RETRY_QUEUE,
        WEBHOOK_DEAD_LETTER_QUEUE,
        AI_RUN_QUEUE,
        AUDIT_ANCHOR_WRITE,
        AUDIT_ANCHOR_READ,
        STRIPE_WEBHOOK_SECRET,
        GITHUB_WEBHOOK_SECRET,
        ANTHROPIC_API_KEY,
        TWILIO_SDK,
        STRIPE_SDK,
        ANTHROPIC_SDK,
        PUBLIC_URL,
        GITHUB_SYNC_QUEUE,
        GITHUB_APP,
        STRIPE_API_KEY,
        BILLING_RETURN_URL,
        SMS_SEND_QUEUE,
        RECORDING_COPY_QUEUE,
        RECORDINGS_WRITE,
        RECORDINGS_READ,
        COGNITO_USER_POOL,
        INBOUND_EMAIL_RECEIVE,
        INBOUND_EMAIL_READ,
        EMAIL_INBOUND_DOMAIN,
        NOTIFICATION_QUEUE,
        EMAIL_SEND_QUEUE,
        SES_SEND,
        SES_IDENTITIES,
        EMAIL_UNSUBSCRIBE_KEY,
        EMAIL_TEMPLATES,
        SYSTEM_EMAIL,
        BACKUP_DB,
        EXPORT_QUEUE,
        EXPORTS_WRITE,
        EXPORTS_READ,
        COGNITO_USER_DELETE,
        ORG_OBJECTS_DELETE,
        EMAIL_CAMPAIGN_QUEUE,
        ORG_DELETION_QUEUE,
    )
}


def declared(needs: Iterable[Need]) -> tuple[Need, ...]:
    """``needs`` without repeats, in a stable order, each checked (see the module docstring)."""
    unique = tuple(sorted(set(needs), key=lambda n: n.name))
    for need in unique:
        if ALL.get(need.name) is not need:
            raise ValueError(f"unknown need {need.name!r}: add it to hearth.needs.ALL")
        need.check()
    return unique
