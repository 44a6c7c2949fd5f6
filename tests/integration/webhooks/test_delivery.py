"""From a committed event to a verified, logged delivery: relay, fan-out, sender."""

from __future__ import annotations

import standardwebhooks

from tests.integration.webhooks.conftest import create_endpoint, emit


def test_an_event_reaches_the_endpoint_signed_the_standard_webhooks_way(client, tenant, aws, receivers):
    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url(), event_types=["company.*"])
    event_id = emit(tenant.org_id, "company.created", {"name": "Acme", "domain": "acme.test"})

    assert aws.depth("dispatch") == 1  # the after-commit relay published it
    aws.drain()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hook"
    assert request.headers["webhook-id"] == str(event_id)
    assert request.headers["content-type"] == "application/json"
    body = standardwebhooks.Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert body["type"] == "company.created"
    assert body["timestamp"].endswith("Z")
    assert body["data"]["name"] == "Acme"  # the event's data, with the envelope fields
    assert body["data"]["domain"] == "acme.test"
    assert body["data"]["event_id"] == str(event_id)
    assert body["data"]["org_id"] == tenant.org_id
    assert body["data"]["resource_type"] == "company"

    deliveries = client.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries", auth=tenant.key_auth)
    assert deliveries.status == 200
    [delivery] = deliveries.json()["data"]
    assert delivery["status"] == "succeeded"
    assert delivery["event_id"] == str(event_id)
    assert delivery["attempt_count"] == 1
    assert delivery["last_attempt"]["status_code"] == 200
    assert delivery["last_attempt"]["response_body"] == '{"ok":true}'
    assert delivery["last_attempt"]["trigger"] == "automatic"
    detail = client.get(f"/v1/webhook-deliveries/{delivery['id']}", auth=tenant.key_auth).json()
    assert [a["attempt"] for a in detail["attempts"]] == [1]
    assert detail["attempts"][0]["url"] == receiver.url()
    assert detail["attempts"][0]["next_attempt_at"] is None

    published = client.get(f"/v1/events/{event_id}", auth=tenant.key_auth).json()
    assert published["type"] == "company.created"


def test_filters_and_disabled_endpoints_decide_who_gets_what(client, tenant, aws, receivers):
    deals, everything, exact, disabled = receivers(), receivers(), receivers(), receivers()
    create_endpoint(client, tenant, deals.url(), event_types=["deal.*"])
    create_endpoint(client, tenant, everything.url())
    create_endpoint(client, tenant, exact.url(), event_types=["deal.stage_changed"])
    create_endpoint(client, tenant, disabled.url(), enabled=False)

    emit(tenant.org_id, "company.created")
    emit(tenant.org_id, "deal.stage_changed")
    emit(tenant.org_id, "deal.won")
    aws.drain()

    def types(receiver):
        return sorted(r.json()["type"] for r in receiver.requests)

    assert types(deals) == ["deal.stage_changed", "deal.won"]
    assert types(everything) == ["company.created", "deal.stage_changed", "deal.won"]
    assert types(exact) == ["deal.stage_changed"]
    assert types(disabled) == []


def test_an_org_never_receives_another_orgs_events(client, tenant, other_tenant, aws, receivers):
    mine, theirs = receivers(), receivers()
    create_endpoint(client, tenant, mine.url())
    create_endpoint(client, other_tenant, theirs.url())
    emit(tenant.org_id, "company.created", {"secret_plan": "world domination"})
    aws.drain()
    assert len(mine.requests) == 1
    assert theirs.requests == []


def test_a_delivery_message_naming_another_org_claims_and_records_nothing(
    client, tenant, other_tenant, aws, receivers
):
    """The claim and the record run under the message's org: row-level security hides another
    org's delivery from both, so a forged message sends nothing and changes nothing."""
    import json

    from hearth import clock, db
    from hearth.webhooks.store import deliveries

    receiver = receivers()
    create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id, "company.created")
    aws.pump("dispatch")
    [message] = aws.receive("delivery")
    body = json.loads(message["Body"])
    forged = {**message, "Body": json.dumps({**body, "org_id": other_tenant.org_id})}
    assert aws.pump("delivery", [forged])["batchItemFailures"] == []
    assert receiver.requests == []
    now = clock.now()
    claimed = deliveries.claim(
        other_tenant.org_id, [(body["delivery_id"], 0, "main")], now=now, due_by=now, lease_until=now
    )
    assert claimed == {}
    with db.tenant_transaction(tenant.org_id) as conn:
        row = conn.execute("SELECT status, attempts, lease_until FROM webhook_deliveries").fetchone()
    assert row == {"status": "pending", "attempts": 0, "lease_until": None}

    assert aws.pump("delivery", [message])["batchItemFailures"] == []  # the true one still goes
    assert len(receiver.requests) == 1


