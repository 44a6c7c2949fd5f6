"""Retries on the schedule (time moved, never slept), the end of the line, 410, Retry-After,
timeouts, manual retry and recover."""

from __future__ import annotations

import itertools
from datetime import timedelta

import standardwebhooks

from hearth.webhooks.engine import dispatcher
from tests.integration.webhooks.conftest import (
    Reply,
    attempt_rows,
    create_endpoint,
    delivery_rows,
    emit,
)

SECOND = timedelta(seconds=1)


def step(aws) -> None:
    """Let whatever is due run: the dispatcher's round, then the queues."""
    dispatcher.release_once()
    aws.drain()


def advance_to_next_attempt(aws, admin_db, endpoint_id, pick=min) -> None:
    """Move the clock just past the next attempt due (``pick=max``: past every one due)."""
    due = [d["next_attempt_at"] for d in delivery_rows(admin_db, endpoint_id) if d["status"] == "pending"]
    aws.clock.set(pick(due) + SECOND)


def test_a_receiver_failing_three_times_gets_the_fourth_attempt_on_schedule(
    client, tenant, aws, receivers, admin_db
):
    receiver = receivers([Reply(500), Reply(502, b"bad gateway"), Reply(500), Reply(200)])
    endpoint = create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id)
    aws.drain()
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    first_wait = delivery["next_attempt_at"] - delivery["last_attempt_at"]
    assert timedelta(seconds=4) <= first_wait <= timedelta(seconds=6)  # 5 s +-20 %
    assert aws.depth("retry") == 1  # a short wait rides on an SQS delay

    # Not before its time: the queued message stays invisible until the delay has passed.
    aws.clock.advance(seconds=3.5)
    step(aws)
    assert len(receiver.requests) == 1

    advance_to_next_attempt(aws, admin_db, endpoint["id"])
    step(aws)
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    assert delivery["attempts"] == 2
    second_wait = delivery["next_attempt_at"] - delivery["last_attempt_at"]
    assert timedelta(minutes=4) <= second_wait <= timedelta(minutes=6)

    advance_to_next_attempt(aws, admin_db, endpoint["id"])
    step(aws)
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    assert delivery["attempts"] == 3
    third_wait = delivery["next_attempt_at"] - delivery["last_attempt_at"]
    assert timedelta(minutes=24) <= third_wait <= timedelta(minutes=36)
    # Beyond SQS's 15-minute delay: held in the database, nothing queued.
    assert delivery["enqueued_at"] is None
    assert aws.depth("retry") == 0

    aws.clock.advance(minutes=20)
    step(aws)
    assert len(receiver.requests) == 3  # not due yet: the dispatcher releases nothing

    advance_to_next_attempt(aws, admin_db, endpoint["id"])
    step(aws)
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    assert (delivery["status"], delivery["attempts"], delivery["next_attempt_at"]) == ("succeeded", 4, None)
    attempts = attempt_rows(admin_db, delivery["id"])
    assert [a["status_code"] for a in attempts] == [500, 502, 500, 200]
    assert attempts[1]["response_body"] == "bad gateway"
    assert [a["next_attempt_at"] is None for a in attempts] == [False, False, False, True]
    # Every attempt carried the same webhook-id, each signed afresh.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    last = receiver.requests[-1]
    standardwebhooks.Webhook(endpoint["secret"]).verify(last.body, last.headers)


