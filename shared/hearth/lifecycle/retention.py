"""The retention policy, in one place: each kind of data, how long it is kept, and what happens
then (hard delete, erase fields, anonymise). The purge schedules (``hearth.lifecycle.purge``)
and ``GET /v1/orgs/current/retention`` read it; nothing else states a period.

Adding a kind is one entry of :func:`policy` (and, in a migration, the table's narrow
``system_delete`` policy and an index on its age column)::

    Kind("email_messages", "email_messages", timedelta(days=90), DELETE, age="sent_at",
         schedule="expired", description="Sent emails."),

An org may keep a kind longer (``retention_overrides``), never shorter: :func:`effective` takes
the greater of the two, and so does the purge's SQL. Kinds of data that belong to a user rather
than an org (sessions, security events, sign-in attempts, per-user rate windows) take no
override. There is no analytics data in Hearth today: when there is, its kind is an entry here
with the method ``anonymise`` and a period of a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Literal

from hearth.settings import settings

Method = Literal["delete", "erase", "anonymise"]
DELETE: Method = "delete"
ERASE: Method = "erase"
ANONYMISE: Method = "anonymise"

#: The schedules that purge: soft-deleted records, expired rows, and the audit log.
ScheduleName = Literal["records", "expired", "audit"]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of data: rows of ``table`` whose ``age`` column is older than ``period``
    (and match ``where``) are deleted (or, for ``erase``, have ``erase`` applied)."""

    name: str
    table: str
    period: timedelta
    method: Method
    age: str
    schedule: ScheduleName
    description: str
    #: Further condition of a purgeable row (SQL over the table's columns).
    where: str = ""
    #: Whether rows carry ``org_id`` (an org's override applies).
    per_org: bool = True
    #: Whether an org may keep this kind longer.
    overridable: bool = True
    #: For ``erase``: the SET clause.
    erase: str = ""
    #: The key the batch selects rows by.
    key: tuple[str, ...] = ("org_id", "id")


def _days(n: float) -> timedelta:
    return timedelta(days=n)


#: Days a received email's attachments are kept: the inbound email bucket's lifecycle rule for
#: ``attachments/`` (template.yaml) deletes them then, and the message's content is erased with them.
INBOUND_ATTACHMENT_DAYS = 365

#: What erasing an email's content sets, sent (``emails``) or received (``inbound_emails``) alike.
_EMAIL_ERASE = "text_body = '', html_body = NULL, attachments = '[]', content_erased_at = now()"

#: The soft-deleted records purged 30 days after their deletion, children before parents
#: (what references them goes by the foreign keys' own actions: links and timeline rows cascade,
#: live rows' references are set to NULL).
_RECORDS = ("interactions", "notes", "time_entries", "tasks", "deals", "projects", "people", "companies")


