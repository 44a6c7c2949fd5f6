"""The platform's own emails to members (notifications, exports), through the same queue and
sender as every email::

    email_id = send_system_email(
        conn, org_id=org_id, user_id=user_id, template="notification",
        variables={"title": "Task assigned", "body": "…", "link": "https://…"},
        dedupe_key=f"task.assigned:{task_id}:{user_id}",
    )

It runs in the caller's tenant transaction ``conn`` (the org's). The email goes from the
platform's system address (``HEARTH_EMAIL_SYSTEM_FROM``) to the member's verified email
(``users.email`` holds only verified addresses), rendered from a system template of
:data:`TEMPLATES` (Jinja2's sandbox, HTML autoescaped); it is stored ``queued`` with
``email.queued`` in ``conn``'s transaction, so it is sent only if the caller commits. It returns
None and queues nothing when the member has no verified email, the address is suppressed, or
the org has an email with ``dedupe_key`` already (at most one per key per org). System emails do
not count against the plan's email allowance.

An account's own security emails (:data:`ACCOUNT_TEMPLATES`, e.g. ``account_locked``) belong to
no org: :func:`send_account_email` hands them to SES at once, with no ``emails`` row (see
its docstring).

The ``email.queued`` event is relayed by the outbox sweep; a caller that wants the email on its
way at once routes it after committing: ``hearth.outbox.channels.route(org_id, "email.queued",
email_id)`` (the sender claims each email once, so a second message changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import outbox
from hearth.db import Connection
from hearth.email import store
from hearth.events.types import EMAIL_QUEUED
from hearth.observability import logger
from hearth.settings import ConfigurationError, settings

ACTOR: tuple[str, str | None] = ("system", "system_email")


@dataclass(frozen=True, slots=True)
class SystemTemplate:
    subject: str
    text: str
    html: str
    #: The variables a caller must give (others are optional and may be None).
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


#: The system templates, by name.
TEMPLATES: dict[str, SystemTemplate] = {
    "notification": SystemTemplate(
        subject="{{ title }}",
        text="{{ body }}\n{% if link %}\n{{ link }}\n{% endif %}\n-- {{ org_name }} on Hearth\n",
        html=(
            "<h1>{{ title }}</h1>\n<p>{{ body }}</p>\n"
            '{% if link %}<p><a href="{{ link }}">Open in Hearth</a></p>{% endif %}\n'
            "<p>{{ org_name }} on Hearth</p>\n"
        ),
        required=("title", "body"),
        optional=("link",),
    ),
    "export_ready": SystemTemplate(
        subject="Your export of {{ org_name }} is ready",
        text="Your export is ready: {{ download_url }}\nThe link works until {{ expires_at }}.\n",
        html=(
            '<p>Your export is ready: <a href="{{ download_url }}">download it</a>.</p>\n'
            "<p>The link works until {{ expires_at }}.</p>\n"
        ),
        required=("download_url", "expires_at"),
    ),
}


def send_system_email(
    conn: Connection,
    *,
    org_id: UUID,
    user_id: UUID,
    template: str,
    variables: dict[str, Any],
    dedupe_key: str,
) -> UUID | None:
    """Queue a system email to a member (see the module docstring); its id, or None."""
    from hearth.email.render import render

    chosen = TEMPLATES.get(template)
    if chosen is None:
        raise ValueError(f"unknown system template {template!r}: one of {sorted(TEMPLATES)}")
    missing = [name for name in chosen.required if variables.get(name) in (None, "")]
    if missing:
        raise ValueError(f"system template {template!r} needs {missing}")
    if not dedupe_key or len(dedupe_key) > 200:
        raise ValueError("dedupe_key must be 1 to 200 characters")
    sender = settings().email_system_from
    if not sender:
        raise ConfigurationError("missing configuration: set HEARTH_EMAIL_SYSTEM_FROM")
    address = store.member_email(conn, user_id)
    if address is None or store.suppressed(conn, [address], "transactional"):
        return None
    context = dict.fromkeys(chosen.optional) | dict(variables) | {"org_name": store.org_name(conn) or ""}
    out = render(subject=chosen.subject, text=chosen.text, html=chosen.html, variables=context)
    row = store.insert_email(
        conn,
        {
            "category": "transactional",
            "system": True,
            "dedupe_key": dedupe_key,
            "from_address": sender.lower(),
            "to_addresses": [address],
            "subject": out.subject,
            "text_body": out.text,
            "html_body": out.html,
            "sent_by": f"system:{template}",
            "cc_addresses": [],
            "bcc_addresses": [],
        },
    )
    if row is None:
        return None
    email_id = UUID(str(row["id"]))
    outbox.emit(
        conn,
        org_id=org_id,
        actor=ACTOR,
        type=EMAIL_QUEUED,
        resource_type="email",
        resource_id=email_id,
        data={"object": {"id": str(email_id), "status": "queued", "system": True, "template": template}},
    )
    return email_id


@dataclass(frozen=True, slots=True)
class AccountTemplate:
    """An account email: fixed text with the platform's own values (``str.format``), no Jinja2
    (the user pool's trigger, which sends them, has no template layer) and nothing a user wrote."""

    subject: str
    text: str


#: Emails to an account, not to a member of an org, by name.
ACCOUNT_TEMPLATES: dict[str, AccountTemplate] = {
    "account_locked": AccountTemplate(
        subject="Your Hearth account is locked for {minutes} minutes",
        text=(
            "There were {failures} failed sign-ins to your Hearth account, so it is locked for"
            " {minutes} minutes (until {until} UTC).\n\n"
            "If this was you, wait and sign in again. If it was not, someone may know your email"
            " address and be guessing your password: reset your password when the lock ends and"
            " turn on multi-factor authentication.\n\n-- Hearth\n"
        ),
    ),
}
#: The SES tag an account email carries (it names no org, so the delivery events pass it by).
ACCOUNT_TAG = "hearth_account_email"


def send_account_email(address: str, template: str, variables: dict[str, Any]) -> str | None:
    """Send an account email to ``address`` (a verified address of the account) through SES now;
    SES's message id, or None when it was not sent (email not set up, no system address, SES
    refused or did not answer: logged without the address, never raised, at most once).

    No org holds it, so there is no ``emails`` row, no org suppression list and no plan; the
    caller decides when it is due (once per lock)."""
    from hearth.email import mime, provider

    chosen = ACCOUNT_TEMPLATES[template]
    sender = settings().email_system_from
    if not sender:
        logger.warning("account email not sent: no system address", extra={"template": template})
        return None
    row = {
        "from_address": sender.lower(),
        "to_addresses": [address],
        "cc_addresses": [],
        "bcc_addresses": [],
        "reply_to": None,
        "subject": chosen.subject.format(**variables),
        "text_body": chosen.text.format(**variables),
        "html_body": None,
    }
    try:
        return provider.send_raw(
            mime.message(row),
            from_=sender.lower(),
            destinations=[address],
            tags={ACCOUNT_TAG: template},
            configuration_set=settings().email_configuration_set,
        )
    except provider.ProviderError as exc:
        logger.warning("account email not sent", extra={"template": template, "code": exc.code})
        return None
