"""moto's SES v2 and SQS for the email tests (in process), the email send and events queues
drained the way Lambda's event source mapping does (``batchItemFailures`` honoured), a domain
verified in moto, the unsubscribe key and the system from-address configured."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hearth_dev.sam import events

from hearth import aws, queues
from hearth.settings import settings

UNSUBSCRIBE_KEY = "test-unsubscribe-key-" + "k" * 40
SYSTEM_FROM = "notifications@hearth.test"
CONFIGURATION_SET = "hearth-test-email"


@dataclass
class Queue:
    """A queue in moto and the function that consumes it."""

    sqs: Any
    url: str
    arn: str
    dlq_url: str
    function: str
    postponed: list[int] = field(default_factory=list)
    reset_visibility: Any = None

    def depth(self, url: str | None = None) -> int:
        attrs = self.sqs.get_queue_attributes(QueueUrl=url or self.url, AttributeNames=["All"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def drain(self, *, rounds: int = 10) -> list[dict[str, Any]]:
        """Run the consumer until the queue is empty (or ``rounds``): failed records are made
        visible again at once (the backoff asked for is recorded in ``postponed``)."""
        from hearth_dev.sam.functions import invoke
        from hearth_dev.sam.template import load_template

        fn = load_template().functions[self.function]
        responses = []
        for _ in range(rounds):
            got = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=30
            ).get("Messages", [])
            if not got:
                break
            response = invoke(fn, events.sqs_event([events.sqs_record(m, self.arn) for m in got]))
            responses.append(response)
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            for message in got:
                if message["MessageId"] in failed:
                    self.reset_visibility(
                        QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return responses


@dataclass
class Ses:
    """moto's SES of the test, the two queues and what was sent."""

    send_queue: Queue
    events_queue: Queue

    @property
    def backend(self) -> Any:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    def verify(self, domain: str) -> None:
        """SES saw the domain's DKIM records (moto never does by itself)."""
        self.backend.email_identities[domain].verified_for_sending_status = True

    def sent(self) -> list[Any]:
        return list(self.backend.sent_messages)

    def event(self, kind: str, email: dict[str, Any], org_id: str, **detail: Any) -> None:
        """Put an SES event for ``email`` on the events queue, in SNS's envelope."""
        key = {"Rendering Failure": "failure"}.get(kind, kind.lower())
        ses_event = {
            "eventType": kind,
            "mail": {
                "timestamp": "2026-12-02T00:00:00.000Z",
                "source": email["from"],
                "messageId": email["provider_message_id"],
                "destination": email["to"],
                "tags": {"hearth_org": [org_id], "hearth_email": [email["id"]]},
            },
            key: detail,
        }
        envelope = {"Type": "Notification", "MessageId": "m-1", "Message": json.dumps(ses_event)}
        self.send_queue.sqs.send_message(QueueUrl=self.events_queue.url, MessageBody=json.dumps(envelope))


def _queue(sqs: Any, name: str, function: str) -> Queue:
    dlq_url = sqs.create_queue(QueueName=f"{name}DeadLetter")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": "180",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Queue(sqs, url, arn, dlq_url, function, reset_visibility=sqs.change_message_visibility)


ENVIRONMENT = (
    "HEARTH_EMAIL_SEND_QUEUE_URL",
    "HEARTH_EMAIL_CONFIGURATION_SET",
    "HEARTH_EMAIL_SYSTEM_FROM",
    "HEARTH_EMAIL_UNSUBSCRIBE_KEY",
    "HEARTH_PUBLIC_BASE_URL",
)


@contextmanager
def moto_ses() -> Iterator[Ses]:
    """SES, SQS and the email settings of a test, in moto; the environment restored after."""
    import os

    from moto import mock_aws

    saved = {name: os.environ.get(name) for name in ENVIRONMENT}
    with mock_aws():
        queues.reset_client()
        aws.reset("sesv2")
        sqs = queues.client()
        send_queue = _queue(sqs, "EmailSendQueue", "EmailSenderFunction")
        events_queue = _queue(sqs, "EmailEventsQueue", "EmailEventsFunction")
        os.environ.update(
            HEARTH_EMAIL_SEND_QUEUE_URL=send_queue.url,
            HEARTH_EMAIL_CONFIGURATION_SET=CONFIGURATION_SET,
            HEARTH_EMAIL_SYSTEM_FROM=SYSTEM_FROM,
            HEARTH_EMAIL_UNSUBSCRIBE_KEY=UNSUBSCRIBE_KEY,
            HEARTH_PUBLIC_BASE_URL="https://api.hearth.test",
        )
        settings.cache_clear()
        found = Ses(send_queue, events_queue)
        aws.client("sesv2", read_timeout=5).create_configuration_set(ConfigurationSetName=CONFIGURATION_SET)
        found.backend.verify_email_identity(SYSTEM_FROM)
        try:
            yield found
        finally:
            queues.reset_client()
            aws.reset("sesv2")
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            settings.cache_clear()


def sending_domain(client: Any, tenant: Any, ses: Ses, domain: str | None = None) -> dict[str, Any]:
    """A domain of the tenant, added through the API and verified in SES; the org's default
    sender on it."""
    import uuid

    domain = domain or f"m{uuid.uuid4().hex[:10]}.example.com"
    added = client.post("/v1/email/domains", auth=tenant.key_auth, json_body={"domain": domain})
    assert added.status == 201, added.body
    ses.verify(domain)
    shown = client.get(f"/v1/email/domains/{added.json()['id']}", auth=tenant.key_auth)
    assert shown.json()["status"] == "verified", shown.body
    put = client.put(
        "/v1/email/settings",
        auth=tenant.key_auth,
        json_body={"from_address": f"hello@{domain}", "from_name": "Acme"},
    )
    assert put.status == 200, put.body
    return shown.json()
