"""The email sender (``EmailSendQueue``'s consumer): one queued email -> at most one call to SES
per attempt, then its outcome. A batch is sent concurrently (one thread per record), so a batch
of ten waits about as long as one call to SES.

1. Claim (tenant transaction): an attempt is counted on a ``queued`` email no other attempt
   holds; an email that is not queued any more (sending, failed, a repeated SQS message) is done.
   Suppression is checked again (a bounce or an unsubscribe may have come after the email was
   accepted): a suppressed recipient ends the email ``failed`` (``recipient_suppressed``) and SES
   is never called.
2. Send (no transaction open): SES v2 ``SendEmail`` with the MIME message (``hearth.email.mime``;
   a marketing email carries the one-click unsubscribe headers), the deployment's configuration
   set, and tags naming the org and the email (the delivery events find the email by them).
3. Outcome (tenant transaction): accepted -> SES's message id, ``sending`` and the ``email``
   interaction on the linked records' timelines; a permanent refusal -> ``failed`` with SES's
   error code and ``email.failed``; a temporary one (throttling, SES unavailable, a timeout) ->
   the record fails (``batchItemFailures``) and its message becomes visible again after a
   backoff (doubling from 5 s). The attempt of the last receive SQS allows ends the email
   ``failed`` (``provider_unavailable``) before the record goes to the dead-letter queue.

A sender stopped between SES's answer and step 3 leaves the email ``queued`` and claimed: its
SQS message comes back after the visibility timeout, the claim's lease has run out by then, and
the email is sent again (at least once: SES has no idempotency key for SendEmail).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import db, outbox, sending
from hearth.email import mime, provider, store, unsubscribe
from hearth.events.types import EMAIL_FAILED
from hearth.observability import logger
from hearth.sending import TryAgain, backoff
from hearth.settings import settings

#: The receives SQS allows a message before the dead-letter queue (the template's maxReceiveCount).
MAX_ATTEMPTS = 5
#: An attempt holds an email this long (the sender's timeout is 30 s).
LEASE_SECONDS = 90.0
SYSTEM: tuple[str, str | None] = ("system", "email_sender")
#: Threads a batch is sent with (a batch is at most ten messages).
BATCH_THREADS = 10
#: The SES tags that name the org and the email (read back by hearth.email.delivery).
ORG_TAG, EMAIL_TAG = "hearth_org", "hearth_email"


@dataclass(frozen=True, slots=True)
class EmailSendMessage:
    """What the send queue carries (``hearth.outbox.channels``: ``email.queued``)."""

    org_id: UUID
    email_id: UUID

    def body(self) -> str:
        return json.dumps({"org_id": str(self.org_id), "email_id": str(self.email_id)})

    @classmethod
    def parse(cls, body: str) -> EmailSendMessage:
        data = json.loads(body)
        return cls(org_id=UUID(data["org_id"]), email_id=UUID(data["email_id"]))


@dataclass
class _Attempt:
    """One record's email, claimed or not, and what became of it."""

    message: EmailSendMessage
    row: dict[str, Any] | None = None
    from_name: str | None = None
    suppressed: tuple[str, ...] = ()
    outcome: object | Exception = "done"
    message_id: str | None = None


def claim(org_id: UUID, attempts: list[_Attempt]) -> None:
    """Claim the org's emails of the batch in one transaction: rows, sender name, suppressions."""
    with db.tenant_transaction(org_id) as conn:
        claimed = {
            row["id"]: row
            for row in store.claim_many(conn, [a.message.email_id for a in attempts], LEASE_SECONDS)
        }
        found = store.get_settings(conn) if claimed else None
        everyone = [
            a for r in claimed.values() for a in (*r["to_addresses"], *r["cc_addresses"], *r["bcc_addresses"])
        ]
        held = store.suppressions_of(conn, everyone)
        unclaimed = [a.message.email_id for a in attempts if a.message.email_id not in claimed]
        waiting = store.still_queued(conn, unclaimed) if unclaimed else set()
    for attempt in attempts:
        row = claimed.get(attempt.message.email_id)
        if row is None:
            queued = attempt.message.email_id in waiting
            attempt.outcome = TryAgain("another attempt holds the email") if queued else "done"
            continue
        recipients = (*row["to_addresses"], *row["cc_addresses"], *row["bcc_addresses"])
        attempt.row = row
        attempt.suppressed = tuple(
            sorted(a for a in recipients if a in held and (not held[a] or row["category"] == "marketing"))
        )
        if not row["system"] and found is not None:
            attempt.from_name = found["from_name"]


