"""Notification test set-up: the event dispatch queue and the notification queue in moto, drained
the way Lambda's event source mappings do (the dispatch consumer routes events to the notification
queue; the fan-out consumer turns them into notifications)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from hearth_dev.sam import events as sam_events
from hearth_dev.sam.functions import invoke
from hearth_dev.sam.template import load_template
from moto import mock_aws

from hearth import queues
from hearth.settings import settings
from tests.conftest import ROOT

TEMPLATE = load_template(ROOT)
ARN = "arn:aws:sqs:us-east-1:123456789012:hearth-notify-test-{}"


@dataclass
class Queues:
    sqs: Any
    urls: dict[str, str]

    def receive(self, name: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=self.urls[name], MaxNumberOfMessages=10, VisibilityTimeout=30
            ).get("Messages", [])
            if not got:
                return messages
            messages.extend(got)

    def invoke(self, function: str, name: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        event = sam_events.sqs_event([sam_events.sqs_record(m, ARN.format(name)) for m in messages])
        result: dict[str, Any] = invoke(TEMPLATE.functions[function], event)
        return result

    def dispatch(self) -> list[dict[str, Any]]:
        """Run the event dispatch consumer over what was published; the notification queue's
        messages it produced (left on the queue)."""
        dispatched = self.receive("dispatch")
        if dispatched:
            assert self.invoke("EventDispatchFunction", "dispatch", dispatched)["batchItemFailures"] == []
        return dispatched

    def notify(self) -> list[dict[str, Any]]:
        """Dispatch, then run the notification fan-out over the notification queue; returns the
        notification queue's messages it took."""
        self.dispatch()
        messages = self.receive("notifications")
        for i in range(0, len(messages), 10):
            batch = messages[i : i + 10]
            assert (
                self.invoke("NotificationFanoutFunction", "notifications", batch)["batchItemFailures"] == []
            )
        return messages


@pytest.fixture
def sqs(monkeypatch, admin_db) -> Iterator[Queues]:
    admin_db.execute("UPDATE domain_events SET published_at = now() WHERE published_at IS NULL")
    with mock_aws():
        queues.reset_client()
        client = boto3.client("sqs")
        urls = {
            n: client.create_queue(QueueName=f"hearth-notify-test-{n}-{uuid.uuid4().hex[:6]}")["QueueUrl"]
            for n in ("dispatch", "notifications", "delivery")
        }
        monkeypatch.setenv("HEARTH_EVENT_DISPATCH_QUEUE_URL", urls["dispatch"])
        monkeypatch.setenv("HEARTH_NOTIFICATION_QUEUE_URL", urls["notifications"])
        monkeypatch.setenv("HEARTH_WEBHOOK_DELIVERY_QUEUE_URL", urls["delivery"])
        settings.cache_clear()
        try:
            yield Queues(client, urls)
        finally:
            queues.reset_client()
            settings.cache_clear()


def notifications(
    admin_db, org_id: str, user_id: str | None = None, *, but: tuple[str, ...] = ("invitation",)
) -> list[dict[str, Any]]:
    """What is stored (past row-level security), oldest first; without the types ``but`` (by
    default the invitations every member joining by ``client.add_member`` was notified of)."""
    query = "SELECT * FROM notifications WHERE org_id = %s AND NOT (type = ANY(%s))"
    params: list[Any] = [org_id, list(but)]
    if user_id is not None:
        query += " AND user_id = %s"
        params.append(user_id)
    return admin_db.execute(query + " ORDER BY created_at, id", params).fetchall()


def message_event(message: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(message["Body"]))


def notify(org_id: str, user_id: str, title: str = "Deal won: Example", type: str = "deal_won") -> str:
    """Deliver one notification to ``user_id`` (as the fan-out does; ``deal_won`` is not emailed
    by default); returns its id."""
    from hearth import db
    from hearth.notifications.delivery import Draft, deliver

    draft = Draft(
        user_id=uuid.UUID(user_id),
        type=type,
        resource_type="deal",
        resource_id=uuid.uuid4(),
        title=title,
        body=None,
        source=f"test:{uuid.uuid4()}",
    )
    with db.tenant_transaction(org_id, user_id=user_id) as conn:
        done = deliver(conn, uuid.UUID(org_id), draft)
    assert done.in_app
    return str(done.notification_id)
