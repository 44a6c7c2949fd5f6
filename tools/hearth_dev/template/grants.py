"""What each need (``hearth.needs``) grants a function in its nested stack: environment
variables, IAM statements (exact actions on exact resources, never ``*``) and layers, all written
against the stack's parameters, whose values the root stack passes down::

    grant = GRANTS["events"]
    grant.environment   # {"HEARTH_EVENT_DISPATCH_QUEUE_URL": Ref("EventDispatchQueueUrl")}
    grant.statements    # [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": Ref(...)}]

A stack parameter is either a root parameter passed on under its own name, or an attribute of a
root resource (``<Resource>Url``, ``<Resource>Arn``): :data:`STACK_PARAMETERS` says which, and
how the root computes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hearth_dev.template.cfn import Fn, GetAtt, Ref, Sub


@dataclass(frozen=True)
class StackParameter:
    name: str
    root_value: Any  # how the root stack computes it
    type: str = "String"
    description: str = ""


def _forwarded(name: str, description: str = "", type: str = "String") -> StackParameter:
    return StackParameter(name, Ref(name), type, description)


def _list(name: str, type: str) -> StackParameter:
    return StackParameter(name, Fn("Join", [",", Ref(name)]), type)


def _queue(queue: str) -> list[StackParameter]:
    return [
        StackParameter(f"{queue}Url", Ref(queue), description=f"URL of the root stack's {queue}."),
        StackParameter(f"{queue}Arn", GetAtt(queue, "Arn"), description=f"ARN of the root stack's {queue}."),
    ]


#: Every parameter a nested stack may take, by name.
STACK_PARAMETERS: dict[str, StackParameter] = {
    p.name: p
    for p in [
        _forwarded("Stage"),
        _forwarded("DbSecretArn"),
        _forwarded("SystemDbSecretArn"),
        _forwarded("DbProxyEndpoint"),
        _forwarded("DbName"),
        _forwarded("EnableTracing"),
        _forwarded("LogLevel"),
        _forwarded("ApiKeyPepperParameter"),
        _list("SubnetIds", "List<AWS::EC2::Subnet::Id>"),
        _list("SecurityGroupIds", "List<AWS::EC2::SecurityGroup::Id>"),
        StackParameter(
            "PublicBaseUrl",
            Fn(
                "If",
                [
                    "HasPublicBaseUrl",
                    Ref("PublicBaseUrl"),
                    Sub("https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"),
                ],
            ),
            description="The public URL the API is served under (what providers call and sign).",
        ),
        StackParameter("HttpApiId", Ref("HttpApi"), description="The root stack's HTTP API."),
        StackParameter("AuthorizerId", Ref("HttpApiAuthorizer"), description="The HTTP API's authorizer."),
        StackParameter(
            "SecretsKeyArn", GetAtt("SecretsKey", "Arn"), description="KMS key of secrets at rest."
        ),
        *_queue("EventDispatchQueue"),
        *_queue("WebhookDeliveryQueue"),
        *_queue("WebhookRetryQueue"),
        *_queue("WebhookRetryDeadLetterQueue"),
        *_queue("AiRunQueue"),
        *_queue("SmsSendQueue"),
        *_queue("RecordingCopyQueue"),
        *_queue("NotificationQueue"),
        *_queue("ExportQueue"),
        *_queue("OrgDeletionQueue"),
        StackParameter("ExportBucket", Ref("ExportBucket"), description="The export zips' bucket."),
        StackParameter(
            "ExportBucketArn", GetAtt("ExportBucket", "Arn"), description="ARN of the export bucket."
        ),
        StackParameter(
            "ExportsKeyArn", GetAtt("ExportsKey", "Arn"), description="The KMS key of the export bucket."
        ),
        StackParameter(
            "RecordingsBucket", Ref("RecordingsBucket"), description="The call recordings bucket."
        ),
        StackParameter(
            "RecordingsBucketArn",
            GetAtt("RecordingsBucket", "Arn"),
            description="ARN of the recordings bucket.",
        ),
        StackParameter(
            "RecordingsKeyArn",
            GetAtt("RecordingsKey", "Arn"),
            description="The KMS key of the recordings bucket.",
        ),
        StackParameter(
            "AuditAnchorBucket",
            Ref("AuditAnchorBucket"),
            description="The root stack's Object Lock bucket of audit chain anchors.",
        ),
        StackParameter(
            "AuditAnchorBucketArn",
            GetAtt("AuditAnchorBucket", "Arn"),
            description="ARN of the root stack's audit anchor bucket.",
        ),
        _forwarded(
            "StripeWebhookSecretArn",
            "Secrets Manager secret of Stripe's webhook signing secret (current, previous).",
        ),
        _forwarded(
            "GitHubWebhookSecretArn",
            "Secrets Manager secret of GitHub's webhook signing secret (current, previous).",
        ),
        _forwarded(
            "AnthropicApiKeySecretArn",
            "Secrets Manager secret of the platform's Anthropic API key (the AI worker's).",
        ),
        *_queue("GitHubSyncQueue"),
        _forwarded("GitHubAppId", "The GitHub App's id."),
        _forwarded("GitHubAppSlug", "The GitHub App's slug."),
        _forwarded("GitHubAppPrivateKeySecretArn", "Secrets Manager secret of the GitHub App's private key."),
        _forwarded("GitHubApiBase", "The GitHub REST API's base URL."),
        _forwarded("GitHubWebBase", "Where GitHub's pages are."),
        _forwarded("StripeApiKeySecretArn", "Secrets Manager secret of the platform's Stripe secret key."),
        _forwarded("BillingReturnUrl", "Where Checkout and the billing portal send the customer back."),
        _forwarded(
            "IdentityProvider", "cognito (this stack's user pool) or external (an outside OIDC provider)."
        ),
        StackParameter(
            "UserPoolId",
            Fn("If", ["UseCognito", Ref("UserPool"), ""]),
            description="The root stack's Cognito user pool (empty with an outside identity provider).",
        ),
        StackParameter(
            "UserPoolArn",
            Fn(
                "If",
                [
                    "UseCognito",
                    GetAtt("UserPool", "Arn"),
                    Sub("arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/none"),
                ],
            ),
            description="ARN of the root stack's Cognito user pool (a pool that does not exist without one).",
        ),
        *_queue("InboundEmailQueue"),
        StackParameter(
            "InboundEmailBucket", Ref("InboundEmailBucket"), description="The inbound email bucket."
        ),
        StackParameter(
            "InboundEmailBucketArn",
            GetAtt("InboundEmailBucket", "Arn"),
            description="ARN of the inbound email bucket.",
        ),
        StackParameter(
            "InboundEmailKeyArn",
            GetAtt("InboundEmailKey", "Arn"),
            description="The KMS key of the inbound email bucket.",
        ),
        _forwarded(
            "InboundEmailDomain", "The domain the orgs' inbound email addresses are at (empty: none)."
        ),
        *_queue("EmailSendQueue"),
        *_queue("EmailEventsQueue"),
        *_queue("EmailCampaignQueue"),
        StackParameter(
            "EmailConfigurationSet",
            Ref("EmailConfigurationSet"),
            description="The SES configuration set every email is sent with (its events go to SNS).",
        ),
        _forwarded("EmailSystemFrom", "The platform's own from-address of system emails."),
        StackParameter(
            "EmailUnsubscribeSecretArn",
            Ref("EmailUnsubscribeSecret"),
            description="Secrets Manager secret of the key that signs one-click unsubscribe links.",
        ),
        _forwarded(
            "BackupDbIdentifier", "The Aurora cluster (or RDS instance) whose backups are checked daily."
        ),
    ]
}

#: Where in the anchor bucket the audit chain anchors are (``hearth.audit_logs.anchors.PREFIX``).
AUDIT_ANCHOR_PREFIX = "audit-anchors/"
#: Where in the recordings bucket the call recordings are (``hearth.telephony.calls.recordings.PREFIX``).
RECORDINGS_PREFIX = "recordings/"
#: Where in the inbound email bucket SES writes raw messages, and the consumer attachments
#: (``hearth.email.inbound.bucket``).
INBOUND_EMAIL_RAW_PREFIX = "inbound/"
INBOUND_EMAIL_ATTACHMENTS_PREFIX = "attachments/"

#: SES email identities of the account: org domains are added at run time, so no name is known
#: when the template is written (the sender and the domain routes only; see hearth.email).
SES_IDENTITIES = Sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*")
#: Where in the export bucket the export zips are (``hearth.lifecycle.export_worker.PREFIX``).
EXPORTS_PREFIX = "exports/"

#: What every function of a nested stack has (its Globals) and the parameters that takes.
GLOBAL_PARAMETERS = (
    "Stage",
    "DbProxyEndpoint",
    "DbName",
    "EnableTracing",
    "LogLevel",
    "SubnetIds",
    "SecurityGroupIds",
)


def allow(actions: str | list[str], resource: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": [actions] if isinstance(actions, str) else list(actions),
        "Resource": resource,
    }


@dataclass(frozen=True)
class Grant:
    environment: dict[str, Any] = field(default_factory=dict)
    statements: list[dict[str, Any]] = field(default_factory=list)
    #: Layer resources of the stack (beyond the core and Hearth layers), e.g. a provider SDK.
    layers: tuple[str, ...] = ()


def _send_to(queue: str, variable: str) -> Grant:
    return Grant(
        environment={variable: Ref(f"{queue}Url")},
        statements=[allow("sqs:SendMessage", Ref(f"{queue}Arn"))],
    )


def _secret(parameter: str, variable: str) -> Grant:
    return Grant(
        environment={variable: Ref(parameter)},
        statements=[allow("secretsmanager:GetSecretValue", Ref(parameter))],
    )


GRANTS: dict[str, Grant] = {
    "app_db": _secret("DbSecretArn", "HEARTH_DB_SECRET_ARN"),
    "system_db": _secret("SystemDbSecretArn", "HEARTH_SYSTEM_DB_SECRET_ARN"),
    "events": _send_to("EventDispatchQueue", "HEARTH_EVENT_DISPATCH_QUEUE_URL"),
    "secrets_key": Grant(
        environment={"HEARTH_SECRETS_KMS_KEY_ID": Ref("SecretsKeyArn")},
        statements=[allow(["kms:GenerateDataKey", "kms:Decrypt"], Ref("SecretsKeyArn"))],
    ),
    "secrets_key_open": Grant(
        environment={"HEARTH_SECRETS_KMS_KEY_ID": Ref("SecretsKeyArn")},
        statements=[allow("kms:Decrypt", Ref("SecretsKeyArn"))],
    ),
    "api_key_pepper": Grant(
        environment={"HEARTH_API_KEY_PEPPER_PARAMETER": Ref("ApiKeyPepperParameter")},
        statements=[
            allow(
                "ssm:GetParameter",
                Sub(
                    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ApiKeyPepperParameter}"
                ),
            )
        ],
    ),
    "public_url": Grant(environment={"HEARTH_PUBLIC_BASE_URL": Ref("PublicBaseUrl")}),
    "webhook_delivery_queue": _send_to("WebhookDeliveryQueue", "HEARTH_WEBHOOK_DELIVERY_QUEUE_URL"),
    "webhook_retry_queue": _send_to("WebhookRetryQueue", "HEARTH_WEBHOOK_RETRY_QUEUE_URL"),
    "webhook_dead_letter_queue": _send_to(
        "WebhookRetryDeadLetterQueue", "HEARTH_WEBHOOK_DEAD_LETTER_QUEUE_URL"
    ),
    "ai_run_queue": _send_to("AiRunQueue", "HEARTH_AI_RUN_QUEUE_URL"),
    "sms_send_queue": _send_to("SmsSendQueue", "HEARTH_SMS_SEND_QUEUE_URL"),
    "recording_copy_queue": _send_to("RecordingCopyQueue", "HEARTH_RECORDING_COPY_QUEUE_URL"),
    "notification_queue": _send_to("NotificationQueue", "HEARTH_NOTIFICATION_QUEUE_URL"),
    # Recordings are written (the copier) and read (the presigning route) under recordings/ only,
    # encrypted with the recordings key.
    "recordings_write": Grant(
        environment={"HEARTH_RECORDINGS_BUCKET": Ref("RecordingsBucket")},
        statements=[
            allow("s3:PutObject", Sub("${RecordingsBucketArn}/" + RECORDINGS_PREFIX + "*")),
            allow("kms:GenerateDataKey", Ref("RecordingsKeyArn")),
        ],
    ),
    "recordings_read": Grant(
        environment={"HEARTH_RECORDINGS_BUCKET": Ref("RecordingsBucket")},
        statements=[
            allow("s3:GetObject", Sub("${RecordingsBucketArn}/" + RECORDINGS_PREFIX + "*")),
            allow("kms:Decrypt", Ref("RecordingsKeyArn")),
        ],
    ),
    "export_queue": _send_to("ExportQueue", "HEARTH_EXPORT_QUEUE_URL"),
    "org_deletion_queue": _send_to("OrgDeletionQueue", "HEARTH_ORG_DELETION_QUEUE_URL"),
    # Export zips are written (the worker: a multipart upload when large) and presigned for
    # download (the route) under exports/ only, encrypted with the exports key.
    "exports_write": Grant(
        environment={"HEARTH_EXPORTS_BUCKET": Ref("ExportBucket")},
        statements=[
            allow(
                ["s3:PutObject", "s3:AbortMultipartUpload"], Sub("${ExportBucketArn}/" + EXPORTS_PREFIX + "*")
            ),
            allow(["kms:GenerateDataKey", "kms:Decrypt"], Ref("ExportsKeyArn")),
        ],
    ),
    "exports_read": Grant(
        environment={"HEARTH_EXPORTS_BUCKET": Ref("ExportBucket")},
        statements=[
            allow("s3:GetObject", Sub("${ExportBucketArn}/" + EXPORTS_PREFIX + "*")),
            allow("kms:Decrypt", Ref("ExportsKeyArn")),
        ],
    ),
    # Anchors are written (never read, replaced or deleted: Object Lock keeps each one) under the
    # anchor prefix only; the verifier lists that prefix and reads nothing else.
    "audit_anchor_write": Grant(
        environment={"HEARTH_AUDIT_ANCHOR_BUCKET": Ref("AuditAnchorBucket")},
        statements=[allow("s3:PutObject", Sub("${AuditAnchorBucketArn}/" + AUDIT_ANCHOR_PREFIX + "*"))],
    ),
    "audit_anchor_read": Grant(
        environment={"HEARTH_AUDIT_ANCHOR_BUCKET": Ref("AuditAnchorBucket")},
        statements=[
            {
                **allow("s3:ListBucket", Ref("AuditAnchorBucketArn")),
                "Condition": {"StringLike": {"s3:prefix": AUDIT_ANCHOR_PREFIX + "*"}},
            }
        ],
    ),
    "stripe_webhook_secret": _secret("StripeWebhookSecretArn", "HEARTH_STRIPE_WEBHOOK_SECRET_ARN"),
    "github_webhook_secret": _secret("GitHubWebhookSecretArn", "HEARTH_GITHUB_WEBHOOK_SECRET_ARN"),
    "anthropic_api_key": _secret("AnthropicApiKeySecretArn", "HEARTH_ANTHROPIC_API_KEY_SECRET_ARN"),
    # Provider SDKs: a layer of their own (layers/<folder>/requirements.txt), nothing else.
    "twilio_sdk": Grant(layers=("TwilioLayer",)),
    "anthropic_sdk": Grant(layers=("AnthropicLayer",)),
    "stripe_sdk": Grant(layers=("StripeLayer",)),
    "github_sync_queue": _send_to("GitHubSyncQueue", "HEARTH_GITHUB_SYNC_QUEUE_URL"),
    # The GitHub App: its id and slug, its API, and its private key (which signs the app's JWTs).
    "github_app": Grant(
        environment={
            "HEARTH_GITHUB_APP_ID": Ref("GitHubAppId"),
            "HEARTH_GITHUB_APP_SLUG": Ref("GitHubAppSlug"),
            "HEARTH_GITHUB_APP_PRIVATE_KEY_SECRET_ARN": Ref("GitHubAppPrivateKeySecretArn"),
            "HEARTH_GITHUB_API_BASE": Ref("GitHubApiBase"),
            "HEARTH_GITHUB_WEB_BASE": Ref("GitHubWebBase"),
        },
        statements=[allow("secretsmanager:GetSecretValue", Ref("GitHubAppPrivateKeySecretArn"))],
    ),
    "stripe_api_key": _secret("StripeApiKeySecretArn", "HEARTH_STRIPE_API_KEY_SECRET_ARN"),
    "billing_return_url": Grant(environment={"HEARTH_BILLING_RETURN_URL": Ref("BillingReturnUrl")}),
    "cognito_user_pool": Grant(
        environment={
            "HEARTH_IDENTITY_PROVIDER": Ref("IdentityProvider"),
            "HEARTH_COGNITO_USER_POOL_ID": Ref("UserPoolId"),
        },
        statements=[
            allow(["cognito-idp:AdminGetUser", "cognito-idp:AdminUserGlobalSignOut"], Ref("UserPoolArn"))
        ],
    ),
    # Inbound email: the consumer reads what SES wrote under inbound/ and writes attachments under
    # attachments/; the attachment route reads attachments/ only. Both through the bucket's key.
    "inbound_email_receive": Grant(
        environment={
            "HEARTH_INBOUND_EMAIL_BUCKET": Ref("InboundEmailBucket"),
            "HEARTH_EMAIL_INBOUND_DOMAIN": Ref("InboundEmailDomain"),
        },
        statements=[
            allow("s3:GetObject", Sub("${InboundEmailBucketArn}/" + INBOUND_EMAIL_RAW_PREFIX + "*")),
            allow("s3:PutObject", Sub("${InboundEmailBucketArn}/" + INBOUND_EMAIL_ATTACHMENTS_PREFIX + "*")),
            allow(["kms:Decrypt", "kms:GenerateDataKey"], Ref("InboundEmailKeyArn")),
        ],
    ),
    "inbound_email_read": Grant(
        environment={"HEARTH_INBOUND_EMAIL_BUCKET": Ref("InboundEmailBucket")},
        statements=[
            allow("s3:GetObject", Sub("${InboundEmailBucketArn}/" + INBOUND_EMAIL_ATTACHMENTS_PREFIX + "*")),
            allow("kms:Decrypt", Ref("InboundEmailKeyArn")),
        ],
    ),
    "email_inbound_domain": Grant(environment={"HEARTH_EMAIL_INBOUND_DOMAIN": Ref("InboundEmailDomain")}),
    "email_send_queue": _send_to("EmailSendQueue", "HEARTH_EMAIL_SEND_QUEUE_URL"),
    "email_campaign_queue": _send_to("EmailCampaignQueue", "HEARTH_EMAIL_CAMPAIGN_QUEUE_URL"),
    # SES: sending from any identity of the account (an org's verified domain, the platform's
    # system address) only with the deployment's configuration set; identities managed by name.
    "ses_send": Grant(
        environment={
            "HEARTH_EMAIL_CONFIGURATION_SET": Ref("EmailConfigurationSet"),
            "HEARTH_EMAIL_SYSTEM_FROM": Ref("EmailSystemFrom"),
        },
        statements=[
            allow("ses:SendEmail", SES_IDENTITIES),
            allow(
                "ses:SendEmail",
                Sub(
                    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
                    ":configuration-set/${EmailConfigurationSet}"
                ),
            ),
        ],
    ),
    "system_email": Grant(environment={"HEARTH_EMAIL_SYSTEM_FROM": Ref("EmailSystemFrom")}),
    "ses_identities": Grant(
        environment={"HEARTH_EMAIL_CONFIGURATION_SET": Ref("EmailConfigurationSet")},
        statements=[
            allow(
                ["ses:CreateEmailIdentity", "ses:GetEmailIdentity", "ses:DeleteEmailIdentity"],
                SES_IDENTITIES,
            )
        ],
    ),
    "email_unsubscribe_key": _secret("EmailUnsubscribeSecretArn", "HEARTH_EMAIL_UNSUBSCRIBE_KEY_SECRET_ARN"),
    "email_templates": Grant(layers=("EmailLayer",)),
    # The backup check describes the one database (cluster or instance) and its automated
    # snapshots (named rds:<id>-<date>), nothing else, and changes nothing.
    "backup_db": Grant(
        environment={"HEARTH_BACKUP_DB_IDENTIFIER": Ref("BackupDbIdentifier")},
        statements=[
            allow(
                ["rds:DescribeDBClusters", "rds:DescribeDBClusterSnapshots"],
                [
                    Sub(
                        "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${BackupDbIdentifier}"
                    ),
                    Sub(
                        "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}"
                        ":cluster-snapshot:rds:${BackupDbIdentifier}-*"
                    ),
                ],
            ),
            allow(
                ["rds:DescribeDBInstances", "rds:DescribeDBSnapshots"],
                [
                    Sub(
                        "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:${BackupDbIdentifier}"
                    ),
                    Sub(
                        "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}"
                        ":snapshot:rds:${BackupDbIdentifier}-*"
                    ),
                ],
            ),
        ],
    ),
    # The finaliser lists and deletes every version of a deleted org's objects, under the two
    # prefixes only (the keys name the org; the policy cannot, so it names the prefixes).
    "org_objects_delete": Grant(
        environment={
            "HEARTH_RECORDINGS_BUCKET": Ref("RecordingsBucket"),
            "HEARTH_EXPORTS_BUCKET": Ref("ExportBucket"),
        },
        statements=[
            {
                **allow("s3:ListBucketVersions", Ref("RecordingsBucketArn")),
                "Condition": {"StringLike": {"s3:prefix": RECORDINGS_PREFIX + "*"}},
            },
            {
                **allow("s3:ListBucketVersions", Ref("ExportBucketArn")),
                "Condition": {"StringLike": {"s3:prefix": EXPORTS_PREFIX + "*"}},
            },
            allow(
                ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                Sub("${RecordingsBucketArn}/" + RECORDINGS_PREFIX + "*"),
            ),
            allow(
                ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                Sub("${ExportBucketArn}/" + EXPORTS_PREFIX + "*"),
            ),
        ],
    ),
    "cognito_user_delete": Grant(
        environment={
            "HEARTH_IDENTITY_PROVIDER": Ref("IdentityProvider"),
            "HEARTH_COGNITO_USER_POOL_ID": Ref("UserPoolId"),
        },
        statements=[allow(["cognito-idp:AdminGetUser", "cognito-idp:AdminDeleteUser"], Ref("UserPoolArn"))],
    ),
}


def consume(queue: str) -> Grant:
    """What an SQS consumer needs to read its queue (its event source mapping polls as it)."""
    return Grant(
        statements=[
            allow(
                [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                ],
                Ref(f"{queue}Arn"),
            )
        ]
    )


def parameters_of(value: Any) -> set[str]:
    """The stack parameters a value built from ``cfn`` classes refers to."""
    found: set[str] = set()
    if isinstance(value, Ref) and value.name in STACK_PARAMETERS:
        found.add(value.name)
    elif isinstance(value, Sub):
        found |= {name for name in STACK_PARAMETERS if "${" + name + "}" in value.text}
    elif isinstance(value, Fn):
        for arg in value.args:
            found |= parameters_of(arg)
    elif isinstance(value, dict):
        for item in value.values():
            found |= parameters_of(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= parameters_of(item)
    return found
