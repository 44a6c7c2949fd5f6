"""Tasks (links, dependencies, cycles, completion), notes (links) and interactions."""

from __future__ import annotations

import pytest

from tests.integration.crm.builders import fields, problem


def test_task_links_and_dependencies(client, tenant, crm, stored):
    company, deal, project = crm.company(), crm.deal(), crm.project()
    first = crm.task(links=[{"type": "project", "id": project["id"]}])
    made = client.post(
        "/v1/tasks",
        auth=tenant.key_auth,
        json_body={
            "title": "Second",
            "links": [{"type": "company", "id": company["id"]}, {"type": "deal", "id": deal["id"]}],
            "depends_on": [first["id"], first["id"]],
            "assignee_id": tenant.owner.user_id,
        },
    )
    assert made.status == 201, made.body
    task = made.json()
    assert task["links"] == [{"type": "company", "id": company["id"]}, {"type": "deal", "id": deal["id"]}]
    assert task["depends_on"] == [first["id"]]
    by_deal = crm.get("/v1/tasks", query=f"filter[deal_id]={deal['id']}")["data"]
    assert [t["id"] for t in by_deal] == [task["id"]]
    either = crm.get(
        "/v1/tasks", query=f"filter[project_id][in]={project['id']},{deal['id']}&sort=created_at"
    )
    assert [t["id"] for t in either["data"]] == [first["id"]]
    relinked = client.patch(
        f"/v1/tasks/{task['id']}",
        auth=tenant.key_auth,
        json_body={"links": [{"type": "company", "id": company["id"]}]},
    )
    assert relinked.json()["links"] == [{"type": "company", "id": company["id"]}]
    assert relinked.json()["version"] == 2  # only links changed: still a new version
    [event] = stored.events("task.updated")
    assert event["payload"]["changed_fields"] == ["links"]
    assert stored.count("task_links", "task_id = %s", (task["id"],)) == 1


def test_dependency_cycles_are_refused(client, tenant, crm, stored):
    a = crm.task(title="a")
    b = crm.task(title="b", depends_on=[a["id"]])
    c = crm.task(title="c", depends_on=[b["id"]])
    doc = problem(
        client.patch(f"/v1/tasks/{a['id']}", auth=tenant.key_auth, json_body={"depends_on": [c["id"]]}),
        422,
        None,
    )
    assert doc["errors"][0]["code"] == "cycle"
    doc = problem(
        client.patch(f"/v1/tasks/{a['id']}", auth=tenant.key_auth, json_body={"depends_on": [a["id"]]}),
        422,
        None,
    )
    assert doc["errors"][0]["code"] == "self_dependency"
    assert crm.get(f"/v1/tasks/{a['id']}")["depends_on"] == []
    assert stored.count("task_dependencies") == 2
    ok = client.patch(
        f"/v1/tasks/{c['id']}", auth=tenant.key_auth, json_body={"depends_on": [a["id"], b["id"]]}
    )
    assert ok.status == 200


def test_a_task_is_done_only_after_what_it_depends_on(client, tenant, crm, stored):
    first = crm.task()
    second = crm.task(depends_on=[first["id"]])
    path = f"/v1/tasks/{second['id']}"
    problem(
        client.patch(path, auth=tenant.key_auth, json_body={"status": "done"}), 409, "blocked_by_dependencies"
    )
    assert crm.get(path)["status"] == "open"
    problem(
        client.post(
            "/v1/tasks",
            auth=tenant.key_auth,
            json_body={"title": "x", "status": "done", "depends_on": [first["id"]]},
        ),
        409,
    )
    assert (
        client.patch(
            f"/v1/tasks/{first['id']}", auth=tenant.key_auth, json_body={"status": "cancelled"}
        ).status
        == 200
    )
    done = client.patch(path, auth=tenant.key_auth, json_body={"status": "done"})
    assert done.status == 200
    assert done.json()["completed_at"] is not None
    [completed] = stored.events("task.completed")
    assert completed["resource_id"] == second["id"]
    reopened = client.patch(path, auth=tenant.key_auth, json_body={"status": "in_progress"})
    assert reopened.json()["completed_at"] is None


