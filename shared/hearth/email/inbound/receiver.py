"""Inbound email, from SES's receipt notification to the org's timeline (``InboundEmailQueue``'s
consumer)::

    SES receipt rule: store the raw message in the inbound email bucket (inbound/<SES id>),
                      notify the inbound email topic -> InboundEmailQueue
    receive(Notification.parse(record.body))   # -> {"stored": n, "duplicate": n, "dropped": n}

The orgs are found by the envelope recipients SES lists (BCC recipients included), each through
the narrow look across orgs (``hearth_org_of_inbound_email_address``): ``<slug>@<domain>`` is the
org's inbound address, ``<slug>+bcc-<token>@<domain>`` its BCC logging address; any other address
at the domain, or at another domain, reaches no org (dropped, logged, counted). Each org gets its
own copy, stored in its own tenant transaction, so an address of one org never writes into
another. A message SES found a virus in is dropped.

Inbound: the person is the sender (people's ``email`` and ``other_emails``). Logged by BCC: the
sender must be a member of the org (their verified address) and SES must vouch for the From:
domain (:func:`authenticated`), else it is dropped (anyone can write a member's address in
From:); it is stored ``outbound`` and the person is the first recipient who is one. No person is
created.

Once per org and SES message, and once per org and Message-ID: a repeated notification, or the
same message reaching the org again, stores nothing. Attachments are written to the bucket under
``attachments/<org>/<SES id>/<index>`` (the same key when a notification is repeated) before the
row that names them. With a person: an ``email`` interaction on their (and their company's)
timeline. Then ``email.received``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from hearth import audit, db, outbox
from hearth.email.inbound import bucket, store
from hearth.email.inbound.models import InboundEmailSummary
from hearth.email.inbound.parsing import ParsedEmail, parse
from hearth.events.types import EMAIL_RECEIVED
from hearth.observability import NAMESPACE, SERVICE, logger
from hearth.settings import settings

ACTOR = ("system", "consumer:inbound_email")


@dataclass(frozen=True, slots=True)
class Notification:
    """What SES's ``Received`` notification (``notificationType``) says of a message stored by an
    S3 action: its SES id, where it is, whom it reached, and SES's verdicts."""

    ses_message_id: str
    bucket: str
    key: str
    recipients: tuple[str, ...]
    source: str
    timestamp: datetime
    verdicts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, body: str) -> Notification | None:
        """The notification in an SQS body: SNS's envelope (``Type`` Notification, the SES JSON in
        ``Message``) or the SES JSON itself (raw delivery). None for SES's other notifications
        (the test notification sent when the rule is set up). A body of neither shape raises."""
        data = json.loads(body)
        if isinstance(data, dict) and data.get("Type") == "Notification" and "Message" in data:
            data = json.loads(data["Message"])
        if not isinstance(data, dict):
            raise ValueError("not an SES notification")
        if data.get("notificationType") != "Received":
            return None
        mail, receipt = data["mail"], data["receipt"]
        action = receipt["action"]
        if action.get("type") != "S3":
            raise ValueError(f"SES action {action.get('type')!r}: only S3 actions are received")
        verdicts = {
            name: str((receipt.get(f"{name}Verdict") or {}).get("status", "")).upper()
            for name in ("spam", "virus", "spf", "dkim", "dmarc")
            if receipt.get(f"{name}Verdict")
        }
        return cls(
            ses_message_id=str(mail["messageId"]),
            bucket=str(action["bucketName"]),
            key=str(action["objectKey"]),
            recipients=tuple(str(r) for r in receipt.get("recipients") or mail.get("destination") or ()),
            source=str(mail.get("source") or ""),
            timestamp=_timestamp(str(mail.get("timestamp") or receipt.get("timestamp") or "")),
            verdicts=verdicts,
        )


