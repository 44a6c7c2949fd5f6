"""Companies: every operation, its bad inputs (a problem document, nothing changed), its audit
rows and events, soft delete and restore, upsert and batches."""

from __future__ import annotations

import pytest

from tests.integration.crm.builders import fields, problem

ACME = {
    "name": "  Acme GmbH ",
    "domain": "ACME.example.",
    "industry": "Manufacturing",
    "employee_count": 120,
    "annual_revenue": 1_250_000_00,
    "annual_revenue_currency": "eur",
    "address": {"line1": "Hauptstraße 1", "city": "Berlin", "country": "de"},
    "tags": ["customer", " vip ", "customer"],
    "properties": {"tier": "gold", "seats": 40, "gone": None},
}


def test_create_normalises_and_answers_with_location_and_etag(client, tenant, stored):
    made = client.post("/v1/companies", auth=tenant.key_auth, json_body=ACME)
    assert made.status == 201, made.body
    body = made.json()
    assert body["name"] == "Acme GmbH"
    assert body["domain"] == "acme.example"
    assert body["annual_revenue_currency"] == "EUR"
    assert body["address"]["country"] == "DE"
    assert body["tags"] == ["customer", "vip"]
    assert body["properties"] == {"tier": "gold", "seats": 40}
    assert body["version"] == 1
    assert body["deleted_at"] is None
    assert made.header("location") == f"/v1/companies/{body['id']}"
    assert made.header("etag") == '"1"'
    [event] = stored.events("company.created")
    assert event["resource_id"] == body["id"]
    assert event["payload"]["object"]["domain"] == "acme.example"
    [row] = stored.audit("company.create")
    assert row["changes"]["name"] == "Acme GmbH"
    got = client.get(f"/v1/companies/{body['id']}", auth=tenant.key_auth)
    assert got.status == 200
    assert got.json() == body
    assert got.header("etag") == '"1"'


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "A", "domain": "https://acme.example/x"}, "domain"),
        ({"name": "A", "domain": "localhost"}, "domain"),
        ({"name": "A", "annual_revenue_currency": "EUO"}, "annual_revenue_currency"),
        ({"name": "A", "annual_revenue": -1}, "annual_revenue"),
        ({"name": "A", "annual_revenue": 100}, "annual_revenue_currency"),
        ({"name": "A", "employee_count": "many"}, "employee_count"),
        ({"name": "A", "tags": ["ok", "<script>"]}, "tags"),
        ({"name": "A", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"name": "A", "properties": {"Bad Key": 1}}, "properties"),
        (
            {"name": "A", "properties": {"k": {"nested": 1}}},
            "properties.k",
        ),
        ({"name": "A", "properties": {f"k{i}": i for i in range(51)}}, "properties"),
        (
            {
                "name": "A",
                "properties": {"k": "x" * 1000, "j": "y" * 1000, **{f"p{i}": "z" * 900 for i in range(8)}},
            },
            "properties",
        ),
        ({"name": "A", "address": {"country": "Germany"}}, "address.country"),
        ({"name": "A", "owner_id": "not-a-uuid"}, "owner_id"),
        ({"name": "A", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field_and_creates_nothing(client, tenant, stored, body, field):
    doc = problem(client.post("/v1/companies", auth=tenant.key_auth, json_body=body), 422)
    assert any(f == field or f.startswith(field) for f in fields(doc)), doc
    assert stored.count("companies") == 0
    assert stored.events() == []


def test_owner_must_be_a_member_of_the_org(client, tenant, other_tenant, stored):
    doc = problem(
        client.post(
            "/v1/companies",
            auth=tenant.key_auth,
            json_body={"name": "A", "owner_id": other_tenant.owner.user_id},
        ),
        422,
        "reference_not_found",
    )
    assert fields(doc) == ["owner_id"]
    assert stored.count("companies") == 0
    made = client.post(
        "/v1/companies", auth=tenant.key_auth, json_body={"name": "A", "owner_id": tenant.owner.user_id}
    )
    assert made.status == 201


def test_malformed_json_is_400(client, tenant):
    bad = client.post(
        "/v1/companies", auth=tenant.key_auth, body=b'{"name": ', headers={"content-type": "application/json"}
    )
    problem(bad, 400, "malformed_json")


def test_domain_is_unique_among_live_companies_only(client, tenant, crm):
    first = crm.company(domain="acme.example")
    doc = problem(
        client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": "B", "domain": "ACME.example"}),
        409,
        "domain_taken",
    )
    assert fields(doc) == ["domain"]
    assert client.delete(f"/v1/companies/{first['id']}", auth=tenant.key_auth).status == 204
    second = crm.company(domain="acme.example")  # the deleted one no longer holds the domain
    problem(client.post(f"/v1/companies/{first['id']}/restore", auth=tenant.key_auth), 409, "domain_taken")
    assert (
        client.patch(
            f"/v1/companies/{second['id']}", auth=tenant.key_auth, json_body={"domain": "acme2.example"}
        ).status
        == 200
    )
    restored = client.post(f"/v1/companies/{first['id']}/restore", auth=tenant.key_auth)
    assert restored.status == 200
    assert restored.json()["deleted_at"] is None


def test_update_changes_what_was_sent_and_records_it(client, tenant, crm, stored, admin_db):
    company = crm.company(
        **{k: v for k, v in ACME.items() if k != "properties"}, properties={"tier": "gold", "a": 1}
    )
    path = f"/v1/companies/{company['id']}"
    changed = client.patch(
        path,
        auth=tenant.key_auth,
        json_body={"employee_count": 150, "industry": None, "properties": {"a": None, "b": 2}},
        headers={"if-match": '"1"'},
    )
    assert changed.status == 200, changed.body
    body = changed.json()
    assert body["employee_count"] == 150
    assert body["industry"] is None
    assert body["properties"] == {"tier": "gold", "b": 2}  # merged; null removed a key
    assert body["name"] == company["name"]
    assert body["version"] == 2
    assert changed.header("etag") == '"2"'
    [event] = stored.events("company.updated")
    assert event["payload"]["changed_fields"] == ["employee_count", "industry", "properties"]
    assert event["payload"]["previous_attributes"]["employee_count"] == 120
    [audit] = stored.audit("company.update")
    assert audit["changes"]["employee_count"] == {"from": 120, "to": 150}
    history = admin_db.execute(
        "SELECT changes FROM record_changes WHERE company_id = %s", (company["id"],)
    ).fetchall()
    assert [sorted(h["changes"]) for h in history] == [["employee_count", "industry", "properties"]]
    # Nothing to change: same version, no event.
    same = client.patch(path, auth=tenant.key_auth, json_body={"employee_count": 150})
    assert same.json()["version"] == 2
    assert len(stored.events("company.updated")) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"name": None}, 422),
        ({"tags": None}, 422),
        ({"domain": "not a domain"}, 422),
        ({"annual_revenue": 5}, 422),  # no currency stored
        ({"annual_revenue_currency": "XXX"}, 422),
        ({"id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"}, 422),
    ],
)
def test_bad_updates_change_nothing(client, tenant, crm, stored, body, status):
    company = crm.company()
    problem(client.patch(f"/v1/companies/{company['id']}", auth=tenant.key_auth, json_body=body), status)
    assert crm.get(f"/v1/companies/{company['id']}") == company
    assert stored.events("company.updated") == []


