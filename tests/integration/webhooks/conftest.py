"""Webhook tests: SQS and KMS from moto on a clock the test moves, real HTTP receivers on
loopback, the consumers and schedules invoked from template.yaml as Lambda would invoke them."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import boto3
import pytest
from hearth_dev.sam import events as sam_events
from hearth_dev.sam.functions import invoke
from hearth_dev.sam.template import load_template
from moto import mock_aws

from hearth import clock, crypto, db, outbox, queues
from hearth.settings import settings
from hearth.webhooks.engine import ssrf, transport
from tests.conftest import ROOT

TEMPLATE = load_template(ROOT)
QUEUES = {
    "dispatch": ("EventDispatchQueue", "EventDispatchFunction"),
    "delivery": ("WebhookDeliveryQueue", "WebhookSenderFunction"),
    "retry": ("WebhookRetryQueue", "WebhookRetrySenderFunction"),
}


@pytest.fixture(autouse=True)
def webhook_settings(monkeypatch):
    """Receivers on loopback are allowed here; short timeouts keep the suite fast."""
    monkeypatch.setenv("HEARTH_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("HEARTH_WEBHOOK_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("HEARTH_WEBHOOK_SLOW_SECONDS", "0.6")
    settings.cache_clear()
    crypto.envelope.cache_clear()
    yield monkeypatch
    transport.close_all()
    settings.cache_clear()
    crypto.envelope.cache_clear()


# -- a receiver -----------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok":true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Receiver:
    """A real HTTP server on 127.0.0.1. ``plan`` answers requests in turn (the last one repeats)."""

    def __init__(self, plan: list[Reply] | None = None, host: str = "127.0.0.1") -> None:
        self.plan = list(plan or [Reply()])
        self.requests: list[Received] = []
        #: How many requests were being answered at once, at most (concurrency tests).
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    reply = receiver.plan.pop(0) if len(receiver.plan) > 1 else receiver.plan[0]
                    receiver._in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver._in_flight)
                try:
                    if reply.delay:
                        time.sleep(reply.delay)
                finally:
                    with receiver._lock:
                        receiver._in_flight -= 1
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the sender gave up waiting (timeout tests)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 64  # a batch opens ten connections at once

        self.server = Server((host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(plan: list[Reply] | None = None, host: str = "127.0.0.1") -> Receiver:
        receiver = Receiver(plan, host)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


# -- AWS (moto) on a controlled clock ------------------------------------------------------------


@dataclass
class Aws:
    urls: dict[str, str]
    arns: dict[str, str]
    clock: clock.FakeClock

    @property
    def sqs(self) -> Any:
        return boto3.client("sqs")

    def depth(self, name: str) -> int:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=self.urls[name],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesDelayed"])

    def receive(self, name: str, limit: int = 10) -> list[dict[str, Any]]:
        return self.sqs.receive_message(
            QueueUrl=self.urls[name],
            MaxNumberOfMessages=limit,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=60,
        ).get("Messages", [])

    def bodies(self, name: str) -> list[dict[str, Any]]:
        """Read (and delete) every visible message of a queue."""
        found = []
        while messages := self.receive(name):
            for m in messages:
                found.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.urls[name], ReceiptHandle=m["ReceiptHandle"])
        return found

    def pump(self, name: str, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """One Lambda invocation of the queue's consumer with up to ten visible messages (or the
        given ones); deletes what the consumer did not report as failed, as Lambda does."""
        function = QUEUES[name][1]
        messages = self.receive(name) if messages is None else messages
        if not messages:
            return {"batchItemFailures": [], "count": 0}
        event = sam_events.sqs_event([sam_events.sqs_record(m, self.arns[name]) for m in messages])
        result = invoke(TEMPLATE.functions[function], event)
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.urls[name], ReceiptHandle=m["ReceiptHandle"])
        return {**result, "count": len(messages)}

    def drain(self, *names: str, rounds: int = 50) -> int:
        """Pump the queues in pipeline order until nothing is visible; returns invocations."""
        names = names or ("dispatch", "delivery", "retry")
        invocations = 0
        for _ in range(rounds):
            moved = False
            for name in names:
                while self.pump(name)["count"]:
                    invocations += 1
                    moved = True
            if not moved:
                return invocations
        raise AssertionError("queues did not drain")

    def schedule(self, function: str) -> Any:
        fn = TEMPLATE.functions[function]
        return invoke(fn, json.loads(fn.sample_event.read_text()))


def quiesce(admin_db: Any) -> None:
    """Cross-tenant jobs (sweep, dispatcher) see every org of the session database: settle what
    other tests left unpublished or pending, so a test sees only its own work."""
    admin_db.execute("UPDATE domain_events SET published_at = now() WHERE published_at IS NULL")
    admin_db.execute(
        "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, enqueued_at = NULL,"
        " lease_until = NULL, last_error = 'settled by the test set-up' WHERE status = 'pending'"
    )


@pytest.fixture
def aws(webhook_settings, admin_db) -> Iterator[Aws]:
    monkeypatch = webhook_settings
    quiesce(admin_db)
    with mock_aws(), clock.frozen(datetime.now(UTC)) as fake:
        import moto.sqs.models

        # SQS delays and visibility follow the same clock as the delivery engine.
        monkeypatch.setattr(moto.sqs.models, "unix_time_millis", lambda: fake().timestamp() * 1000)
        monkeypatch.setattr(moto.sqs.models, "unix_time", lambda: fake().timestamp())
        queues.reset_client()
        sqs = boto3.client("sqs")
        urls, arns = {}, {}
        for name in ("dispatch", "delivery", "retry", "dead_letter"):
            url = sqs.create_queue(QueueName=f"hearth-test-{name}")["QueueUrl"]
            urls[name] = url
            arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
        monkeypatch.setenv("HEARTH_EVENT_DISPATCH_QUEUE_URL", urls["dispatch"])
        monkeypatch.setenv("HEARTH_WEBHOOK_DELIVERY_QUEUE_URL", urls["delivery"])
        monkeypatch.setenv("HEARTH_WEBHOOK_RETRY_QUEUE_URL", urls["retry"])
        monkeypatch.setenv("HEARTH_WEBHOOK_DEAD_LETTER_QUEUE_URL", urls["dead_letter"])
        settings.cache_clear()
        try:
            yield Aws(urls=urls, arns=arns, clock=fake)
        finally:
            queues.reset_client()
            settings.cache_clear()


# -- events and endpoints ---------------------------------------------------------------------------


def emit(org_id: str, type: str = "company.created", data: dict[str, Any] | None = None, **kw: Any) -> UUID:
    """Write an event in a tenant transaction and relay it after commit, as a route does."""
    with db.tenant_transaction(org_id) as conn:
        event_id = outbox.emit(
            conn,
            org_id=org_id,
            actor=("system", None),
            type=type,
            resource_type=kw.get("resource_type", type.split(".", maxsplit=1)[0]),
            resource_id=kw.get("resource_id", "r-1"),
            data=data if data is not None else {"name": "Acme"},
        )
    outbox.after_commit(UUID(str(org_id)), [event_id])
    return event_id


def delivery_rows(admin_db: Any, endpoint_id: str) -> list[dict[str, Any]]:
    return list(
        admin_db.execute(
            "SELECT * FROM webhook_deliveries WHERE endpoint_id = %s ORDER BY created_at, id", (endpoint_id,)
        ).fetchall()
    )


def attempt_rows(admin_db: Any, delivery_id: Any) -> list[dict[str, Any]]:
    return list(
        admin_db.execute(
            "SELECT * FROM webhook_delivery_attempts WHERE delivery_id = %s ORDER BY attempt", (delivery_id,)
        ).fetchall()
    )


def create_endpoint(client: Any, tenant: Any, url: str, **fields: Any) -> dict[str, Any]:
    made = client.post("/v1/webhook-endpoints", auth=tenant.key_auth, json_body={"url": url, **fields})
    assert made.status == 201, made.body
    return dict(made.json())


@pytest.fixture
def resolver() -> Iterator[dict[str, list[str]]]:
    """A DNS the test writes: host -> addresses (no real lookups)."""
    names: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list[str]:
        if host not in names:
            raise OSError(f"unknown host {host}")
        return names[host]

    with ssrf.using_resolver(resolve):
        yield names
