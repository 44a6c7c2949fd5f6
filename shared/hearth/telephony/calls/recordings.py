"""Call recordings out of Twilio and into the recordings bucket (SSE-KMS), by the recording copier
(``RecordingCopyQueue``'s consumer, fed from ``call.recording_available``), and served as
presigned URLs::

    copy(RecordingCopyMessage(org_id, call_id))   # Twilio -> S3, then deleted in Twilio
    url = presigned(key)                          # a GET URL valid HEARTH_RECORDING_URL_SECONDS

The audio is fetched from the account's own API (the recording's sid, never a URL a webhook
named), written under ``recordings/<org>/<call>/<recording sid>.mp3`` encrypted with the
recordings key, the call marked ``stored``, and only then the recording deleted in Twilio. A
repeated message finds the recording stored and only makes sure Twilio's copy is gone. A temporary
failure raises (SQS delivers the message again; five times, then the DLQ, and the fifth marks
the recording ``failed``, left in Twilio); a recording Twilio no longer has ends ``failed``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hearth import aws, db
from hearth.integrations.credentials import credentials
from hearth.observability import logger
from hearth.settings import settings
from hearth.telephony import provider
from hearth.telephony.calls import store as calls_store

PREFIX = "recordings/"


@dataclass(frozen=True, slots=True)
class RecordingCopyMessage:
    org_id: UUID
    call_id: UUID

    def body(self) -> str:
        return json.dumps({"org_id": str(self.org_id), "call_id": str(self.call_id)})

    @classmethod
    def parse(cls, body: str) -> RecordingCopyMessage:
        data = json.loads(body)
        return cls(org_id=UUID(data["org_id"]), call_id=UUID(data["call_id"]))


def s3() -> Any:
    return aws.client("s3", read_timeout=30)


def key_of(org_id: UUID, call_id: UUID, recording_sid: str) -> str:
    return f"{PREFIX}{org_id}/{call_id}/{recording_sid}.mp3"


#: The receives the copier's queue allows a message before its dead-letter queue (maxReceiveCount).
MAX_RECEIVES = 5


def copy(message: RecordingCopyMessage, *, last_try: bool = False) -> str:
    """Copy one call's recording; the outcome (``stored``, ``failed``, ``done``). On the
    ``last_try`` SQS allows, a temporary failure also marks the recording ``failed`` (it stays in
    Twilio) before the message goes to the dead-letter queue."""
    with db.tenant_transaction(message.org_id) as conn:
        row = calls_store.get(conn, message.call_id)
        found = credentials(conn, message.org_id, "twilio")
    if row is None or row["recording_sid"] is None or row["recording_status"] == "failed":
        return "done"
    if not found or not found.get("account_sid") or not found.get("auth_token"):
        raise RuntimeError("the org's Twilio integration is gone; the recording waits in Twilio")
    account = provider.Account(found["account_sid"], found["auth_token"])
    if row["recording_status"] == "pending":
        try:
            audio = provider.recording_media(account, row["recording_sid"])
        except provider.ProviderError as exc:
            if exc.temporary:
                if last_try:
                    with db.tenant_transaction(message.org_id) as conn:
                        calls_store.recording_failed(conn, message.call_id)
                raise
            with db.tenant_transaction(message.org_id) as conn:
                calls_store.recording_failed(conn, message.call_id)
            logger.warning("recording not copied", extra={"call_id": str(message.call_id), "code": exc.code})
            return "failed"
        key = key_of(message.org_id, message.call_id, row["recording_sid"])
        # No encryption header: the bucket's default (SSE-KMS under the recordings key) applies;
        # naming aws:kms without the key would pick the account's aws/s3 key instead.
        s3().put_object(Bucket=_bucket(), Key=key, Body=audio, ContentType="audio/mpeg")
        with db.tenant_transaction(message.org_id) as conn:
            calls_store.recording_stored(conn, message.call_id, key)
    provider.delete_recording(account, row["recording_sid"])  # stored: Twilio's copy goes
    return "stored"


def _bucket() -> str:
    bucket = settings().recordings_bucket
    if not bucket:
        raise RuntimeError("HEARTH_RECORDINGS_BUCKET is not configured")
    return bucket


def process_record(record: Any) -> None:
    """The copier's record handler."""
    receives = int(record.attributes.approximate_receive_count or 1)
    copy(RecordingCopyMessage.parse(record.body), last_try=receives >= MAX_RECEIVES)


def presigned(key: str) -> str:
    """A GET URL of the recording, valid for ``HEARTH_RECORDING_URL_SECONDS``."""
    url: str = s3().generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=settings().recording_url_seconds
    )
    return url
