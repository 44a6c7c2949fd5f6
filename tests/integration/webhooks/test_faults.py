"""Nothing lost, nothing doubled: a relay that dies, repeated messages, a sender that crashes."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import UUID

from hearth import queues
from hearth.outbox import relay
from hearth.webhooks.engine import dispatcher, transport
from hearth.webhooks.engine.messages import DeliveryMessage
from tests.integration.webhooks.conftest import (
    attempt_rows,
    create_endpoint,
    delivery_rows,
    emit,
)


def test_a_relay_that_dies_after_the_commit_is_made_good_by_the_sweep_exactly_once(
    client, tenant, aws, receivers, admin_db, monkeypatch
):
    receiver = receivers()
    create_endpoint(client, tenant, receiver.url())

    def dies(org_id, event_ids):
        raise RuntimeError("the process died between the commit and the send")

    monkeypatch.setattr(relay, "publish", dies)
    event_id = emit(tenant.org_id)  # committed; the relay fails after the commit
    assert aws.depth("dispatch") == 0
    row = admin_db.execute(
        "SELECT published_at, occurred_at FROM domain_events WHERE id = %s", (event_id,)
    ).fetchone()
    assert row["published_at"] is None

    # Too young for the sweep (the relay may still be at it) ... The event's time is the
    # database's, so the test clock is set from it rather than from when the fixture began.
    aws.clock.set(row["occurred_at"] + timedelta(seconds=1))
    assert aws.schedule("OutboxSweepFunction") == {"found": 0, "published": 0}
    aws.clock.set(row["occurred_at"] + timedelta(seconds=31))
    assert aws.schedule("OutboxSweepFunction") == {"found": 1, "published": 1}
    aws.drain()
    assert [r.headers["webhook-id"] for r in receiver.requests] == [str(event_id)]

    # ... and once published it is never swept again.
    aws.clock.advance(minutes=5)
    assert aws.schedule("OutboxSweepFunction") == {"found": 0, "published": 0}
    aws.drain()
    assert len(receiver.requests) == 1


def test_relaying_an_event_twice_delivers_it_once(client, tenant, aws, receivers, admin_db):
    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url())
    event_id = emit(tenant.org_id)
    relay.publish(UUID(tenant.org_id), [event_id])  # a second relay (the sweep racing the relay)
    assert aws.depth("dispatch") == 2
    aws.drain()
    assert len(receiver.requests) == 1
    assert len(delivery_rows(admin_db, endpoint["id"])) == 1


def test_the_same_sqs_message_twice_records_one_delivery(client, tenant, aws, receivers, admin_db):
    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id)
    aws.pump("dispatch")
    [message] = aws.receive("delivery")
    # SQS delivers at least once: the same body again, in the same batch and in a later one.
    aws.sqs.send_message(QueueUrl=aws.urls["delivery"], MessageBody=message["Body"])
    aws.sqs.send_message(QueueUrl=aws.urls["delivery"], MessageBody=message["Body"])
    copies = aws.receive("delivery")
    assert len(copies) == 2
    result = aws.pump("delivery", [message, copies[0]])
    assert result["batchItemFailures"] == []
    aws.pump("delivery", [copies[1]])
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 1)
    assert len(attempt_rows(admin_db, delivery["id"])) == 1
    assert len(receiver.requests) == 1


def test_a_lost_fan_out_send_is_released_by_the_dispatcher(client, tenant, aws, receivers, monkeypatch):
    receiver = receivers()
    create_endpoint(client, tenant, receiver.url())
    real_send = queues.send

    def refuse_delivery_queue(url, messages, **kw):
        return [] if url == aws.urls["delivery"] else real_send(url, messages, **kw)

    monkeypatch.setattr(queues, "send", refuse_delivery_queue)
    emit(tenant.org_id)
    aws.drain()
    assert receiver.requests == []
    monkeypatch.setattr(queues, "send", real_send)
    assert dispatcher.release_once().released == 1
    aws.drain()
    assert len(receiver.requests) == 1


def test_a_sender_that_crashes_mid_attempt_is_taken_over_after_its_lease(
    client, tenant, aws, receivers, admin_db, monkeypatch
):
    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id)
    aws.pump("dispatch")
    real_post = transport.post

    def crash(*args, **kwargs):
        raise RuntimeError("the sender's environment died mid-request")

    monkeypatch.setattr(transport, "post", crash)
    [message] = aws.receive("delivery")
    assert aws.pump("delivery", [message])["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
    monkeypatch.setattr(transport, "post", real_post)

    # A copy of the message while the crashed attempt's lease still holds: acknowledged unsent.
    aws.sqs.send_message(QueueUrl=aws.urls["delivery"], MessageBody=message["Body"])
    assert aws.pump("delivery")["batchItemFailures"] == []
    assert receiver.requests == []
    assert dispatcher.release_once().released == 0  # leased: not the dispatcher's either
    # SQS shows the failed message again after its visibility timeout, by when the lease has run
    # out (lease: timeout + 30 s; the queue's visibility timeout is longer): it is sent now.
    aws.clock.advance(seconds=61)
    assert aws.pump("delivery")["count"] == 1
    aws.drain()
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 1)
    assert len(receiver.requests) == 1


def test_messages_that_are_not_ours_fail_alone_and_unknown_ids_are_dropped(client, tenant, aws):
    bad = aws.sqs.send_message(QueueUrl=aws.urls["dispatch"], MessageBody="not json")["MessageId"]
    aws.sqs.send_message(
        QueueUrl=aws.urls["dispatch"],
        MessageBody=json.dumps({"org_id": tenant.org_id, "event_id": "00000000-0000-4000-8000-000000000000"}),
    )
    result = aws.pump("dispatch")
    assert result["count"] == 2
    assert result["batchItemFailures"] == [{"itemIdentifier": bad}]
    message = DeliveryMessage(UUID(tenant.org_id), UUID(int=7), 1, "main")
    aws.sqs.send_message(QueueUrl=aws.urls["delivery"], MessageBody=message.body())
    assert aws.pump("delivery")["batchItemFailures"] == []
    aws.clock.advance(timedelta(minutes=2))


def test_a_batch_opens_an_endpoints_secrets_once_and_does_not_wait_for_its_bookkeeping_to_flush(
    client, tenant, aws, receivers, admin_db, monkeypatch
):
    """The throughput of a batch: its endpoint's signing secret is opened once, not once per
    delivery, and the lease and the success record are committed without waiting for the WAL
    flush (what that risks is the next test's)."""
    from hearth import db
    from hearth.webhooks.engine import secrets

    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url())
    for i in range(10):
        emit(tenant.org_id, "company.created", {"n": i})
    aws.pump("dispatch")
    messages = aws.receive("delivery")
    assert len(messages) == 10

    opened, commits = [], []
    real_unseal, real_run_once = secrets.unseal, db.Database.run_once

    def unseal(*args, **kwargs):
        opened.append(args[1])
        return real_unseal(*args, **kwargs)

    def run_once(self, sql, params, org_id="", **kwargs):
        commits.append(kwargs.get("durable", True))
        return real_run_once(self, sql, params, org_id, **kwargs)

    monkeypatch.setattr(secrets, "unseal", unseal)
    monkeypatch.setattr(db.Database, "run_once", run_once)
    assert aws.pump("delivery", messages)["batchItemFailures"] == []
    assert len(receiver.requests) == 10
    assert [str(e) for e in opened] == [endpoint["id"]]
    assert commits == [False, False]  # the claim, then the ten successes in one statement
    assert {d["status"] for d in delivery_rows(admin_db, endpoint["id"])} == {"succeeded"}


