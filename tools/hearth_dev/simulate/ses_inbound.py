"""``hearth simulate ses inbound``: an email received by SES, as SES hands it over. SES calls no
webhook: its receipt rule stores the raw message in the inbound email bucket and notifies a topic
that feeds ``InboundEmailQueue``. So this builds a real MIME message, puts it in the local moto
bucket under ``inbound/<SES id>`` and sends SES's ``Received`` notification, in SNS's envelope, to
the local queue, where the running stack's consumer picks it up::

    hearth simulate ses inbound --to acme-1a2b3c@inbound.hearth.localhost \\
        --from maria@example.org --subject "Proposal" --body "Looks good" --attach proposal.pdf

The same pieces serve the tests and the sample event::

    raw = mime_message(sender="maria@example.org", to=["acme-1a2b3c@..."], subject="Hi", body="...")
    body = sns_envelope(receipt_notification(ses_id, recipients, "my-bucket", f"inbound/{ses_id}"))
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import secrets
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from hearth_dev.simulate.kit import Delivery, Target, register

REGION = "us-east-1"
ACCOUNT = "123456789012"
RAW_PREFIX = "inbound/"
#: The local stack's resources (hearth_dev.local.aws names them after the stack and logical id).
LOCAL_BUCKET = "hearth-local-inboundemailbucket"
LOCAL_QUEUE = "hearth-local-InboundEmailQueue"
LOCAL_TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:hearth-local-InboundEmailTopic"


def ses_message_id() -> str:
    """An id shaped like SES's inbound message ids (the S3 object's name)."""
    return secrets.token_hex(10) + secrets.token_hex(10)


def mime_message(
    *,
    sender: str,
    to: list[str],
    subject: str,
    body: str,
    html: str | None = None,
    cc: list[str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
) -> bytes:
    """A real RFC 5322 message: text (and HTML, as multipart/alternative), attachments
    ``(filename, content type, bytes)``, non-ASCII headers encoded as RFC 2047 words."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain=sender.rpartition("@")[2] or "example.org")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return message.as_bytes()


def receipt_notification(
    ses_id: str,
    recipients: list[str],
    bucket: str,
    key: str,
    *,
    source: str = "sender@example.org",
    topic_arn: str = LOCAL_TOPIC_ARN,
    verdict: str = "PASS",
    virus: str = "PASS",
    dmarc: str | None = None,
) -> dict[str, Any]:
    """SES's ``Received`` notification of a message its S3 action stored (the documented shape,
    the headers left out)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "notificationType": "Received",
        "mail": {
            "timestamp": now,
            "source": source,
            "messageId": ses_id,
            "destination": recipients,
            "headersTruncated": False,
            "headers": [],
            "commonHeaders": {"returnPath": source, "from": [source], "to": recipients},
        },
        "receipt": {
            "timestamp": now,
            "processingTimeMillis": 312,
            "recipients": recipients,
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": virus},
            "spfVerdict": {"status": verdict},
            "dkimVerdict": {"status": verdict},
            "dmarcVerdict": {"status": dmarc or verdict},
            "action": {
                "type": "S3",
                "topicArn": topic_arn,
                "bucketName": bucket,
                "objectKeyPrefix": RAW_PREFIX,
                "objectKey": key,
            },
        },
    }


def sns_envelope(notification: dict[str, Any], topic_arn: str = LOCAL_TOPIC_ARN) -> str:
    """The SQS body SNS delivers (not raw): the notification as the envelope's ``Message``."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Subject": "Amazon SES Email Receipt Notification",
            "Message": json.dumps(notification),
            "Timestamp": notification["receipt"]["timestamp"],
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertURL": "",
            "UnsubscribeURL": "",
        }
    )


def deliver(
    s3: Any, sqs: Any, raw: bytes, recipients: list[str], *, bucket: str, queue_url: str, source: str
) -> str:
    """Store ``raw`` where SES would and notify the queue; returns the SES message id."""
    ses_id = ses_message_id()
    key = RAW_PREFIX + ses_id
    s3.put_object(Bucket=bucket, Key=key, Body=raw)
    notification = receipt_notification(ses_id, recipients, bucket, key, source=source)
    sqs.send_message(QueueUrl=queue_url, MessageBody=sns_envelope(notification))
    return ses_id


def _options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", required=True, action="append", help="a recipient (the org's inbound address)")
    p.add_argument("--from", dest="sender", required=True, help="the sender's address")
    p.add_argument("--cc", action="append", default=[], help="a Cc recipient (SES lists it too)")
    p.add_argument("--bcc", action="append", default=[], help="a BCC recipient (only SES names it)")
    p.add_argument("--subject", default="Hello from hearth simulate")
    p.add_argument("--body", default="A message received by SES.")
    p.add_argument("--html", help="an HTML body as well (multipart/alternative)")
    p.add_argument("--attach", action="append", default=[], type=Path, help="a file to attach")
    p.add_argument("--aws-endpoint", help="the moto server (default: the running `hearth local`'s)")


def _inbound(args: argparse.Namespace, target: Target) -> list[Delivery]:
    from hearth_dev.local.aws import client

    endpoint = args.aws_endpoint or args.local_state.get("aws_endpoint")
    if not endpoint:
        raise SystemExit("hearth simulate ses inbound: no running `hearth local` (or --aws-endpoint)")
    attachments = []
    for path in args.attach:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        attachments.append((path.name, kind, path.read_bytes()))
    raw = mime_message(
        sender=args.sender,
        to=args.to,
        cc=args.cc,
        subject=args.subject,
        body=args.body,
        html=args.html,
        attachments=attachments,
    )
    sqs = client("sqs", endpoint)
    ses_id = deliver(
        client("s3", endpoint),
        sqs,
        raw,
        [*args.to, *args.cc, *args.bcc],
        bucket=LOCAL_BUCKET,
        queue_url=sqs.get_queue_url(QueueName=LOCAL_QUEUE)["QueueUrl"],
        source=args.sender,
    )
    print(f"stored s3://{LOCAL_BUCKET}/{RAW_PREFIX}{ses_id} ({len(raw)} bytes) and notified {LOCAL_QUEUE}")
    return []  # no HTTP request: SES hands inbound email over through S3 and the queue


register(
    "ses",
    "inbound",
    _inbound,
    options=_options,
    help="an email received by SES: stored in the inbound email bucket, notified to its queue",
)
