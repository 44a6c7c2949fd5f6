"""One org's failing or slow endpoint does not hold back other orgs' deliveries.

Mechanism (docs/decisions.md): fresh deliveries to healthy endpoints go to the main lane; once an
endpoint fails or answers slowly, its traffic leaves the main lane (its queued messages are held
without a request) for the retry lane, which the dispatcher feeds at most ten in flight per
endpoint, orgs taken in turns."""

from __future__ import annotations

import time

from hearth.webhooks.engine import dispatcher
from tests.integration.webhooks.conftest import Reply, create_endpoint, delivery_rows, emit


def test_a_hanging_endpoint_costs_the_main_lane_one_batch_not_its_backlog(
    client, tenant, other_tenant, aws, receivers, admin_db
):
    hanging = receivers([Reply(200, delay=2.5)])  # beyond the 1 s timeout
    healthy = receivers()
    slow_endpoint = create_endpoint(client, tenant, hanging.url())
    create_endpoint(client, other_tenant, healthy.url())
    for i in range(25):
        emit(tenant.org_id, data={"n": i})
    for i in range(3):
        emit(other_tenant.org_id, data={"n": i})
    aws.drain("dispatch")
    assert aws.depth("delivery") == 28

    timings = []
    while True:
        started = time.perf_counter()
        if not aws.pump("delivery")["count"]:
            break
        timings.append(time.perf_counter() - started)

    assert len(healthy.requests) == 3
    # Only the first batch waited on the hanging endpoint; the rest of its backlog was held
    # without a request, so the main lane spent about one timeout on it, not twenty-five.
    rows = delivery_rows(admin_db, slow_endpoint["id"])
    tried = [r for r in rows if r["attempts"] == 1]
    held = [r for r in rows if r["attempts"] == 0]
    assert len(tried) <= 10
    assert len(hanging.requests) <= 10
    assert len(held) == 25 - len(tried)
    assert timings[0] < 2.0
    assert sum(timings[1:]) < 1.2, timings  # two more batches of timeouts would take >= 2 s
    assert all(r["lane"] == "retry" and r["enqueued_at"] is None for r in held)

    # In the retry lane, the hanging endpoint has ten attempts in flight (its retries), so the
    # dispatcher releases none of its held deliveries, while another org's manual retry goes.
    delivered = admin_db.execute(
        "SELECT id FROM webhook_deliveries WHERE org_id = %s AND status = 'succeeded' LIMIT 1",
        (other_tenant.org_id,),
    ).fetchone()
    assert (
        client.post(f"/v1/webhook-deliveries/{delivered['id']}/retry", auth=other_tenant.key_auth).status
        == 202
    )
    assert dispatcher.release_once().released == 1
    [message] = aws.bodies("retry")  # the queued retries of the hanging endpoint are still delayed
    assert message["org_id"] == other_tenant.org_id


def test_the_dispatcher_takes_orgs_in_turns(client, aws, receivers, admin_db):
    tenants = [client.new_tenant(name) for name in ("Busy", "Quiet", "Calm")]
    receiver = receivers()
    endpoints = [create_endpoint(client, t, receiver.url()) for t in tenants]
    admin_db.execute(
        "UPDATE webhook_endpoints SET degraded_at = now() WHERE id = ANY(%s::uuid[])",
        ([e["id"] for e in endpoints],),
    )
    busy, quiet, calm = tenants
    for _ in range(30):
        emit(busy.org_id)
    aws.drain("dispatch")
    aws.clock.advance(seconds=10)
    for t in (quiet, calm):
        for _ in range(2):
            emit(t.org_id)
    aws.drain("dispatch")
    assert aws.depth("delivery") == 0  # failing endpoints' deliveries are held, not queued

    # Oldest first would give the busy org all six; in turns, each org gets its share.
    assert dispatcher.release_once(per_endpoint=100, total=6).released == 6
    released = [m["org_id"] for m in aws.bodies("retry")]
    assert sorted(released) == sorted([busy.org_id] * 2 + [quiet.org_id] * 2 + [calm.org_id] * 2)

    # The per-endpoint cap: with ten of the busy endpoint's in flight, it gets no more.
    # (two of its deliveries were released above and count as in flight until attempted)
    assert dispatcher.release_once(per_endpoint=10).released == 8
    assert {m["org_id"] for m in aws.bodies("retry")} == {busy.org_id}
    assert dispatcher.release_once(per_endpoint=10).released == 0