def send(attempt: _Attempt) -> None:
    """Hand one claimed email to SES (no transaction open); its outcome on the attempt."""
    message, row = attempt.message, attempt.row
    assert row is not None
    try:
        if attempt.suppressed:
            _fail(
                message,
                "recipient_suppressed",
                "Suppressed before the email was sent: " + ", ".join(attempt.suppressed),
            )
            attempt.outcome = "failed"
            return
        link = (
            unsubscribe.url(message.org_id, row["to_addresses"][0])
            if row["category"] == "marketing"
            else None
        )
        files = _attachments(message, row)
        if files is None:
            attempt.outcome = "failed"
            return
        raw = mime.message(row, from_name=attempt.from_name, unsubscribe_url=link, attachments=files)
        try:
            attempt.message_id = provider.send_raw(
                raw,
                from_=row["from_address"],
                destinations=[*row["to_addresses"], *row["cc_addresses"], *row["bcc_addresses"]],
                tags={ORG_TAG: str(message.org_id), EMAIL_TAG: str(message.email_id)},
                configuration_set=settings().email_configuration_set,
            )
            attempt.outcome = "sent"
        except provider.ProviderError as exc:
            attempt.outcome = _refused(message, row, exc)
    except Exception as exc:  # the record is retried; the others are not held back
        attempt.outcome = exc


def _attachments(
    message: EmailSendMessage, row: dict[str, Any]
) -> list[tuple[str | None, str, bytes]] | None:
    """The email's attachments read from the inbound email bucket (the org's own prefix only);
    None when one is gone (the email ends ``failed``, ``attachment_unavailable``). Any other
    error is raised: the record is retried."""
    if not row.get("attachments"):
        return []
    from botocore.exceptions import ClientError

    from hearth.email.inbound import bucket

    files: list[tuple[str | None, str, bytes]] = []
    own = f"{bucket.ATTACHMENTS_PREFIX}{message.org_id}/"
    for attachment in row["attachments"]:
        key = str(attachment["key"])
        try:
            if not key.startswith(own):
                raise LookupError(key)
            data = bucket.read(key)
        except (ClientError, LookupError) as exc:
            code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else "foreign"
            if isinstance(exc, ClientError) and code not in ("NoSuchKey", "404", "AccessDenied"):
                raise
            _fail(
                message, "attachment_unavailable", f"Attachment {attachment.get('index')} is gone ({code})."
            )
            return None
        files.append((attachment.get("filename"), str(attachment.get("content_type")), data))
    return files


def record(org_id: UUID, attempts: list[_Attempt]) -> None:
    """Store SES's message ids of the org's accepted emails (and their timeline interactions)."""
    accepted = [(a.message.email_id, a.message_id) for a in attempts if a.message_id is not None]
    if not accepted:
        return
    try:
        with db.tenant_transaction(org_id) as conn:
            store.accepted_many(conn, accepted)
    except Exception as exc:  # SES has them; the lease keeps them from going again too soon
        for attempt in attempts:
            if attempt.message_id is not None:
                attempt.outcome = exc


def _refused(message: EmailSendMessage, row: dict[str, Any], exc: provider.ProviderError) -> object:
    attempt = int(row["attempts"])
    if exc.temporary:
        logger.warning(
            "SES refused for now",
            extra={"email_id": str(message.email_id), "code": exc.code, "attempt": attempt},
        )
        if attempt >= MAX_ATTEMPTS:
            _fail(
                message,
                "provider_unavailable",
                f"SES did not take the email in {attempt} attempts ({exc.code}).",
            )
            raise TryAgain("attempts exhausted: to the dead-letter queue")
        with db.tenant_transaction(message.org_id) as conn:
            store.release(conn, message.email_id)
        raise TryAgain(exc.code, backoff(attempt))
    _fail(message, exc.code, exc.message or exc.code)
    return "failed"


def _fail(message: EmailSendMessage, code: str, text: str) -> None:
    """End the email ``failed`` with ``email.failed``."""
    with db.tenant_transaction(message.org_id) as conn:
        row = store.advance(conn, message.email_id, "failed", error_code=code[:60], error_message=text[:1000])
        if row is None:
            return
        event = outbox.emit(
            conn,
            org_id=message.org_id,
            actor=SYSTEM,
            type=EMAIL_FAILED,
            resource_type="email",
            resource_id=message.email_id,
            data={"id": str(message.email_id), "to": row["to_addresses"], "error": {"code": code}},
        )
    outbox.after_commit(message.org_id, [event])
    logger.info("email failed", extra={"email_id": str(message.email_id), "code": code})


def process_batch(records: list[Any]) -> list[object | Exception]:
    """The consumer's whole-batch handler: the batch claimed with one transaction per org, sent
    concurrently, recorded with one statement per org; a record whose email is not sent yet is
    that record's exception (a temporary refusal after moving its visibility to the backoff)."""
    return sending.send_batch(
        records,
        attempt=lambda body: _Attempt(EmailSendMessage.parse(body)),
        claim=claim,
        send=send,
        record=record,
        threads=BATCH_THREADS,
        what="email",
    )
