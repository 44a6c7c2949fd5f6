"""Telephony test set-up: the org's Twilio account on the session's stand-in, its numbers, a
public URL that carries the stand-in's signed callbacks into the gateway over HTTP (as Twilio
calls a deployment), and the SMS send queue in moto, drained the way Lambda's event source
mapping does (``batchItemFailures`` honoured, redrive to the dead-letter queue)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from hearth_dev.sam import events

from hearth import queues
from hearth.settings import settings
from tests.integration.telephony.lines import (
    Line,
    attach,
    connect,
    inbound_sms,
    line,
    new_number,
    twilio_post,
)

__all__ = ["Line", "attach", "connect", "inbound_sms", "line", "new_number", "twilio_post"]


class _Relay(BaseHTTPRequestHandler):
    gateway: Any = None

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        parts = urlsplit(self.path)
        answer = self.gateway.handle(
            "POST", parts.path, raw_query=parts.query, headers=list(self.headers.items()), body=body
        )
        self.send_response(answer.status)
        self.send_header("content-length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def public_url(gateway: Any) -> Iterator[str]:
    """This deployment's public URL: an HTTP server that hands each request to the gateway."""
    import os

    handler = type("Relay", (_Relay,), {"gateway": gateway})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    previous = os.environ.get("HEARTH_PUBLIC_BASE_URL")
    os.environ["HEARTH_PUBLIC_BASE_URL"] = url
    settings.cache_clear()
    try:
        yield url
    finally:
        server.shutdown()
        if previous is None:
            os.environ.pop("HEARTH_PUBLIC_BASE_URL", None)
        else:
            os.environ["HEARTH_PUBLIC_BASE_URL"] = previous
        settings.cache_clear()


@dataclass
class SendQueue:
    """SmsSendQueue and its dead-letter queue in moto, and the sender run on what they hold."""

    sqs: Any
    url: str
    arn: str
    dlq_url: str
    postponed: list[int] = field(default_factory=list)
    reset_visibility: Any = None

    def depth(self, url: str | None = None) -> int:
        attrs = self.sqs.get_queue_attributes(QueueUrl=url or self.url, AttributeNames=["All"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def drain(self, *, rounds: int = 10, wait_between: bool = True) -> list[dict[str, Any]]:
        """Run the sender on the queue until it is empty (or ``rounds``): each round receives a
        batch, invokes the consumer, deletes what succeeded; failed records are made visible again
        at once (the backoff the sender asked for is recorded in ``postponed``). Returns each
        round's response."""
        from hearth_dev.sam.functions import invoke
        from hearth_dev.sam.template import load_template

        sender = load_template().functions["SmsSenderFunction"]
        responses = []
        for _ in range(rounds):
            got = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=30
            ).get("Messages", [])
            if not got:
                break
            event = events.sqs_event([events.sqs_record(m, self.arn) for m in got])
            response = invoke(sender, event)
            responses.append(response)
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            for message in got:
                if message["MessageId"] in failed:
                    if wait_between:
                        self.reset_visibility(
                            QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                        )
                else:
                    self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return responses


@pytest.fixture
def send_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[SendQueue]:
    from moto import mock_aws

    with mock_aws():
        queues.reset_client()
        sqs = queues.client()
        dlq_url = sqs.create_queue(QueueName="SmsSendDeadLetterQueue")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        url = sqs.create_queue(
            QueueName="SmsSendQueue",
            Attributes={
                "VisibilityTimeout": "180",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        original = sqs.change_message_visibility
        queue = SendQueue(sqs, url, arn, dlq_url, reset_visibility=original)

        def recorded(**kwargs: Any) -> Any:
            queue.postponed.append(int(kwargs["VisibilityTimeout"]))
            return original(**kwargs)

        monkeypatch.setattr(sqs, "change_message_visibility", recorded)
        monkeypatch.setenv("HEARTH_SMS_SEND_QUEUE_URL", url)
        settings.cache_clear()
        try:
            yield queue
        finally:
            queues.reset_client()
            monkeypatch.delenv("HEARTH_SMS_SEND_QUEUE_URL", raising=False)
            settings.cache_clear()
