"""The inbound email bucket (SSE-KMS under its own key): SES writes each raw message under
``inbound/<SES id>`` (expired by the bucket's lifecycle), the consumer writes attachments under
``attachments/<org>/<SES id>/<index>``, and members read attachments through presigned URLs::

    raw = read(key)
    write(attachment_key(org_id, ses_id, 0), data, "application/pdf")
    url = presigned(key)   # a GET URL valid HEARTH_INBOUND_EMAIL_URL_SECONDS
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hearth import aws
from hearth.settings import settings

RAW_PREFIX = "inbound/"
ATTACHMENTS_PREFIX = "attachments/"


def s3() -> Any:
    return aws.client("s3", read_timeout=30)


def name() -> str:
    bucket = settings().inbound_email_bucket
    if not bucket:
        raise RuntimeError("HEARTH_INBOUND_EMAIL_BUCKET is not configured")
    return bucket


def attachment_key(org_id: UUID, ses_message_id: str, index: int) -> str:
    return f"{ATTACHMENTS_PREFIX}{org_id}/{ses_message_id}/{index}"


def read(key: str) -> bytes:
    data: bytes = s3().get_object(Bucket=name(), Key=key)["Body"].read()
    return data


def write(key: str, data: bytes, content_type: str) -> None:
    # No encryption header: the bucket's default (SSE-KMS under the inbound email key) applies;
    # naming aws:kms without the key would pick the account's aws/s3 key instead.
    s3().put_object(Bucket=name(), Key=key, Body=data, ContentType=content_type)


def presigned(key: str) -> str:
    """A GET URL of an attachment, valid for ``HEARTH_INBOUND_EMAIL_URL_SECONDS``."""
    url: str = s3().generate_presigned_url(
        "get_object", Params={"Bucket": name(), "Key": key}, ExpiresIn=settings().inbound_email_url_seconds
    )
    return url