def _policy() -> tuple[Kind, ...]:
    records = tuple(
        Kind(
            f"deleted_{table}",
            table,
            _days(30),
            DELETE,
            age="deleted_at",
            schedule="records",
            description=f"Soft-deleted {table.replace('_', ' ')}, with their links, 30 days after deletion.",
        )
        for table in _RECORDS
    )
    return (
        *records,
        Kind(
            "audit",
            "audit_logs",
            _days(90),
            DELETE,
            age="occurred_at",
            schedule="audit",
            description="Audit log rows, oldest first; the chain keeps a checkpoint of the last one purged.",
        ),
        Kind(
            "idempotency_keys",
            "idempotency_keys",
            timedelta(0),
            DELETE,
            age="expires_at",
            schedule="expired",
            description="Stored Idempotency-Key replies, once expired (24 hours after the request).",
            overridable=False,
            key=("org_id", "credential", "key"),
        ),
        Kind(
            "rate_limit_windows",
            "rate_limit_counters",
            timedelta(hours=1),
            DELETE,
            age="window_start",
            schedule="expired",
            description="Per-credential rate-limit windows, an hour after they opened.",
            overridable=False,
            key=("org_id", "subject", "window_start"),
        ),
        Kind(
            "user_rate_windows",
            "user_rate_counters",
            _days(2),
            DELETE,
            age="window_start",
            schedule="expired",
            description="Per-user rate-limit windows (a minute, a day), two days after they opened.",
            per_org=False,
            overridable=False,
            key=("user_id", "subject", "window_start"),
        ),
        Kind(
            "inbound_webhook_receipts",
            "inbound_webhook_receipts",
            _days(30),
            DELETE,
            age="received_at",
            schedule="expired",
            description="Receipts of provider webhook deliveries (deduplication), after 30 days.",
            key=("org_id", "provider", "delivery_id"),
        ),
        Kind(
            "domain_events",
            "domain_events",
            _days(30),
            DELETE,
            age="occurred_at",
            where="published_at IS NOT NULL",
            schedule="expired",
            description="Published domain events, 30 days after they occurred (never unpublished ones).",
        ),
        Kind(
            "webhook_attempts",
            "webhook_delivery_attempts",
            _days(30),
            DELETE,
            age="attempted_at",
            schedule="expired",
            description="Webhook delivery attempts (the support log), 30 days after the attempt.",
        ),
        Kind(
            "ai_run_content",
            "ai_runs",
            _days(settings().ai_run_retention_days),
            ERASE,
            age="finished_at",
            where="purged_at IS NULL AND finished_at IS NOT NULL",
            schedule="expired",
            description="What a finished AI run holds of the org's data (instructions, output, records"
            " shown) is erased; the run stays for the usage ledger.",
            erase="instructions = NULL, output = NULL, shown = '[]', purged_at = now()",
        ),
        Kind(
            "billing_usage",
            "billing_usage",
            _days(400),
            DELETE,
            age="occurred_at",
            schedule="expired",
            description="Usage ledger rows, 400 days after the use (the monthly totals stay).",
        ),
        Kind(
            "sms_content",
            "sms_messages",
            _days(365),
            ERASE,
            age="created_at",
            where="content_erased_at IS NULL",
            schedule="expired",
            description="What an SMS said (body, media links) is erased after a year; the message"
            " stays in the log.",
            erase="body = '', media_urls = '{}', content_erased_at = now()",
        ),
        Kind(
            "email_content",
            "emails",
            _days(365),
            ERASE,
            age="created_at",
            where="content_erased_at IS NULL",
            schedule="expired",
            description="What a sent email said (bodies, the attachments it named) is erased after a"
            " year; the email stays in the log.",
            erase=_EMAIL_ERASE,
        ),
        Kind(
            "inbound_email_content",
            "inbound_emails",
            _days(INBOUND_ATTACHMENT_DAYS),
            ERASE,
            age="received_at",
            where="content_erased_at IS NULL",
            schedule="expired",
            description="What a received email said (bodies, the attachments' list) is erased after a"
            " year, when its attachments expire from the bucket; the message stays in the log.",
            erase=_EMAIL_ERASE,
            overridable=False,
        ),
        Kind(
            "exports",
            "exports",
            _days(90),
            DELETE,
            age="created_at",
            schedule="expired",
            description="Export requests (who asked for what, the counts), 90 days after they were made;"
            " the zip itself is deleted after two days.",
        ),
        Kind(
            "backup_checks",
            "backup_checks",
            _days(400),
            DELETE,
            age="checked_at",
            schedule="expired",
            description="Results of the daily backup checks, after 400 days.",
            per_org=False,
            overridable=False,
            key=("id",),
        ),
        Kind(
            "read_notifications",
            "notifications",
            _days(90),
            DELETE,
            age="read_at",
            schedule="expired",
            description="Notifications, 90 days after they were read; unread ones stay.",
        ),
        Kind(
            "sessions",
            "user_sessions",
            _days(30),
            DELETE,
            age="ended_at",
            schedule="expired",
            description="Sign-in sessions, 30 days after they ended (idle ones end after 24 hours).",
            per_org=False,
            overridable=False,
            key=("id",),
        ),
        Kind(
            "security_events",
            "security_events",
            _days(365),
            DELETE,
            age="occurred_at",
            schedule="expired",
            description="Users' security events, after a year.",
            per_org=False,
            overridable=False,
            key=("id",),
        ),
        Kind(
            "sign_in_attempts",
            "sign_in_attempts",
            _days(30),
            DELETE,
            age="started_at",
            schedule="expired",
            description="Password sign-in attempts (the lockout counts minutes), after 30 days.",
            per_org=False,
            overridable=False,
            key=("id",),
        ),
    )


@cache
def policy() -> dict[str, Kind]:
    """Every kind by name (built once per execution environment, from the settings)."""
    return {kind.name: kind for kind in _policy()}


#: The longest an org may ask to keep anything (ten years).
MAX_OVERRIDE = timedelta(days=3650)


def kinds(schedule: ScheduleName | None = None) -> list[Kind]:
    """The kinds, in purge order (children before parents), optionally of one schedule."""
    return [k for k in policy().values() if schedule is None or k.schedule == schedule]


def effective(kind: Kind, override_seconds: int | None) -> timedelta:
    """How long an org keeps ``kind``: its override when longer than the default, else the default."""
    if override_seconds is None or not kind.overridable:
        return kind.period
    return max(kind.period, timedelta(seconds=override_seconds))
