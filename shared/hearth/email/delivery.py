"""SES delivery events (``EmailEventsQueue``'s consumer): the configuration set publishes each
email's events to SNS, SNS delivers them to the queue in its envelope
(``{"Type": "Notification", "Message": "<the SES event as JSON>"}``), and each event moves its
email forward::

    Send -> sent (email.sent)            Delivery -> delivered (email.delivered)
    Bounce (Permanent) -> bounced (email.bounced), the bounced addresses suppressed
    Complaint -> complained (email.complained), the complaining addresses suppressed
    Reject / RenderingFailure -> failed  Open, Click -> counted (no status)
    Bounce (Transient), DeliveryDelay -> nothing (SES keeps trying)

The email is found by the tags the sender gave it (``hearth_org``, ``hearth_email``) and must
carry the event's SES message id. Statuses only move forward: a late or repeated event changes
nothing, except that a complaint still suppresses the address."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hearth import db, outbox
from hearth.email import store
from hearth.email.sender import EMAIL_TAG, ORG_TAG
from hearth.events.types import (
    EMAIL_BOUNCED,
    EMAIL_COMPLAINED,
    EMAIL_DELIVERED,
    EMAIL_FAILED,
    EMAIL_SENT,
    EMAIL_SUPPRESSED,
)
from hearth.observability import logger

ACTOR: tuple[str, str | None] = ("system", "ses_events")
_STATUS = {
    "Send": ("sent", EMAIL_SENT),
    "Delivery": ("delivered", EMAIL_DELIVERED),
    "Bounce": ("bounced", EMAIL_BOUNCED),
    "Complaint": ("complained", EMAIL_COMPLAINED),
    "Reject": ("failed", EMAIL_FAILED),
    "Rendering Failure": ("failed", EMAIL_FAILED),
}


@dataclass(frozen=True, slots=True)
class SesEvent:
    """One SES event, as the configuration set publishes it."""

    type: str
    message_id: str
    org_id: UUID
    email_id: UUID
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, body: str) -> SesEvent | None:
        """The event in an SQS record's body (SNS's envelope or the bare event); None when it
        names no email of Hearth's (an event of another sender of the account)."""
        data = json.loads(body)
        if (
            isinstance(data, dict)
            and data.get("Type") == "Notification"
            and isinstance(data.get("Message"), str)
        ):
            data = json.loads(data["Message"])
        if not isinstance(data, dict):
            raise ValueError("not an SES event")
        kind = str(data.get("eventType") or data.get("notificationType") or "")
        mail = data.get("mail") or {}
        tags = mail.get("tags") or {}
        org, email = (tags.get(ORG_TAG) or [None])[0], (tags.get(EMAIL_TAG) or [None])[0]
        if not kind or not mail.get("messageId"):
            raise ValueError("not an SES event")
        if not org or not email:
            return None
        detail_key = {"Rendering Failure": "failure", "DeliveryDelay": "deliveryDelay"}.get(
            kind, kind.lower()
        )
        detail = data.get(detail_key) or {}
        return cls(
            kind,
            str(mail["messageId"]),
            UUID(str(org)),
            UUID(str(email)),
            detail if isinstance(detail, dict) else {},
        )


def _reason(event: SesEvent) -> tuple[str | None, str | None]:
    d = event.detail
    if event.type == "Bounce":
        recipients = d.get("bouncedRecipients") or [{}]
        return (
            f"bounce_{str(d.get('bounceSubType') or 'general').lower()}"[:60],
            str(recipients[0].get("diagnosticCode") or d.get("bounceType") or "")[:1000] or None,
        )
    if event.type == "Complaint":
        return "complaint", str(d.get("complaintFeedbackType") or "") or None
    if event.type == "Reject":
        return "ses_rejected", str(d.get("reason") or "") or None
    if event.type == "Rendering Failure":
        return "ses_rendering_failure", str(d.get("errorMessage") or "") or None
    return None, None


def _suppressions(event: SesEvent) -> list[str]:
    if event.type == "Bounce" and event.detail.get("bounceType") == "Permanent":
        found = event.detail.get("bouncedRecipients") or []
    elif event.type == "Complaint":
        found = event.detail.get("complainedRecipients") or []
    else:
        return []
    return [str(r["emailAddress"]).lower() for r in found if isinstance(r, dict) and r.get("emailAddress")]


def apply(event: SesEvent) -> str:
    """Apply one event to its email (see the module docstring); what happened."""
    if event.type in ("Open", "Click"):
        with db.tenant_transaction(event.org_id) as conn:
            counted = store.engaged(conn, event.email_id, event.message_id, event.type.lower())
        return "counted" if counted else "unknown"
    if event.type not in _STATUS or (
        event.type == "Bounce" and event.detail.get("bounceType") != "Permanent"
    ):
        return "ignored"
    status, event_type = _STATUS[event.type]
    code, text = _reason(event)
    emitted = []
    with db.tenant_transaction(event.org_id) as conn:
        row = store.advance(
            conn,
            event.email_id,
            status,
            provider_message_id=event.message_id,
            error_code=code,
            error_message=text,
        )
        known = row is not None or store.get_email(conn, event.email_id) is not None
        if not known:
            return "unknown"
        for address in _suppressions(event):
            reason = "complaint" if event.type == "Complaint" else "bounce"
            if store.suppress(
                conn,
                address,
                reason=reason,
                marketing_only=False,
                created_by="system:ses_events",
                email_id=event.email_id,
                detail=text,
            ):
                emitted.append(
                    outbox.emit(
                        conn,
                        org_id=event.org_id,
                        actor=ACTOR,
                        type=EMAIL_SUPPRESSED,
                        resource_type="email_suppression",
                        data={"address": address, "reason": reason, "marketing_only": False},
                    )
                )
        if row is not None:
            emitted.append(
                outbox.emit(
                    conn,
                    org_id=event.org_id,
                    actor=ACTOR,
                    type=event_type,
                    resource_type="email",
                    resource_id=event.email_id,
                    data={
                        "id": str(event.email_id),
                        "status": status,
                        "to": row["to_addresses"],
                        "error": {"code": code, "message": text} if code else None,
                    },
                )
            )
    outbox.after_commit(event.org_id, emitted)
    return status if row is not None else "stale"


def process_record(record: Any) -> str:
    """The consumer's per-record handler (a malformed record fails alone, to the DLQ)."""
    event = SesEvent.parse(record.body)
    if event is None:
        logger.info("SES event of no Hearth email")
        return "foreign"
    outcome = apply(event)
    logger.info("SES event", extra={"type": event.type, "email_id": str(event.email_id), "outcome": outcome})
    return outcome
