"""Inbound email as SES hands it over, for the tests: the inbound email bucket in moto (with the
settings pointing at it and the inbound domain), the raw message stored under inbound/<SES id>,
and SES's notification (in SNS's envelope) handed to the consumer as an SQS batch, the way the
event source mapping does."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hearth_dev.sam import events
from hearth_dev.simulate.ses_inbound import receipt_notification, ses_message_id, sns_envelope

from hearth import aws
from hearth.settings import settings

DOMAIN = "inbound.hearth.test"
BUCKET = "hearth-inbound-email-test"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:hearth-test-InboundEmailQueue"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
_ENV = {"HEARTH_INBOUND_EMAIL_BUCKET": BUCKET, "HEARTH_EMAIL_INBOUND_DOMAIN": DOMAIN}


@contextmanager
def inbound_aws() -> Iterator[Any]:
    """moto's S3 with the inbound email bucket, and the settings naming it and the domain."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        aws.reset("s3")
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        previous = {name: os.environ.get(name) for name in _ENV}
        os.environ.update(_ENV)
        settings.cache_clear()
        try:
            yield s3
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            settings.cache_clear()
            aws.reset("s3")


def fixture(name: str, **replace: str) -> bytes:
    """A fixture message, with ``old=new`` text replaced (e.g. the org's address)."""
    raw = (FIXTURES / name).read_bytes()
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def addresses(client: Any, tenant: Any) -> dict[str, Any]:
    answer = client.get("/v1/email/inbound", auth=tenant.key_auth)
    assert answer.status == 200, answer.body
    body: dict[str, Any] = answer.json()
    return body


def notify(body: str) -> dict[str, Any]:
    """Hand one SQS message body to the inbound email consumer; its batch response."""
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    message = {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": uuid.uuid4().hex,
        "Body": body,
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1768469400000"},
    }
    consumer = load_template().functions["InboundEmailFunction"]
    response: dict[str, Any] = invoke(consumer, events.sqs_event([events.sqs_record(message, QUEUE_ARN)]))
    return response


def deliver(
    s3: Any,
    raw: bytes,
    recipients: list[str],
    *,
    source: str = "sender@example.org",
    verdict: str = "PASS",
    virus: str = "PASS",
    dmarc: str | None = None,
    ses_id: str | None = None,
) -> tuple[str, str, dict[str, Any]]:
    """Store ``raw`` as SES's S3 action does and notify the consumer: (SES id, the SQS body, the
    consumer's batch response)."""
    ses_id = ses_id or ses_message_id()
    key = f"inbound/{ses_id}"
    s3.put_object(Bucket=BUCKET, Key=key, Body=raw)
    notification = receipt_notification(
        ses_id, recipients, BUCKET, key, source=source, verdict=verdict, virus=virus, dmarc=dmarc
    )
    body = sns_envelope(notification)
    return ses_id, body, notify(body)