def test_a_batch_to_a_slow_receiver_takes_about_one_latency(client, tenant, aws, receivers):
    from tests.integration.webhooks.conftest import Reply

    receiver = receivers([Reply(delay=0.3)])
    create_endpoint(client, tenant, receiver.url())
    for i in range(10):
        emit(tenant.org_id, "company.created", {"n": i})
    aws.pump("dispatch")
    messages = aws.receive("delivery")
    assert len(messages) == 10
    import time

    started = time.perf_counter()
    result = aws.pump("delivery", messages)
    elapsed = time.perf_counter() - started
    assert result["batchItemFailures"] == []
    assert len(receiver.requests) == 10
    # Sent concurrently: the receiver answered several at once, and the batch took well under
    # the 3 s one after another would (loose: the machine may be busy).
    assert receiver.max_in_flight >= 5, f"at most {receiver.max_in_flight} requests at once"
    assert elapsed < 0.3 * 10 / 2, f"a batch of 10 at 0.3 s each took {elapsed:.2f} s: not concurrent"


def test_a_record_that_cannot_be_processed_is_reported_alone(client, tenant, aws, receivers):
    receiver = receivers()
    create_endpoint(client, tenant, receiver.url())
    emit(tenant.org_id, "company.created")
    aws.pump("dispatch")
    aws.sqs.send_message(QueueUrl=aws.urls["delivery"], MessageBody='{"not": "a delivery"}')
    messages = aws.receive("delivery")
    assert len(messages) == 2
    poison = next(m for m in messages if "not" in m["Body"])
    result = aws.pump("delivery", messages)
    assert result["batchItemFailures"] == [{"itemIdentifier": poison["MessageId"]}]
    assert len(receiver.requests) == 1


def test_a_receiver_reads_the_record_at_data_object_as_the_readme_and_the_event_api_say(
    client, tenant, aws, receivers
):
    """A write through the API, delivered: a receiver verifies the raw body and finds the record
    at `data.object`, the change at `data.changed_fields` / `data.previous_attributes`, and the
    same `data` as `GET /v1/events/{id}` (plus the envelope fields)."""
    receiver = receivers()
    endpoint = create_endpoint(client, tenant, receiver.url(), event_types=["company.*"])
    made = client.post(
        "/v1/companies", auth=tenant.key_auth, json_body={"name": "Acme", "domain": "acme.test"}
    )
    assert made.status == 201, made.body
    company_id = made.json()["id"]
    changed = client.patch(
        f"/v1/companies/{company_id}", auth=tenant.key_auth, json_body={"name": "Acme Corp"}
    )
    assert changed.status == 200, changed.body
    aws.drain()

    verifier = standardwebhooks.Webhook(endpoint["secret"])
    bodies = {}
    for request in receiver.requests:
        body = verifier.verify(request.body, request.headers)
        bodies[body["type"]] = body
    assert sorted(bodies) == ["company.created", "company.updated"]

    created, updated = bodies["company.created"]["data"], bodies["company.updated"]["data"]
    assert created["object"] == made.json()  # the record itself, not wrapped once more
    assert updated["object"] == changed.json()
    assert updated["object"]["name"] == "Acme Corp"
    assert updated["changed_fields"] == ["name"]
    assert updated["previous_attributes"] == {"name": "Acme"}
    assert "object" not in updated["object"]
    for data in (created, updated):
        assert (data["org_id"], data["resource_type"], data["resource_id"]) == (
            tenant.org_id,
            "company",
            company_id,
        )
        published = client.get(f"/v1/events/{data['event_id']}", auth=tenant.key_auth)
        assert published.status == 200, published.body
        event = published.json()
        envelope = {
            k: data[k]
            for k in ("event_id", "org_id", "resource_type", "resource_id", "actor_type", "actor_id")
        }
        assert envelope == {
            "event_id": event["id"],
            "org_id": tenant.org_id,
            "resource_type": event["resource_type"],
            "resource_id": event["resource_id"],
            "actor_type": event["actor_type"],
            "actor_id": event["actor_id"],
        }
        assert {k: v for k, v in data.items() if k not in envelope} == event["data"]
