"""Cross-tenant cases: events, webhook endpoints, deliveries. The victim's endpoint points at a
public address literal (nothing is ever sent in these cases)."""

from __future__ import annotations

from uuid import UUID

from hearth import db, outbox
from hearth.outbox.messages import DispatchMessage
from hearth.webhooks.engine import fanout
from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case

VICTIM_URL = "https://93.184.215.14/victim-hook"


def _victim_setup(client, victim):
    made = client.post(
        "/v1/webhook-endpoints",
        auth=victim.key_auth,
        json_body={"url": VICTIM_URL, "description": "Victim sync"},
    )
    assert made.status == 201, made.body
    endpoint = made.json()
    with db.tenant_transaction(victim.org_id) as conn:
        event_id = outbox.emit(
            conn,
            org_id=victim.org_id,
            actor=("system", None),
            type="company.created",
            resource_type="company",
            resource_id="victim-company",
            data={"name": "Victim Industries"},
        )
    fanout.dispatch(DispatchMessage(UUID(victim.org_id), event_id))
    with db.tenant_transaction(victim.org_id) as conn:
        delivery = conn.execute(
            "SELECT id FROM webhook_deliveries WHERE event_id = %s", (event_id,)
        ).fetchone()
    assert delivery is not None
    return endpoint, str(event_id), str(delivery["id"])


def _secrets(endpoint):
    return (endpoint["secret"], endpoint["secret"][6:20], VICTIM_URL, "Victim sync")


@case("GET /v1/events", "GET /v1/events/{event_id}")
def events(client, victim, intruder):
    _, event_id, _ = _victim_setup(client, victim)
    listed = client.get("/v1/events", auth=intruder.key_auth)
    assert listed.status == 200
    assert_not_leaked(listed, event_id, "Victim Industries", victim.org_id)
    filtered = client.get("/v1/events", auth=intruder.key_auth, query="resource_id=victim-company")
    assert filtered.json()["data"] == []
    assert_hidden(client.get(f"/v1/events/{event_id}", auth=intruder.key_auth), "Victim Industries")
    assert client.get(f"/v1/events/{event_id}", auth=victim.key_auth).status == 200


@case("GET /v1/webhook-endpoints", "POST /v1/webhook-endpoints")
def endpoints_collection(client, victim, intruder):
    endpoint, _, _ = _victim_setup(client, victim)
    listed = client.get("/v1/webhook-endpoints", auth=intruder.key_auth)
    assert listed.status == 200
    assert_not_leaked(listed, endpoint["id"], *_secrets(endpoint))
    made = client.post("/v1/webhook-endpoints", auth=intruder.key_auth, json_body={"url": VICTIM_URL})
    assert made.status == 201
    assert_not_leaked(made, endpoint["id"], endpoint["secret"], victim.org_id)
    mine = client.get("/v1/webhook-endpoints", auth=victim.key_auth).json()["data"]
    assert [e["id"] for e in mine] == [endpoint["id"]]


@case(
    "GET /v1/webhook-endpoints/{endpoint_id}",
    "PATCH /v1/webhook-endpoints/{endpoint_id}",
    "DELETE /v1/webhook-endpoints/{endpoint_id}",
    "POST /v1/webhook-endpoints/{endpoint_id}/rotate-secret",
    "POST /v1/webhook-endpoints/{endpoint_id}/recover",
    "GET /v1/webhook-endpoints/{endpoint_id}/deliveries",
)
def endpoint_by_id(client, victim, intruder):
    endpoint, _, delivery_id = _victim_setup(client, victim)
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    hidden = _secrets(endpoint)
    assert_hidden(client.get(path, auth=intruder.key_auth), *hidden)
    assert_hidden(
        client.patch(path, auth=intruder.key_auth, json_body={"url": "https://93.184.215.15/x"}), *hidden
    )
    assert_hidden(client.post(f"{path}/rotate-secret", auth=intruder.key_auth), *hidden)
    assert_hidden(
        client.post(f"{path}/recover", auth=intruder.key_auth, query="since=2020-01-01T00:00:00Z"), *hidden
    )
    assert_hidden(client.get(f"{path}/deliveries", auth=intruder.key_auth), delivery_id, *hidden)
    assert_hidden(client.delete(path, auth=intruder.key_auth), *hidden)
    still = client.get(path, auth=victim.key_auth)
    assert still.status == 200
    assert still.json()["url"] == VICTIM_URL
    assert still.json()["secret_rotated_at"] is None
    assert [d["id"] for d in client.get(f"{path}/deliveries", auth=victim.key_auth).json()["data"]] == [
        delivery_id
    ]


@case("GET /v1/webhook-deliveries/{delivery_id}", "POST /v1/webhook-deliveries/{delivery_id}/retry")
def delivery_by_id(client, victim, intruder):
    endpoint, event_id, delivery_id = _victim_setup(client, victim)
    path = f"/v1/webhook-deliveries/{delivery_id}"
    assert_hidden(client.get(path, auth=intruder.key_auth), event_id, *_secrets(endpoint))
    assert_hidden(client.post(f"{path}/retry", auth=intruder.key_auth), event_id, *_secrets(endpoint))
    shown = client.get(path, auth=victim.key_auth).json()
    assert (shown["status"], shown["attempt_count"]) == ("pending", 0)