def test_after_the_eighth_failure_the_delivery_is_exhausted(client, tenant, aws, receivers, admin_db):
    receiver = receivers([Reply(500)])
    endpoint = create_endpoint(client, tenant, receiver.url(), event_types=["company.*"])
    watcher = receivers()
    create_endpoint(client, tenant, watcher.url(), event_types=["webhook.*"])
    emit(tenant.org_id)
    aws.drain()
    for _ in range(7):
        advance_to_next_attempt(aws, admin_db, endpoint["id"])
        step(aws)
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    assert (delivery["status"], delivery["attempts"], delivery["next_attempt_at"]) == ("failed", 8, None)
    attempts = attempt_rows(admin_db, delivery["id"])
    waits = [(b["attempted_at"] - a["attempted_at"]).total_seconds() for a, b in itertools.pairwise(attempts)]
    schedule = [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert len(waits) == 7
    for wait, base in zip(waits, schedule, strict=True):
        assert base * 0.8 <= wait <= base * 1.2 + 1, (wait, base)
    assert attempts[-1]["next_attempt_at"] is None

    # The org hears of it: an event, delivered to the endpoint that listens for webhook.*
    exhausted = client.get("/v1/events", auth=tenant.key_auth, query="type=webhook.delivery_exhausted").json()
    [event] = exhausted["data"]
    assert event["resource_id"] == str(delivery["id"])
    assert event["data"]["object"]["attempt_count"] == 8
    assert event["data"]["object"]["status"] == "failed"
    assert [r.json()["type"] for r in watcher.requests] == ["webhook.delivery_exhausted"]
    # Its own id is the delivery's event_id; the failed delivery (and its event) is the object.
    notice = watcher.requests[0].json()["data"]
    assert notice["event_id"] == event["id"]
    assert notice["object"]["id"] == str(delivery["id"])
    assert notice["object"]["event_id"] == str(delivery["event_id"])
    # ... and the message is in the dead-letter queue.
    [dead] = aws.bodies("dead_letter")
    assert dead["delivery_id"] == str(delivery["id"])
    assert dead["attempt"] == 8

    aws.clock.advance(days=3)
    step(aws)
    assert len(receiver.requests) == 8  # nothing more


def test_410_gone_disables_the_endpoint_and_stops_its_deliveries(client, tenant, aws, receivers, admin_db):
    receiver = receivers([Reply(410)])
    endpoint = create_endpoint(client, tenant, receiver.url(), event_types=["company.*"])
    emit(tenant.org_id)
    aws.pump("dispatch")
    emit(tenant.org_id)
    aws.pump("dispatch")
    first = aws.receive("delivery", limit=1)
    aws.pump("delivery", first)
    shown = client.get(f"/v1/webhook-endpoints/{endpoint['id']}", auth=tenant.key_auth).json()
    assert (shown["enabled"], shown["disabled_reason"]) == (False, "gone")
    rows = delivery_rows(admin_db, endpoint["id"])
    assert {r["status"] for r in rows} == {"failed"}  # the other one was cancelled, not sent
    aws.drain()
    assert len(receiver.requests) == 1
    events = client.get("/v1/events", auth=tenant.key_auth, query="type=webhook_endpoint.*").json()["data"]
    assert [(e["type"], e["data"]["reason"]) for e in events] == [("webhook_endpoint.disabled", "gone")]
    # Re-enabling clears the state; new events flow again.
    patched = client.patch(
        f"/v1/webhook-endpoints/{endpoint['id']}", auth=tenant.key_auth, json_body={"enabled": True}
    )
    assert patched.status == 200
    assert patched.json()["disabled_reason"] is None


def test_retry_after_is_honoured_within_one_to_two_scheduled_waits(client, tenant, aws, receivers, admin_db):
    later = "Wed, 21 Oct 2015 07:28:00 GMT"  # a date in the past: "now", clamped up to the schedule
    receiver = receivers(
        [
            Reply(429, headers={"Retry-After": "8"}),
            Reply(503, headers={"Retry-After": "3600"}),
            Reply(429, headers={"Retry-After": later}),
            Reply(200),
        ]
    )
    endpoint = create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id)
    aws.drain()
    waits = []
    for _ in range(3):
        [delivery] = delivery_rows(admin_db, endpoint["id"])
        waits.append((delivery["next_attempt_at"] - delivery["last_attempt_at"]).total_seconds())
        advance_to_next_attempt(aws, admin_db, endpoint["id"])
        step(aws)
    assert waits[0] == 8  # asked 8 s; the scheduled 4-6 s allows up to twice that
    assert 480 <= waits[1] <= 720  # asked an hour; clamped to twice the scheduled 4-6 min
    assert 1440 <= waits[2] <= 2160  # asked nothing more; the scheduled 30 min +-20 % stands
    assert delivery_rows(admin_db, endpoint["id"])[0]["status"] == "succeeded"


def test_a_receiver_that_hangs_times_out_and_the_retry_is_scheduled(client, tenant, aws, receivers, admin_db):
    receiver = receivers([Reply(200, delay=2.5)])
    endpoint = create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id)
    aws.drain()
    [delivery] = delivery_rows(admin_db, endpoint["id"])
    [attempt] = attempt_rows(admin_db, delivery["id"])
    assert attempt["status_code"] is None
    assert attempt["error"] == "timed out after 1 s"
    assert 900 <= attempt["duration_ms"] < 2400
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert attempt["next_attempt_at"] == delivery["next_attempt_at"]
    assert aws.depth("retry") == 1