def test_a_success_whose_record_a_database_crash_lost_is_sent_again(client, tenant, aws, receivers, admin_db):
    """At least once, even when the claim or the success record (committed without waiting for
    the WAL flush) is lost: the delivery is still pending, and the dispatcher releases it again
    once its lease has run out (lease kept) or once its message counts as lost (lease lost too)."""
    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id)
    aws.drain()
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    assert delivery["status"] == "succeeded"

    def crash(lease_until, enqueued_at):
        """The delivery as a database crash leaves it: the success and its attempt row gone."""
        admin_db.execute("DELETE FROM webhook_delivery_attempts WHERE delivery_id = %s", (delivery["id"],))
        admin_db.execute(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, last_attempt_at = NULL,"
            " last_status_code = NULL, next_attempt_at = created_at, lease_until = %s, enqueued_at = %s,"
            " lane = 'main' WHERE id = %s",
            (lease_until, enqueued_at, delivery["id"]),
        )

    # The claim survived, the record did not: sent again after the lease.
    crash(aws.clock() + timedelta(seconds=31), None)
    assert dispatcher.release_once().released == 0
    aws.clock.advance(seconds=32)
    assert dispatcher.release_once().released == 1
    aws.drain()
    # Both were lost: the message counts as lost after 20 minutes, and is sent again.
    crash(None, aws.clock())
    aws.clock.advance(minutes=19)
    assert dispatcher.release_once().released == 0
    aws.clock.advance(minutes=2)
    assert dispatcher.release_once().released == 1
    aws.drain()

    assert len(receiver.requests) == 3
    assert {r.headers["webhook-id"] for r in receiver.requests} == {str(delivery["event_id"])}
    [again] = delivery_rows(admin_db, endpoint["id"])
    assert (again["status"], again["attempts"]) == ("succeeded", 1)