def test_stale_if_match_is_412_and_changes_nothing(client, tenant, crm):
    company = crm.company()
    path = f"/v1/companies/{company['id']}"
    assert client.patch(path, auth=tenant.key_auth, json_body={"industry": "A"}).status == 200
    stale = client.patch(path, auth=tenant.key_auth, json_body={"industry": "B"}, headers={"if-match": '"1"'})
    doc = problem(stale, 412, "stale_version")
    assert stale.header("etag") == '"2"'
    assert "version 2" in doc["detail"]
    problem(client.delete(path, auth=tenant.key_auth, headers={"if-match": '"1"'}), 412)
    problem(
        client.patch(path, auth=tenant.key_auth, json_body={"industry": "B"}, headers={"if-match": "x"}), 400
    )
    assert crm.get(path)["industry"] == "A"
    weak = client.patch(
        path, auth=tenant.key_auth, json_body={"industry": "C"}, headers={"if-match": 'W/"2"'}
    )
    assert weak.status == 200


def test_soft_delete_hides_and_restore_brings_back(client, tenant, crm, stored):
    company = crm.company()
    path = f"/v1/companies/{company['id']}"
    assert client.delete(path, auth=tenant.key_auth).status == 204
    problem(client.get(path, auth=tenant.key_auth), 404, "company_not_found")
    problem(client.patch(path, auth=tenant.key_auth, json_body={"industry": "x"}), 404)
    problem(client.delete(path, auth=tenant.key_auth), 404)
    assert crm.get("/v1/companies")["data"] == []
    listed = crm.get("/v1/companies", query="include_deleted=true&filter[deleted_at][is_null]=false")["data"]
    assert [c["id"] for c in listed] == [company["id"]]
    assert crm.get(path, query="include_deleted=true")["deleted_at"] is not None
    assert (
        stored.count("companies", "id = %s AND deleted_at IS NOT NULL", (company["id"],)) == 1
    )  # still stored
    restored = client.post(path + "/restore", auth=tenant.key_auth)
    assert restored.status == 200
    assert restored.json()["deleted_at"] is None
    problem(client.post(path + "/restore", auth=tenant.key_auth), 409, "not_deleted")
    assert [e["type"] for e in stored.events(resource_id=company["id"])] == [
        "company.created",
        "company.deleted",
        "company.restored",
    ]
    assert [a["action"] for a in stored.audit("company.delete")] == ["company.delete"]