def _timestamp(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Destination:
    org_id: UUID
    kind: str  # inbound | bcc
    recipient: str


def destinations(recipients: tuple[str, ...] | list[str]) -> tuple[list[Destination], list[str]]:
    """The orgs ``recipients`` reach (one per org: its BCC logging address wins over its inbound
    address), and the recipients that reach none."""
    domain = (settings().email_inbound_domain or "").lower()
    found: dict[UUID, Destination] = {}
    unknown: list[str] = []
    for recipient in recipients:
        address = recipient.strip().lower()
        local, _, at = address.rpartition("@")
        org = None
        if domain and at == domain and local:
            slug, _, tag = local.partition("+")
            org = (
                store.org_of_address(slug, tag or None)
                if slug and (not tag or tag.startswith("bcc-"))
                else None
            )
        if org is None:
            unknown.append(address)
            continue
        org_id, kind = org
        if org_id not in found or kind == "bcc":
            found[org_id] = Destination(org_id, kind, address)
    return list(found.values()), unknown


def authenticated(sender: str, notification: Notification) -> bool:
    """Whether SES vouches for the From: address's domain: DMARC passed (SPF or DKIM aligned with
    it), or, where the domain publishes no DMARC policy, SPF passed for an envelope sender of that
    very domain. SPF or DKIM alone vouch for some domain, which need not be the one in From:."""
    if notification.verdicts.get("dmarc") == "PASS":
        return True
    envelope_domain = notification.source.strip().lower().rpartition("@")[2]
    return notification.verdicts.get("spf") == "PASS" and envelope_domain == sender.rpartition("@")[2]


def receive(notification: Notification) -> dict[str, int]:
    """Store the message for every org it reached; how many copies were stored, were stored
    already, or were dropped."""
    outcome = {"stored": 0, "duplicate": 0, "dropped": 0, "unknown_recipients": 0}
    if notification.bucket != bucket.name() or not notification.key.startswith(bucket.RAW_PREFIX):
        raise ValueError("the notification names an object outside the inbound email bucket's inbound/")
    found, unknown = destinations(notification.recipients)
    if unknown:
        outcome["unknown_recipients"] = len(unknown)
        logger.info(
            "inbound email for addresses of no org",
            extra={"ses_message_id": notification.ses_message_id, "recipients": len(unknown)},
        )
    if not found:
        outcome["dropped"] += 1
        return outcome
    if notification.verdicts.get("virus") == "FAIL":
        logger.warning(
            "inbound email with a virus dropped", extra={"ses_message_id": notification.ses_message_id}
        )
        outcome["dropped"] += len(found)
        return outcome
    message = parse(bucket.read(notification.key))
    for destination in found:
        result = store_copy(destination, notification, message)
        outcome[result] += 1
    return outcome


def store_copy(destination: Destination, notification: Notification, message: ParsedEmail) -> str:
    """Store the message for one org (``stored``, ``duplicate`` or ``dropped``)."""
    org_id = destination.org_id
    sender = message.from_address or notification.source.strip().lower()
    with db.tenant_transaction(org_id) as conn:
        if store.stored(conn, notification.ses_message_id, message.message_id):
            return "duplicate"
        if destination.kind == "bcc":
            member = store.member_by_email(conn, sender)
            if member is None or not authenticated(sender, notification):
                logger.warning(
                    "BCC-logged email not from a member, or not authenticated: dropped",
                    extra={"ses_message_id": notification.ses_message_id, "org_id": str(org_id)},
                )
                return "dropped"
            contacts = [a for a in [*message.to, *message.cc] if a != destination.recipient]
            person = store.person_by_email(conn, contacts)
        else:
            person = store.person_by_email(conn, [sender])
    attachments = []
    for item in message.attachments:
        key = bucket.attachment_key(org_id, notification.ses_message_id, item.index)
        bucket.write(key, item.content, item.content_type)
        attachments.append(
            {
                "index": item.index,
                "filename": item.filename,
                "content_type": item.content_type,
                "size": item.size,
                "content_id": item.content_id,
                "inline": item.inline,
                "key": key,
            }
        )
    direction = "outbound" if destination.kind == "bcc" else "inbound"
    events: list[UUID] = []
    tx = db.database("app").begin(
        str(org_id), "", audit_context=audit.context(ACTOR, audit.RequestMeta(notification.ses_message_id))
    )
    try:
        row = store.insert(
            tx.conn,
            {
                "direction": direction,
                "recipient": destination.recipient,
                "ses_message_id": notification.ses_message_id,
                "message_id": message.message_id,
                "in_reply_to": message.in_reply_to,
                "references": message.references,
                "from_address": sender[:320],
                "from_name": message.from_name,
                "to_addresses": message.to,
                "cc_addresses": message.cc,
                "reply_to": message.reply_to,
                "subject": message.subject,
                "text_body": message.text,
                "html_body": message.html,
                "truncated": message.truncated,
                "attachments": attachments,
                "verdicts": notification.verdicts,
                "raw_key": notification.key,
                "size_bytes": message.size,
                "sent_at": message.sent_at,
                "received_at": notification.timestamp,
                "person_id": person["id"] if person else None,
                "company_id": person["company_id"] if person else None,
            },
        )
        if row is None:  # stored meanwhile by a concurrent copy of the notification
            tx.rollback()
            return "duplicate"
        summary = InboundEmailSummary.model_validate(row)
        if person is not None:
            store.insert_interaction(
                tx.conn,
                direction=direction,
                occurred_at=notification.timestamp,
                subject=message.subject,
                summary=message.text,
                person_id=person["id"],
                company_id=person["company_id"],
                external_ref=f"ses:{notification.ses_message_id}",
            )
        audit.record(
            tx.conn,
            org_id=org_id,
            action="email.receive",
            resource_type="inbound_email",
            resource_id=summary.id,
            changes={"from": sender, "to": destination.recipient, "direction": direction},
        )
        events.append(
            outbox.emit(
                tx.conn,
                org_id=org_id,
                actor=ACTOR,
                type=EMAIL_RECEIVED,
                resource_type="inbound_email",
                resource_id=summary.id,
                data={"object": event_object(summary)},
                request_id=notification.ses_message_id,
            )
        )
        tx.commit()
    finally:
        if tx.open:
            tx.rollback()
    outbox.after_commit(org_id, events)
    return "stored"


#: What ``email.received`` carries of the message: enough to act on, bounded in size (a message's
#: recipients and references may run to a hundred each; the event holds at most 64 KiB).
EVENT_FIELDS = (
    "id", "direction", "recipient", "ses_message_id", "message_id", "in_reply_to", "from_address",
    "from_name", "subject", "truncated", "size_bytes", "sent_at", "received_at", "person_id", "company_id",
)  # fmt: skip


def event_object(summary: InboundEmailSummary) -> dict[str, Any]:
    data = summary.model_dump(mode="json", include=set(EVENT_FIELDS))
    data["to"], data["cc"] = summary.to[:10], summary.cc[:10]
    data["attachments"] = len(summary.attachments)
    return data


def _emit_metrics(outcome: dict[str, int]) -> None:
    """One EMF record per notification: the copies stored, repeated and dropped, and the
    recipients that reached no org."""
    provider = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    names = {
        "stored": "Stored",
        "duplicate": "Duplicate",
        "dropped": "Dropped",
        "unknown_recipients": "UnknownRecipients",
    }
    for key, name in names.items():
        provider.add_metric(name=f"InboundEmail{name}", unit=MetricUnit.Count, value=outcome.get(key, 0))
    try:
        provider.flush_metrics()
    finally:
        provider.clear_metrics()


def process_record(record: Any) -> None:
    """The consumer's record handler."""
    notification = Notification.parse(record.body)
    if notification is None:
        return
    outcome = receive(notification)
    _emit_metrics(outcome)
    logger.info("inbound email", extra={"ses_message_id": notification.ses_message_id, **outcome})