def test_tasks_cannot_link_or_depend_across_tenants(client, tenant, other_tenant, crm, stored):
    theirs = client.post("/v1/tasks", auth=other_tenant.key_auth, json_body={"title": "Theirs"}).json()
    their_company = client.post("/v1/companies", auth=other_tenant.key_auth, json_body={"name": "T"}).json()
    body = {
        "title": "x",
        "links": [{"type": "company", "id": their_company["id"]}],
        "depends_on": [theirs["id"]],
    }
    doc = problem(client.post("/v1/tasks", auth=tenant.key_auth, json_body=body), 422, "reference_not_found")
    assert fields(doc) == ["links.0.id"]
    problem(
        client.post(
            "/v1/tasks", auth=tenant.key_auth, json_body={"title": "x", "depends_on": [theirs["id"]]}
        ),
        422,
        "reference_not_found",
    )
    mine = crm.task()
    for patch in (
        {"depends_on": [theirs["id"]]},
        {"links": [{"type": "company", "id": their_company["id"]}]},
    ):
        problem(client.patch(f"/v1/tasks/{mine['id']}", auth=tenant.key_auth, json_body=patch), 422)
    assert stored.count("tasks") == 1
    assert stored.count("task_links") == 0
    assert stored.count("task_dependencies") == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "x", "status": "blocked"},
        {"title": "x", "priority": "asap"},
        {"title": "x", "links": [{"type": "planet", "id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"}]},
        {"title": "x", "links": [{"type": "company"}]},
        {"title": "x", "due_date": "tomorrow"},
        {"title": "x", "assignee_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"},
    ],
)
def test_bad_tasks_are_refused(client, tenant, stored, body):
    problem(client.post("/v1/tasks", auth=tenant.key_auth, json_body=body), 422)
    assert stored.count("tasks") == 0


def test_members_delete_tasks_assigned_to_them(client, tenant, crm):
    member = client.add_member(tenant, "member")
    theirs = crm.task(assignee_id=member.user_id)
    other = crm.task()
    assert client.delete(f"/v1/tasks/{theirs['id']}", auth=member.auth, org=tenant.org_id).status == 204
    problem(client.delete(f"/v1/tasks/{other['id']}", auth=member.auth, org=tenant.org_id), 403)


def test_notes_link_to_records(client, tenant, other_tenant, crm, stored):
    person = crm.person()
    note = crm.note(body="Met at the fair", links=[{"type": "person", "id": person["id"]}])
    assert note["links"] == [{"type": "person", "id": person["id"]}]
    found = crm.get("/v1/notes", query=f"filter[person_id]={person['id']}&q=FAIR")["data"]
    assert [n["id"] for n in found] == [note["id"]]
    theirs = client.post("/v1/people", auth=other_tenant.key_auth, json_body={"first_name": "T"}).json()
    problem(
        client.patch(
            f"/v1/notes/{note['id']}",
            auth=tenant.key_auth,
            json_body={"links": [{"type": "person", "id": theirs["id"]}]},
        ),
        422,
        "reference_not_found",
    )
    problem(client.post("/v1/notes", auth=tenant.key_auth, json_body={"body": "  "}), 422)
    edited = client.patch(f"/v1/notes/{note['id']}", auth=tenant.key_auth, json_body={"body": "Demo booked"})
    assert edited.json()["links"] == note["links"]
    member = client.add_member(tenant, "member")
    problem(client.delete(f"/v1/notes/{note['id']}", auth=member.auth, org=tenant.org_id), 403)
    assert [e["type"] for e in stored.events(resource_id=note["id"])] == ["note.created", "note.updated"]


def test_interactions(client, tenant, crm, stored):
    person = crm.person()
    made = client.post(
        "/v1/interactions",
        auth=tenant.key_auth,
        json_body={"type": "sms", "direction": "inbound", "person_id": person["id"], "external_ref": "SMabc"},
    )
    assert made.status == 201, made.body
    sms = made.json()
    assert sms["occurred_at"] is not None
    problem(
        client.post(
            "/v1/interactions",
            auth=tenant.key_auth,
            json_body={"type": "sms", "person_id": person["id"], "external_ref": "SMabc"},
        ),
        409,
        "external_ref_taken",
    )
    other_case = client.post(
        "/v1/interactions",
        auth=tenant.key_auth,
        json_body={"type": "sms", "person_id": person["id"], "external_ref": "SMABC"},
    )
    assert other_case.status == 201  # provider ids are case-sensitive
    problem(client.post("/v1/interactions", auth=tenant.key_auth, json_body={"type": "call"}), 422)
    problem(
        client.post(
            "/v1/interactions",
            auth=tenant.key_auth,
            json_body={"type": "call", "person_id": person["id"], "occurred_at": "2026-01-01T10:00:00"},
        ),
        422,
    )
    problem(
        client.patch(f"/v1/interactions/{sms['id']}", auth=tenant.key_auth, json_body={"person_id": None}),
        422,
    )
    assert client.delete(f"/v1/interactions/{sms['id']}", auth=tenant.key_auth).status == 204
    again = client.post(
        "/v1/interactions",
        auth=tenant.key_auth,
        json_body={"type": "sms", "person_id": person["id"], "external_ref": "SMabc"},
    )
    assert again.status == 201  # the deleted one no longer holds the reference
    latest = crm.get("/v1/interactions", query=f"filter[person_id]={person['id']}&filter[type]=sms")["data"]
    assert len(latest) == 2
    assert stored.count("interactions") == 3
