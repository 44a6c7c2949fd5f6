"""Timelines: interactions, linked notes and tasks and field changes, merged newest first and
paged with a cursor across the sources."""

from __future__ import annotations

from tests.integration.crm.builders import problem


def _all(crm, path, limit):
    items, cursor = [], None
    while True:
        query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = crm.get(path, query=query)
        items.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_company_timeline_merges_sources_in_time_order(client, tenant, crm):
    company = crm.company(name="Acme")
    path = f"/v1/companies/{company['id']}"
    old_call = crm.interaction(
        company_id=company["id"], subject="Old call", occurred_at="2020-01-01T09:00:00Z"
    )
    note = crm.note(body="A note", links=[{"type": "company", "id": company["id"]}])
    task = crm.task(title="A task", links=[{"type": "company", "id": company["id"]}])
    assert client.patch(path, auth=tenant.key_auth, json_body={"industry": "Retail"}).status == 200
    future = crm.interaction(company_id=company["id"], subject="Planned", occurred_at="2099-01-01T09:00:00Z")
    crm.note(body="Unrelated")  # not linked
    hidden = crm.note(body="Deleted", links=[{"type": "company", "id": company["id"]}])
    assert client.delete(f"/v1/notes/{hidden['id']}", auth=tenant.key_auth).status == 204

    items = crm.get(f"{path}/timeline")["data"]
    assert [(i["type"], i["summary"]) for i in items] == [
        ("interaction", "Planned"),
        ("field_change", "Changed industry"),
        ("task", "A task"),
        ("note", "A note"),
        ("interaction", "Old call"),
    ]
    change = items[1]
    assert change["data"] == {"industry": {"from": None, "to": "Retail"}}
    assert change["actor_type"] == "api_key"
    assert items[0]["id"] == future["id"]
    assert items[2]["id"] == task["id"]
    assert items[3]["id"] == note["id"]
    assert items[4]["id"] == old_call["id"]
    for limit in (1, 2, 3):
        assert [i["id"] for i in _all(crm, f"{path}/timeline", limit)] == [i["id"] for i in items]
    only = crm.get(f"{path}/timeline", query="types=note,task")["data"]
    assert [i["type"] for i in only] == ["task", "note"]


def test_person_and_deal_timelines(client, tenant, crm):
    person = crm.person()
    deal = crm.deal(primary_contact_id=person["id"])
    crm.interaction(person_id=person["id"], deal_id=deal["id"], subject="Both")
    stage = crm.default_pipeline["stages"][1]
    assert (
        client.patch(
            f"/v1/deals/{deal['id']}", auth=tenant.key_auth, json_body={"stage_id": stage["id"]}
        ).status
        == 200
    )
    deal_items = crm.get(f"/v1/deals/{deal['id']}/timeline")["data"]
    assert [i["type"] for i in deal_items] == ["field_change", "interaction"]
    assert deal_items[0]["data"]["stage_id"]["to"] == stage["id"]
    person_items = crm.get(f"/v1/people/{person['id']}/timeline")["data"]
    assert [i["summary"] for i in person_items] == ["Both"]


def test_timeline_errors(client, tenant, crm):
    company = crm.company()
    path = f"/v1/companies/{company['id']}/timeline"
    problem(client.get(path, auth=tenant.key_auth, query="types=emails"), 422)
    problem(client.get(path, auth=tenant.key_auth, query="cursor=nonsense"), 422)
    problem(client.get(path, auth=tenant.key_auth, query="limit=0"), 422)
    assert client.delete(f"/v1/companies/{company['id']}", auth=tenant.key_auth).status == 204
    problem(client.get(path, auth=tenant.key_auth), 404, "company_not_found")
