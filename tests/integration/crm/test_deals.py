"""Deals: placement in pipelines and stages, stage history and its events, won/lost rules."""

from __future__ import annotations

import pytest

from tests.integration.crm.builders import fields, problem


def test_a_new_deal_starts_in_the_default_pipelines_first_stage(client, tenant, crm, stored):
    sales = crm.default_pipeline
    made = client.post(
        "/v1/deals", auth=tenant.key_auth, json_body={"name": "Rollout", "amount": 480000, "currency": "eur"}
    )
    assert made.status == 201, made.body
    deal = made.json()
    assert (deal["pipeline_id"], deal["stage_id"]) == (sales["id"], sales["stages"][0]["id"])
    assert deal["status"] == "open"
    assert deal["closed_at"] is None
    assert deal["currency"] == "EUR"
    history = crm.get(f"/v1/deals/{deal['id']}/stage-history")["data"]
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history] == [(None, sales["stages"][0]["id"])]
    assert [e["type"] for e in stored.events()] == ["deal.created"]


def test_stage_changes_are_kept_and_announced(client, tenant, crm, stored):
    stages = crm.default_pipeline["stages"]
    deal = crm.deal()
    path = f"/v1/deals/{deal['id']}"
    for stage in stages[1:3]:
        moved = client.patch(path, auth=tenant.key_auth, json_body={"stage_id": stage["id"]})
        assert moved.status == 200, moved.body
    history = crm.get(f"{path}/stage-history")["data"]
    assert [h["to_stage_id"] for h in history] == [s["id"] for s in stages[:3]]
    assert [h["from_stage_id"] for h in history] == [None, stages[0]["id"], stages[1]["id"]]
    assert all(h["actor_type"] == "api_key" for h in history)
    changed = stored.events("deal.stage_changed")
    assert [(e["payload"]["from_stage_id"], e["payload"]["to_stage_id"]) for e in changed] == [
        (stages[0]["id"], stages[1]["id"]),
        (stages[1]["id"], stages[2]["id"]),
    ]
    page = crm.get(f"{path}/stage-history", query="limit=2")
    rest = crm.get(f"{path}/stage-history", query=f"limit=2&cursor={page['next_cursor']}")
    assert [h["id"] for h in page["data"] + rest["data"]] == [h["id"] for h in history]
    assert rest["next_cursor"] is None


def test_moving_to_another_pipeline_takes_its_first_stage_unless_told(client, tenant, crm):
    other = crm.pipeline(stages=[{"name": "A", "probability": 5}, {"name": "B", "probability": 50}])
    deal = crm.deal()
    path = f"/v1/deals/{deal['id']}"
    moved = client.patch(path, auth=tenant.key_auth, json_body={"pipeline_id": other["id"]})
    assert moved.json()["stage_id"] == other["stages"][0]["id"]
    sales_stage = crm.default_pipeline["stages"][1]
    doc = problem(client.patch(path, auth=tenant.key_auth, json_body={"stage_id": sales_stage["id"]}), 422)
    assert fields(doc) == ["stage_id"]
    both = client.patch(
        path,
        auth=tenant.key_auth,
        json_body={"pipeline_id": crm.default_pipeline["id"], "stage_id": sales_stage["id"]},
    )
    assert both.status == 200
    assert both.json()["stage_id"] == sales_stage["id"]


def test_won_and_lost(client, tenant, crm, stored):
    deal = crm.deal()
    path = f"/v1/deals/{deal['id']}"
    doc = problem(client.patch(path, auth=tenant.key_auth, json_body={"status": "lost"}), 422)
    assert fields(doc) == ["lost_reason"]
    lost = client.patch(path, auth=tenant.key_auth, json_body={"status": "lost", "lost_reason": "Budget"})
    assert lost.json()["closed_at"] is not None
    reopened = client.patch(path, auth=tenant.key_auth, json_body={"status": "open"})
    assert (reopened.json()["lost_reason"], reopened.json()["closed_at"]) == (None, None)
    won = client.patch(path, auth=tenant.key_auth, json_body={"status": "won"})
    assert won.json()["closed_at"] is not None
    assert [e["type"] for e in stored.events() if e["type"] in ("deal.won", "deal.lost")] == [
        "deal.lost",
        "deal.won",
    ]
    made_won = crm.deal(status="won")
    assert made_won["closed_at"] is not None
    assert len(stored.events("deal.won")) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "amount": 10}, "currency"),
        ({"name": "X", "currency": "ABC"}, "currency"),
        ({"name": "X", "status": "maybe"}, "status"),
        ({"name": "X", "stage_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"}, "stage_id"),
        ({"name": "X", "pipeline_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"}, "pipeline_id"),
        ({"name": "X", "expected_close_date": "31/12/2026"}, "expected_close_date"),
        ({"name": "X", "status": "lost"}, "lost_reason"),
    ],
)
def test_bad_deals_are_refused(client, tenant, stored, body, field):
    doc = problem(client.post("/v1/deals", auth=tenant.key_auth, json_body=body), 422)
    assert field in fields(doc), doc
    assert stored.count("deals") == 0
    assert stored.count("deal_stage_changes") == 0


def test_links_to_another_orgs_company_or_contact_are_refused(client, tenant, other_tenant, crm, stored):
    theirs_company = client.post("/v1/companies", auth=other_tenant.key_auth, json_body={"name": "T"}).json()
    theirs_person = client.post(
        "/v1/people", auth=other_tenant.key_auth, json_body={"first_name": "T"}
    ).json()
    body = {"name": "X", "company_id": theirs_company["id"], "primary_contact_id": theirs_person["id"]}
    doc = problem(client.post("/v1/deals", auth=tenant.key_auth, json_body=body), 422, "reference_not_found")
    assert sorted(fields(doc)) == ["company_id", "primary_contact_id"]
    assert stored.count("deals") == 0
    deal = crm.deal()
    problem(
        client.patch(
            f"/v1/deals/{deal['id']}",
            auth=tenant.key_auth,
            json_body={"primary_contact_id": theirs_person["id"]},
        ),
        422,
        "reference_not_found",
    )
    assert crm.get(f"/v1/deals/{deal['id']}")["version"] == 1


def test_deal_lists_filter_and_sort(client, tenant, crm):
    acme = crm.company()
    crm.deal(
        name="small", amount=100, currency="EUR", company_id=acme["id"], expected_close_date="2026-03-01"
    )
    crm.deal(name="big", amount=90000, currency="EUR", expected_close_date="2026-01-01")
    crm.deal(name="none")
    crm.deal(name="won", amount=500, currency="USD", status="won")

    def names(query):
        return [d["name"] for d in crm.get("/v1/deals", query=query)["data"]]

    assert names("sort=-amount") == ["big", "won", "small", "none"]  # empty amounts last
    assert names("sort=amount") == ["small", "won", "big", "none"]
    assert names("filter[amount][gte]=500&sort=amount") == ["won", "big"]
    assert names("filter[status][in]=open,lost&filter[amount][is_null]=false") == ["big", "small"]
    assert names("filter[currency][ne]=EUR&sort=name") == ["none", "won"]
    assert names(f"filter[company_id]={acme['id']}") == ["small"]
    assert names("filter[expected_close_date][lt]=2026-02-01") == ["big"]
    assert names("sort=expected_close_date,name") == ["big", "small", "none", "won"]
    doc = problem(client.get("/v1/deals", auth=tenant.key_auth, query="filter[status]=maybe"), 422)
    assert fields(doc) == ["filter[status]"]
