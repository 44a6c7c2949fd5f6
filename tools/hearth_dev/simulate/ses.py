"""``hearth simulate ses bounce|complaint|delivery --email-id X``: an SES event of one of the
demo org's emails, as the configuration set publishes it (the SES event JSON in SNS's envelope),
put on the local EmailEventsQueue, where the email events consumer takes it like any other. SES
events are not webhooks: nothing is sent to the stack's URL but the read of the email::

    hearth simulate ses bounce --email-id 5e2d…        # a permanent bounce: bounced, suppressed
    hearth simulate ses complaint --email-id 5e2d…     # complained, suppressed
    hearth simulate ses delivery --email-id 5e2d…      # delivered

The email is read with the demo API key (``GET /v1/emails/{id}``: its SES message id and
recipients), so it must have reached SES (status ``sending`` or later).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from datetime import UTC, datetime
from typing import Any

from hearth_dev import demo
from hearth_dev.simulate.kit import Delivery, Target, _token, register

QUEUE_SUFFIX = "-EmailEventsQueue"


def ses_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email-id", required=True, help="the email (GET /v1/emails/{id})")
    parser.add_argument(
        "--api-key", default=demo.DEMO_API_KEY, help="reads the email (default: the demo key)"
    )
    parser.add_argument(
        "--org-id", default=str(demo.DEMO_ORG_ID), help="the email's org (default: the demo org)"
    )


def _email(target: Target, email_id: str, api_key: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 (the developer's own stack)
        target.url(f"/v1/emails/{email_id}"), headers={"authorization": f"Bearer {api_key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        found: dict[str, Any] = json.load(response)
    if not found.get("provider_message_id"):
        raise SystemExit("hearth simulate ses: the email has not reached SES yet (no SES message id)")
    return found


def event_of(kind: str, email: dict[str, Any], org_id: str) -> dict[str, Any]:
    """The SES event (``eventType`` Bounce, Complaint or Delivery) of ``email``, as SES writes it."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    recipients = list(email["to"]) + list(email.get("cc") or []) + list(email.get("bcc") or [])
    event: dict[str, Any] = {
        "eventType": kind,
        "mail": {
            "timestamp": now,
            "source": email["from"],
            "sendingAccountId": "123456789012",
            "messageId": email["provider_message_id"],
            "destination": recipients,
            "tags": {"hearth_org": [org_id], "hearth_email": [email["id"]]},
        },
    }
    if kind == "Bounce":
        event["bounce"] = {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": a,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
                for a in recipients
            ],
            "timestamp": now,
            "feedbackId": _token(),
        }
    elif kind == "Complaint":
        event["complaint"] = {
            "complainedRecipients": [{"emailAddress": a} for a in recipients],
            "complaintFeedbackType": "abuse",
            "timestamp": now,
            "feedbackId": _token(),
        }
    else:
        event["delivery"] = {
            "timestamp": now,
            "processingTimeMillis": 1200,
            "recipients": recipients,
            "smtpResponse": "250 2.0.0 OK",
            "reportingMTA": "a8-1.smtp-out.amazonses.com",
        }
    return event


def envelope(event: dict[str, Any]) -> dict[str, Any]:
    """SNS's notification around an SES event, as the topic delivers it to SQS."""
    return {
        "Type": "Notification",
        "MessageId": _token(),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:hearth-local-EmailEventsTopic",
        "Message": json.dumps(event),
        "Timestamp": event["mail"]["timestamp"],
        "SignatureVersion": "1",
    }


def _put(aws_endpoint: str, body: str) -> str:
    from hearth_dev.local.aws import client

    sqs = client("sqs", aws_endpoint)
    urls = [u for u in sqs.list_queues().get("QueueUrls", []) if u.endswith(QUEUE_SUFFIX)]
    if not urls:
        raise SystemExit("hearth simulate ses: the local stack has no EmailEventsQueue")
    sqs.send_message(QueueUrl=urls[0], MessageBody=body)
    return str(urls[0])


def _simulation(kind: str) -> Any:
    def build(args: argparse.Namespace, target: Target) -> list[Delivery]:
        aws_endpoint = str(args.local_state.get("aws_endpoint") or "")
        if not aws_endpoint:
            raise SystemExit("hearth simulate ses: no running `hearth local` (its moto endpoint) found")
        email = _email(target, args.email_id, args.api_key)
        queue = _put(aws_endpoint, json.dumps(envelope(event_of(kind, email, args.org_id))))
        print(f"SES {kind} event of email {email['id']} put on {queue}", file=sys.stderr)
        return []  # nothing to send over HTTP: the email events consumer takes it from the queue

    return build


register("ses", "bounce", _simulation("Bounce"), options=ses_options, help="a permanent bounce of an email")
register("ses", "complaint", _simulation("Complaint"), options=ses_options, help="a complaint about an email")
register("ses", "delivery", _simulation("Delivery"), options=ses_options, help="an email's delivery")