def test_roles_viewers_read_members_delete_only_their_own(client, tenant, crm):
    member = client.add_member(tenant, "member")
    viewer = client.add_member(tenant, "viewer")
    admin = client.add_member(tenant, "admin")
    owners = crm.company()
    as_member = client.post("/v1/companies", auth=member.auth, org=tenant.org_id, json_body={"name": "Mine"})
    assert as_member.status == 201
    mine = as_member.json()
    assert client.get(f"/v1/companies/{owners['id']}", auth=viewer.auth, org=tenant.org_id).status == 200
    problem(client.post("/v1/companies", auth=viewer.auth, org=tenant.org_id, json_body={"name": "V"}), 403)
    patched = client.patch(
        f"/v1/companies/{owners['id']}", auth=member.auth, org=tenant.org_id, json_body={"industry": "Edited"}
    )
    assert patched.status == 200  # members edit everything
    problem(
        client.delete(f"/v1/companies/{owners['id']}", auth=member.auth, org=tenant.org_id), 403, "not_owner"
    )
    assert client.delete(f"/v1/companies/{mine['id']}", auth=member.auth, org=tenant.org_id).status == 204
    problem(
        client.get("/v1/companies", auth=member.auth, org=tenant.org_id, query="include_deleted=true"),
        403,
        "permission_denied",
    )
    deleted = client.get("/v1/companies", auth=admin.auth, org=tenant.org_id, query="include_deleted=true")
    assert mine["id"] in [c["id"] for c in deleted.json()["data"]]
    # A member owns what is assigned to them, too.
    assigned = crm.company(owner_id=member.user_id)
    assert client.delete(f"/v1/companies/{assigned['id']}", auth=member.auth, org=tenant.org_id).status == 204


def test_removing_the_owner_member_clears_the_owner_only(client, tenant, crm):
    member = client.add_member(tenant, "member")
    company = crm.company(owner_id=member.user_id)
    assert client.delete(f"/v1/members/{member.user_id}", **tenant.as_owner).status == 204
    after = crm.get(f"/v1/companies/{company['id']}")
    assert after["owner_id"] is None
    assert after["name"] == company["name"]


