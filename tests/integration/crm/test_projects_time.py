"""Projects (from won deals), members, time entries and the project summary."""

from __future__ import annotations

from tests.integration.crm.builders import fields, problem


def test_a_project_from_a_won_deal_takes_its_name_and_company(client, tenant, crm):
    acme = crm.company()
    deal = crm.deal(name="Acme rollout", company_id=acme["id"])
    doc = problem(client.post("/v1/projects", auth=tenant.key_auth, json_body={"deal_id": deal["id"]}), 422)
    assert doc["errors"][0]["code"] == "deal_not_won"
    assert (
        client.patch(f"/v1/deals/{deal['id']}", auth=tenant.key_auth, json_body={"status": "won"}).status
        == 200
    )
    made = client.post("/v1/projects", auth=tenant.key_auth, json_body={"deal_id": deal["id"]})
    assert made.status == 201, made.body
    project = made.json()
    assert (project["name"], project["company_id"], project["deal_id"]) == (
        "Acme rollout",
        acme["id"],
        deal["id"],
    )
    problem(
        client.post("/v1/projects", auth=tenant.key_auth, json_body={"deal_id": deal["id"]}),
        409,
        "deal_has_project",
    )
    problem(client.post("/v1/projects", auth=tenant.key_auth, json_body={}), 422)
    problem(
        client.post(
            "/v1/projects",
            auth=tenant.key_auth,
            json_body={"name": "x", "start_date": "2026-02-01", "due_date": "2026-01-01"},
        ),
        422,
    )
    problem(
        client.patch(
            f"/v1/projects/{project['id']}",
            auth=tenant.key_auth,
            json_body={"due_date": "2000-01-01", "start_date": "2001-01-01"},
        ),
        422,
    )


def test_project_members(client, tenant, crm, stored):
    project = crm.project()
    member = client.add_member(tenant, "member", label="builder")
    base = f"/v1/projects/{project['id']}/members"
    added = client.post(base, auth=tenant.key_auth, json_body={"user_id": member.user_id, "role": "lead"})
    assert added.status == 201, added.body
    assert added.json()["email"] == member.email
    problem(client.post(base, auth=tenant.key_auth, json_body={"user_id": member.user_id}), 409)
    problem(
        client.post(
            base, auth=tenant.key_auth, json_body={"user_id": "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"}
        ),
        422,
    )
    problem(
        client.post(base, auth=tenant.key_auth, json_body={"user_id": member.user_id, "role": "boss"}), 422
    )
    assert client.post(base, auth=tenant.key_auth, json_body={"user_id": tenant.owner.user_id}).status == 201
    listed = crm.get(base)["data"]
    assert [(m["user_id"], m["role"]) for m in listed] == [
        (member.user_id, "lead"),
        (tenant.owner.user_id, "contributor"),
    ]
    assert [m["user_id"] for m in crm.get(base, query="filter[role]=lead")["data"]] == [member.user_id]
    assert [
        p["id"] for p in crm.get("/v1/projects", query=f"filter[member_id]={member.user_id}")["data"]
    ] == [project["id"]]
    assert client.delete(f"{base}/{tenant.owner.user_id}", auth=tenant.key_auth).status == 204
    problem(client.delete(f"{base}/{tenant.owner.user_id}", auth=tenant.key_auth), 404)
    # Leaving the org leaves its projects.
    assert client.delete(f"/v1/members/{member.user_id}", **tenant.as_owner).status == 204
    assert crm.get(base)["data"] == []
    assert [e["type"] for e in stored.events() if e["type"].startswith("project.member")] == [
        "project.member_added",
        "project.member_added",
        "project.member_removed",
    ]


def test_time_entries_and_the_summary(client, tenant, other_tenant, crm, stored):
    project = crm.project(budget_minutes=300)
    task = crm.task(links=[{"type": "project", "id": project["id"]}])
    done = crm.task(links=[{"type": "project", "id": project["id"]}], status="done")
    crm.task()  # not on the project
    made = client.post(
        "/v1/time-entries",
        auth=tenant.key_auth,
        json_body={
            "project_id": project["id"],
            "task_id": task["id"],
            "minutes": 120,
            "entry_date": "2026-01-15",
        },
    )
    assert made.status == 201, made.body
    assert made.json()["member_id"] == tenant.owner.user_id  # the key's creator, by default
    crm.time_entry(project_id=project["id"], minutes=240, billable=False)
    gone = crm.time_entry(project_id=project["id"], minutes=600)
    assert client.delete(f"/v1/time-entries/{gone['id']}", auth=tenant.key_auth).status == 204
    summary = crm.get(f"/v1/projects/{project['id']}/summary")
    assert summary["logged_minutes"] == 360
    assert summary["billable_minutes"] == 120
    assert summary["remaining_minutes"] == -60
    assert summary["over_budget"] is True
    assert summary["budget_used_percent"] == 120.0
    assert summary["tasks"] == {"open": 1, "in_progress": 0, "done": 1, "cancelled": 0, "total": 2}
    assert done["completed_at"] is not None
    # A task of another project (or another org), or another org's project, is refused.
    elsewhere = crm.task()
    doc = problem(
        client.post(
            "/v1/time-entries",
            auth=tenant.key_auth,
            json_body={
                "project_id": project["id"],
                "task_id": elsewhere["id"],
                "minutes": 5,
                "entry_date": "2026-01-15",
            },
        ),
        422,
    )
    assert fields(doc) == ["task_id"]
    their_project = client.post("/v1/projects", auth=other_tenant.key_auth, json_body={"name": "T"}).json()
    their_task = client.post("/v1/tasks", auth=other_tenant.key_auth, json_body={"title": "T"}).json()
    for body in (
        {"project_id": their_project["id"], "minutes": 5, "entry_date": "2026-01-15"},
        {"project_id": project["id"], "task_id": their_task["id"], "minutes": 5, "entry_date": "2026-01-15"},
    ):
        problem(
            client.post("/v1/time-entries", auth=tenant.key_auth, json_body=body), 422, "reference_not_found"
        )
    for body in ({"minutes": 0}, {"minutes": 1441}, {"entry_date": "soon"}):
        full = {"project_id": project["id"], "minutes": 5, "entry_date": "2026-01-15", **body}
        problem(client.post("/v1/time-entries", auth=tenant.key_auth, json_body=full), 422)
    assert stored.count("time_entries") == 3
    entries = crm.get(
        "/v1/time-entries", query=f"filter[project_id]={project['id']}&filter[billable]=true&sort=-minutes"
    )
    assert [e["minutes"] for e in entries["data"]] == [120]


def test_members_log_time_and_delete_only_their_own(client, tenant, crm):
    member = client.add_member(tenant, "member")
    project = crm.project()
    mine = client.post(
        "/v1/time-entries",
        auth=member.auth,
        org=tenant.org_id,
        json_body={"project_id": project["id"], "minutes": 30, "entry_date": "2026-01-15"},
    ).json()
    assert mine["member_id"] == member.user_id
    owners = crm.time_entry(project_id=project["id"])
    problem(client.delete(f"/v1/time-entries/{owners['id']}", auth=member.auth, org=tenant.org_id), 403)
    assert client.delete(f"/v1/time-entries/{mine['id']}", auth=member.auth, org=tenant.org_id).status == 204
    restored = client.post(f"/v1/time-entries/{mine['id']}/restore", auth=member.auth, org=tenant.org_id)
    assert restored.status == 200
