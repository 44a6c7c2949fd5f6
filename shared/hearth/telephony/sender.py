"""The SMS sender (``SmsSendQueue``'s consumer): one queued message -> at most one call to
Twilio per attempt, then its outcome. A batch is sent concurrently (one thread per record), so a
batch of ten waits about as long as one call to Twilio.

1. Claim (tenant transaction): an attempt is counted on a ``queued`` message no other attempt
   holds; a message that is not queued any more (sent, failed, a repeated SQS message) is done.
   The recipient's opt-out is checked again (it may have come after the send was accepted).
2. Send (no transaction open): the twilio SDK with the org's own credentials, ``StatusCallback``
   pointing at ``/webhooks/twilio/sms-status?message_id=…`` (the status callbacks find the
   message by its id, even if they come before Twilio's answer is stored).
3. Outcome (tenant transaction): accepted -> Twilio's sid, ``sending``; a permanent refusal ->
   ``failed`` with Twilio's error code and ``sms.failed`` (21610, the recipient unsubscribed:
   the number is opted out too); a temporary one (429, 5xx, a timeout) -> the record fails
   (``batchItemFailures``) and its message becomes visible again after a backoff (doubling from
   5 s, or Twilio's ``Retry-After``). The attempt of the last receive SQS allows ends the message
   ``failed`` (``provider_unavailable``) before the record goes to the dead-letter queue.

A sender stopped between Twilio's answer and step 3 leaves the message ``queued`` and claimed:
its SQS message comes back after the visibility timeout, the claim's lease has run out by then,
and the message is sent again (at least once: Twilio has no idempotency key for messages).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import db, outbox, sending
from hearth.events.types import SMS_FAILED, SMS_OPTED_OUT
from hearth.integrations.credentials import credentials
from hearth.observability import logger
from hearth.sending import TryAgain, backoff
from hearth.settings import settings
from hearth.telephony import provider, store

#: The receives SMS allows a message before the dead-letter queue (the template's maxReceiveCount).
MAX_ATTEMPTS = 5
#: An attempt holds a message this long (the sender's timeout is 30 s).
LEASE_SECONDS = 90.0
#: Twilio's code for a recipient that replied STOP to the sending number.
UNSUBSCRIBED = "21610"
SYSTEM: tuple[str, str | None] = ("system", "sms_sender")
#: Threads a batch is sent with (a batch is at most ten messages).
BATCH_THREADS = 10


@dataclass(frozen=True, slots=True)
class SmsSendMessage:
    """What the send queue carries (``hearth.outbox.channels``: ``sms.queued``)."""

    org_id: UUID
    message_id: UUID

    def body(self) -> str:
        return json.dumps({"org_id": str(self.org_id), "message_id": str(self.message_id)})

    @classmethod
    def parse(cls, body: str) -> SmsSendMessage:
        data = json.loads(body)
        return cls(org_id=UUID(data["org_id"]), message_id=UUID(data["message_id"]))


def status_callback(message_id: UUID) -> str | None:
    base = (settings().public_base_url or "").rstrip("/")
    return f"{base}/webhooks/twilio/sms-status?message_id={message_id}" if base else None


@dataclass
class _Attempt:
    """One record's message, claimed or not, and what became of it."""

    message: SmsSendMessage
    row: dict[str, Any] | None = None
    account: provider.Account | None = None
    opted_out: bool = False
    outcome: object | Exception = "done"
    sid: str | None = None


def claim(org_id: UUID, attempts: list[_Attempt]) -> None:
    """Claim the org's messages of the batch in one transaction: rows, credentials, opt-outs."""
    with db.tenant_transaction(org_id) as conn:
        claimed = {
            row["id"]: row
            for row in store.claim_many(conn, [a.message.message_id for a in attempts], LEASE_SECONDS)
        }
        found = credentials(conn, org_id, "twilio") if claimed else None
        out = store.opted_out_many(conn, sorted({r["to_number"] for r in claimed.values()}))
        unclaimed = [a.message.message_id for a in attempts if a.message.message_id not in claimed]
        waiting = store.still_queued(conn, unclaimed) if unclaimed else set()
    account = None
    if found and found.get("account_sid") and found.get("auth_token"):
        account = provider.Account(found["account_sid"], found["auth_token"])
    for attempt in attempts:
        row = claimed.get(attempt.message.message_id)
        if row is None:
            # Not queued any more (done), or held by another attempt: that one comes back.
            queued = attempt.message.message_id in waiting
            attempt.outcome = TryAgain("another attempt holds the message") if queued else "done"
            continue
        attempt.row, attempt.account, attempt.opted_out = row, account, row["to_number"] in out