def test_upsert_by_domain_creates_then_updates(client, tenant, stored):
    body = {"name": "Globex", "domain": "globex.example", "industry": "Energy"}
    first = client.put("/v1/companies", auth=tenant.key_auth, query="match=domain", json_body=body)
    assert first.status == 201
    assert first.header("location") == f"/v1/companies/{first.json()['id']}"
    second = client.put(
        "/v1/companies",
        auth=tenant.key_auth,
        query="match=domain",
        json_body={"name": "Globex Corp", "domain": "GLOBEX.example"},
    )
    assert second.status == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["name"] == "Globex Corp"
    assert second.json()["industry"] == "Energy"  # not sent: kept
    assert stored.count("companies") == 1
    problem(
        client.put("/v1/companies", auth=tenant.key_auth, query="match=domain", json_body={"name": "X"}), 422
    )
    problem(client.put("/v1/companies", auth=tenant.key_auth, query="match=name", json_body=body), 422)
    stale = client.put(
        "/v1/companies",
        auth=tenant.key_auth,
        query="match=domain",
        json_body=body,
        headers={"if-match": '"1"'},
    )
    problem(stale, 412)


def test_batch_create_reports_each_item(client, tenant, crm, stored):
    crm.company(domain="taken.example")
    items = [
        {"name": "One"},
        {"name": "Two", "domain": "taken.example"},
        {"name": "Three", "owner_id": tenant.api_key_id},
    ]
    done = client.post("/v1/companies/batch/create", auth=tenant.key_auth, json_body={"items": items})
    assert done.status == 200, done.body
    result = done.json()
    assert [r["status"] for r in result["results"]] == [201, 409, 422]
    assert (result["succeeded"], result["failed"]) == (1, 2)
    assert result["results"][0]["data"]["name"] == "One"
    assert result["results"][1]["error"]["code"] == "domain_taken"
    assert result["results"][2]["error"]["errors"][0]["field"] == "owner_id"
    assert done.header("location") is None
    assert [e["payload"]["object"]["name"] for e in stored.events("company.created")][1:] == ["One"]
    assert stored.count("companies") == 2
    assert len(stored.audit("company.create")) == 2


def test_batch_bodies_are_validated_whole(client, tenant, stored):
    problem(client.post("/v1/companies/batch/create", auth=tenant.key_auth, json_body={"items": []}), 422)
    too_many = {"items": [{"name": f"c{i}"} for i in range(101)]}
    problem(client.post("/v1/companies/batch/create", auth=tenant.key_auth, json_body=too_many), 422)
    doc = problem(
        client.post(
            "/v1/companies/batch/create", auth=tenant.key_auth, json_body={"items": [{"name": "ok"}, {}]}
        ),
        422,
    )
    assert "items.1.name" in fields(doc)
    assert stored.count("companies") == 0


def test_batch_update_with_versions(client, tenant, crm, stored):
    a, b = crm.company(), crm.company()
    items = [
        {"id": a["id"], "version": 1, "changes": {"industry": "Retail"}},
        {"id": b["id"], "version": 7, "changes": {"industry": "Retail"}},
        {"id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f", "changes": {"industry": "Retail"}},
    ]
    done = client.post("/v1/companies/batch/update", auth=tenant.key_auth, json_body={"items": items})
    assert done.status == 200
    assert [r["status"] for r in done.json()["results"]] == [200, 412, 404]
    assert crm.get(f"/v1/companies/{a['id']}")["industry"] == "Retail"
    assert crm.get(f"/v1/companies/{b['id']}")["industry"] is None
    assert len(stored.events("company.updated")) == 1
    problem(
        client.post(
            "/v1/companies/batch/update",
            auth=tenant.key_auth,
            json_body={"items": [{"id": a["id"], "changes": {}}]},
        ),
        422,
    )


def test_idempotency_key_replays_and_refuses_another_body(client, tenant, stored):
    headers = {"idempotency-key": "create-acme-1"}
    first = client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": "Acme"}, headers=headers)
    again = client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": "Acme"}, headers=headers)
    assert first.status == again.status == 201
    assert again.json() == first.json()
    assert again.header("idempotent-replayed") == "true"
    other = client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": "Other"}, headers=headers)
    problem(other, 422, "idempotency_key_reused")
    assert stored.count("companies") == 1
    assert len(stored.events("company.created")) == 1
