"""GET /v1/events and GET /v1/events/{id}: the org's event log, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.webhooks.conftest import emit


def test_list_filters_and_pages(client, tenant, other_tenant):
    start = datetime.now(UTC)
    emit(tenant.org_id, "company.created", resource_id="c-1")
    emit(tenant.org_id, "deal.won", resource_id="d-1")
    middle = datetime.now(UTC)
    emit(tenant.org_id, "deal.stage_changed", resource_id="d-1")
    emit(tenant.org_id, "company.updated", resource_id="c-1")
    emit(other_tenant.org_id, "deal.won", resource_id="d-1")

    def types(query=""):
        response = client.get("/v1/events", auth=tenant.key_auth, query=query)
        assert response.status == 200, response.body
        return [e["type"] for e in response.json()["data"]]

    assert types() == ["company.updated", "deal.stage_changed", "deal.won", "company.created"]
    assert types("type=deal.*") == ["deal.stage_changed", "deal.won"]
    assert types("type=deal.won") == ["deal.won"]
    assert types("resource_type=company&resource_id=c-1") == ["company.updated", "company.created"]
    since = middle.isoformat().replace("+00:00", "Z")
    assert types(f"since={since}") == ["company.updated", "deal.stage_changed"]
    assert types(f"until={since}") == ["deal.won", "company.created"]
    assert types(f"since={start.isoformat().replace('+00:00', 'Z')}&type=company.*") == [
        "company.updated",
        "company.created",
    ]

    seen, cursor = [], None
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get("/v1/events", auth=tenant.key_auth, query=query).json()
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 4

    first = client.get("/v1/events", auth=tenant.key_auth, query="limit=1").json()["data"][0]
    one = client.get(f"/v1/events/{first['id']}", auth=tenant.key_auth)
    assert one.status == 200
    assert one.json() == first
    assert one.json()["data"] == {"name": "Acme"}


def test_bad_filters_are_problems(client, tenant):
    for query in ("type=Deal", "type=deal.*.x", "limit=0", "limit=201", "cursor=garbage", "since=yesterday"):
        response = client.get("/v1/events", auth=tenant.key_auth, query=query)
        assert response.status == 422, (query, response.body)
        assert response.header("content-type") == "application/problem+json"