def send(attempt: _Attempt) -> None:
    """Hand one claimed message to Twilio (no transaction open); its outcome on the attempt."""
    message, row = attempt.message, attempt.row
    assert row is not None
    try:
        if attempt.opted_out:
            _fail(message, "recipient_opted_out", "The recipient opted out before the message was sent.")
            attempt.outcome = "failed"
            return
        if attempt.account is None:
            _fail(message, "twilio_not_connected", "The org's Twilio integration was removed before sending.")
            attempt.outcome = "failed"
            return
        try:
            attempt.sid, _ = provider.send_message(
                attempt.account,
                to=row["to_number"],
                from_=row["from_number"],
                body=row["body"],
                media_urls=row["media_urls"],
                status_callback=status_callback(message.message_id),
            )
            attempt.outcome = "sent"
        except provider.ProviderError as exc:
            attempt.outcome = _refused(message, row, exc)
    except Exception as exc:  # the record is retried; the others are not held back
        attempt.outcome = exc


def record(org_id: UUID, attempts: list[_Attempt]) -> None:
    """Store Twilio's sids of the org's accepted messages in one statement."""
    accepted = [(a.message.message_id, a.sid) for a in attempts if a.sid is not None]
    if not accepted:
        return
    try:
        with db.tenant_transaction(org_id) as conn:
            store.accepted_many(conn, accepted)
    except Exception as exc:  # Twilio has them; the lease keeps them from going again too soon
        for attempt in attempts:
            if attempt.sid is not None:
                attempt.outcome = exc


def _refused(message: SmsSendMessage, row: dict[str, Any], exc: provider.ProviderError) -> object:
    attempt = int(row["attempts"])
    if exc.temporary:
        logger.warning(
            "Twilio refused for now",
            extra={"message_id": str(message.message_id), "code": exc.code, "attempt": attempt},
        )
        if attempt >= MAX_ATTEMPTS:
            _fail(
                message,
                "provider_unavailable",
                f"Twilio did not take the message in {attempt} attempts ({exc.code}).",
            )
            raise TryAgain("attempts exhausted: to the dead-letter queue")
        with db.tenant_transaction(message.org_id) as conn:
            store.release(conn, message.message_id)
        raise TryAgain(exc.code, backoff(attempt, exc.retry_after))
    _fail(message, exc.code, exc.message, opt_out=row["to_number"] if exc.code == UNSUBSCRIBED else None)
    return "failed"


def _fail(message: SmsSendMessage, code: str, text: str, *, opt_out: str | None = None) -> None:
    """End the message ``failed`` with ``sms.failed`` (and the recipient opted out, for 21610)."""
    events = []
    with db.tenant_transaction(message.org_id) as conn:
        row = store.advance(
            conn, message.message_id, "failed", error_code=code[:20], error_message=text[:300]
        )
        if row is None:
            return
        events.append(
            outbox.emit(
                conn,
                org_id=message.org_id,
                actor=SYSTEM,
                type=SMS_FAILED,
                resource_type="sms_message",
                resource_id=message.message_id,
                data={"id": str(message.message_id), "to": row["to_number"], "error": {"code": code}},
            )
        )
        if opt_out is not None and store.set_opt_out(conn, opt_out, True, f"twilio_{UNSUBSCRIBED}"):
            events.append(
                outbox.emit(
                    conn,
                    org_id=message.org_id,
                    actor=SYSTEM,
                    type=SMS_OPTED_OUT,
                    resource_type="sms_opt_out",
                    resource_id=None,
                    data={"phone": opt_out, "keyword": None, "reason": "provider_unsubscribed"},
                )
            )
    outbox.after_commit(message.org_id, events)
    logger.info("SMS failed", extra={"message_id": str(message.message_id), "code": code})


def process_batch(records: list[Any]) -> list[object | Exception]:
    """The consumer's whole-batch handler: the batch claimed with one transaction per org, sent
    concurrently, recorded with one statement per org; a record whose message is not sent yet
    is that record's exception (a temporary refusal after moving its visibility to the backoff)."""
    return sending.send_batch(
        records,
        attempt=lambda body: _Attempt(SmsSendMessage.parse(body)),
        claim=claim,
        send=send,
        record=record,
        threads=BATCH_THREADS,
        what="SMS",
    )