def test_manual_retry_and_recover(client, tenant, aws, receivers, admin_db):
    receiver = receivers([Reply(500)])
    endpoint = create_endpoint(client, tenant, receiver.url(), event_types=["company.*"])
    for _ in range(3):
        emit(tenant.org_id)
    aws.drain()
    # (A delivery whose first attempt found the endpoint already failing was held for the retry
    # lane, so it may run one round behind the others.)
    for _ in range(9):
        if all(r["status"] == "failed" for r in delivery_rows(admin_db, endpoint["id"])):
            break
        advance_to_next_attempt(aws, admin_db, endpoint["id"], pick=max)
        step(aws)
    rows = delivery_rows(admin_db, endpoint["id"])
    assert [r["status"] for r in rows] == ["failed"] * 3
    receiver.plan = [Reply(200)]

    # One delivery, by hand.
    target = rows[0]["id"]
    retried = client.post(f"/v1/webhook-deliveries/{target}/retry", auth=tenant.key_auth)
    assert retried.status == 202, retried.body
    assert retried.json()["status"] == "pending"
    again = client.post(f"/v1/webhook-deliveries/{target}/retry", auth=tenant.key_auth)
    assert again.status == 409
    step(aws)
    detail = client.get(f"/v1/webhook-deliveries/{target}", auth=tenant.key_auth).json()
    assert detail["status"] == "succeeded"
    assert [(a["attempt"], a["trigger"]) for a in detail["attempts"]][-2:] == [
        (8, "automatic"),
        (9, "manual"),
    ]

    # Every other failed one since a time.
    since = (rows[0]["created_at"] - timedelta(minutes=1)).isoformat()
    path = f"/v1/webhook-endpoints/{endpoint['id']}/recover"
    assert client.post(path, auth=tenant.key_auth).status == 422  # since is required
    bad = client.post(path, auth=tenant.key_auth, query=f"since={since}&until={since}".replace("+", "%2B"))
    assert bad.status == 422
    recovered = client.post(path, auth=tenant.key_auth, query=f"since={since}".replace("+", "%2B"))
    assert recovered.status == 202, recovered.body
    assert recovered.json()["deliveries"] == 2
    step(aws)
    assert {r["status"] for r in delivery_rows(admin_db, endpoint["id"])} == {"succeeded"}
    assert len(receiver.requests) == 3 * 8 + 3
    assert [len(attempt_rows(admin_db, r["id"])) for r in rows] == [9, 9, 9]

    # A disabled endpoint is not recovered.
    client.patch(
        f"/v1/webhook-endpoints/{endpoint['id']}", auth=tenant.key_auth, json_body={"enabled": False}
    )
    refused = client.post(path, auth=tenant.key_auth, query=f"since={since}".replace("+", "%2B"))
    assert refused.status == 409


def test_five_days_of_failures_only_disable_the_endpoint(client, tenant, aws, receivers, admin_db):
    receiver = receivers([Reply(500)])
    endpoint = create_endpoint(client, tenant, receiver.url(), event_types=["company.*"])
    emit(tenant.org_id)
    aws.drain()
    aws.clock.advance(days=4, hours=23)
    emit(tenant.org_id)
    step(aws)
    assert client.get(f"/v1/webhook-endpoints/{endpoint['id']}", auth=tenant.key_auth).json()["enabled"]
    aws.clock.advance(hours=1, minutes=1)
    emit(tenant.org_id)
    step(aws)
    shown = client.get(f"/v1/webhook-endpoints/{endpoint['id']}", auth=tenant.key_auth).json()
    assert (shown["enabled"], shown["disabled_reason"]) == (False, "failing")
    assert not [r for r in delivery_rows(admin_db, endpoint["id"]) if r["status"] == "pending"]
    events = client.get("/v1/events", auth=tenant.key_auth, query="type=webhook_endpoint.disabled").json()
    assert [e["data"]["reason"] for e in events["data"]] == ["failing"]


def test_the_scheduled_dispatcher_releases_what_is_due(client, tenant, aws, receivers, admin_db):
    receiver = receivers([Reply(500), Reply(500), Reply(500), Reply(200)])
    endpoint = create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id)
    aws.drain()
    for _ in range(2):
        advance_to_next_attempt(aws, admin_db, endpoint["id"])
        aws.drain()
    # The third attempt waits ~30 min: only the schedule brings it back.
    advance_to_next_attempt(aws, admin_db, endpoint["id"])
    assert aws.drain() == 0
    result = aws.schedule("WebhookDispatcherFunction")
    assert result == {"released": 1}
    aws.drain()
    assert delivery_rows(admin_db, endpoint["id"])[0]["status"] == "succeeded"
