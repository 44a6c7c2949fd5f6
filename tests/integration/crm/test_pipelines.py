"""Pipelines and stages: the default pipeline every org gets, one default at a time, stage
rules, and what cannot be deleted."""

from __future__ import annotations

import uuid

from tests.integration.crm.builders import problem


def test_every_new_org_has_a_default_pipeline_with_ordered_stages(crm):
    pipeline = crm.default_pipeline
    assert pipeline["name"] == "Sales"
    assert pipeline["is_default"] is True
    assert [(s["name"], s["probability"]) for s in pipeline["stages"]] == [
        ("Lead", 10),
        ("Qualified", 30),
        ("Proposal", 60),
        ("Negotiation", 80),
    ]


def test_orgs_from_before_the_crm_get_one_from_the_backfill(admin_db):
    org = str(uuid.uuid4())
    admin_db.execute("SET session_replication_role = replica")  # no triggers: an org from before
    try:
        admin_db.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Old')", (org,))
    finally:
        admin_db.execute("SET session_replication_role = DEFAULT")
    assert (
        admin_db.execute("SELECT count(*) AS n FROM pipelines WHERE org_id = %s", (org,)).fetchone()["n"] == 0
    )
    admin_db.execute("SELECT crm_backfill_default_pipelines()")
    admin_db.execute("SELECT crm_backfill_default_pipelines()")  # idempotent
    rows = admin_db.execute(
        "SELECT p.name, count(s.id) AS stages FROM pipelines p JOIN pipeline_stages s ON s.pipeline_id = p.id"
        " WHERE p.org_id = %s AND p.is_default GROUP BY p.name",
        (org,),
    ).fetchall()
    assert rows == [{"name": "Sales", "stages": 4}]


def test_one_default_at_a_time_and_it_cannot_be_deleted(client, tenant, crm, stored):
    sales = crm.default_pipeline
    made = client.post(
        "/v1/pipelines",
        auth=tenant.key_auth,
        json_body={"name": "Partners", "is_default": True, "stages": [{"name": "Intro", "probability": 20}]},
    )
    assert made.status == 201, made.body
    partners = made.json()
    assert partners["is_default"] is True
    assert crm.get(f"/v1/pipelines/{sales['id']}")["is_default"] is False
    problem(client.delete(f"/v1/pipelines/{partners['id']}", auth=tenant.key_auth), 409, "default_pipeline")
    problem(
        client.patch(
            f"/v1/pipelines/{partners['id']}", auth=tenant.key_auth, json_body={"is_default": False}
        ),
        422,
        "validation_failed",
    )
    back = client.patch(f"/v1/pipelines/{sales['id']}", auth=tenant.key_auth, json_body={"is_default": True})
    assert back.status == 200
    assert client.delete(f"/v1/pipelines/{partners['id']}", auth=tenant.key_auth).status == 204
    assert [p["name"] for p in crm.get("/v1/pipelines")["data"]] == ["Sales"]
    assert client.post(f"/v1/pipelines/{partners['id']}/restore", auth=tenant.key_auth).status == 200
    assert stored.audit("pipeline.update")


def test_bad_pipelines_are_refused(client, tenant, crm):
    bad = [
        {"name": "X", "stages": []},
        {"name": "X", "stages": [{"name": "A", "probability": 101}]},
        {"name": "X", "stages": [{"name": "A", "probability": 1}, {"name": "a", "probability": 2}]},
        {"stages": [{"name": "A", "probability": 1}]},
    ]
    for body in bad:
        problem(client.post("/v1/pipelines", auth=tenant.key_auth, json_body=body), 422)
    problem(
        client.post(
            "/v1/pipelines",
            auth=tenant.key_auth,
            json_body={"name": "sales", "stages": [{"name": "A", "probability": 1}]},
        ),
        409,
        "name_taken",
    )
    assert len(crm.get("/v1/pipelines")["data"]) == 1


def test_stages_are_added_ordered_renamed_and_protected(client, tenant, crm):
    pipeline = crm.pipeline(stages=[{"name": "One", "probability": 10}, {"name": "Two", "probability": 50}])
    base = f"/v1/pipelines/{pipeline['id']}/stages"
    added = client.post(base, auth=tenant.key_auth, json_body={"name": "Three", "probability": 90})
    assert added.status == 201
    three = added.json()
    assert three["position"] == 2
    assert added.header("location") == f"{base}/{three['id']}"
    first = client.post(
        base, auth=tenant.key_auth, json_body={"name": "Zero", "probability": 5, "position": 0}
    )
    stages = crm.get(f"/v1/pipelines/{pipeline['id']}")["stages"]
    assert [s["name"] for s in stages] == ["One", "Zero", "Two", "Three"]  # same position: older first
    problem(
        client.post(base, auth=tenant.key_auth, json_body={"name": "one", "probability": 1}),
        409,
        "stage_name_taken",
    )
    renamed = client.patch(
        f"{base}/{three['id']}", auth=tenant.key_auth, json_body={"name": "Won-ish", "position": 9}
    )
    assert renamed.status == 200
    assert renamed.json()["version"] == 2
    # A stage with an open deal cannot go; without, it can, and comes back.
    deal = crm.deal(pipeline_id=pipeline["id"], stage_id=three["id"])
    problem(client.delete(f"{base}/{three['id']}", auth=tenant.key_auth), 409, "stage_in_use")
    assert (
        client.patch(f"/v1/deals/{deal['id']}", auth=tenant.key_auth, json_body={"status": "won"}).status
        == 200
    )
    assert client.delete(f"{base}/{three['id']}", auth=tenant.key_auth).status == 204
    problem(client.patch(f"{base}/{three['id']}", auth=tenant.key_auth, json_body={"probability": 1}), 404)
    assert client.post(f"{base}/{three['id']}/restore", auth=tenant.key_auth).status == 200
    # The last stage stays.
    for stage in crm.get(f"/v1/pipelines/{pipeline['id']}")["stages"][:-1]:
        if stage["id"] != three["id"]:
            assert client.delete(f"{base}/{stage['id']}", auth=tenant.key_auth).status == 204
    assert first.status == 201


def test_a_pipeline_with_open_deals_cannot_be_deleted(client, tenant, crm):
    pipeline = crm.pipeline()
    crm.deal(pipeline_id=pipeline["id"])
    problem(client.delete(f"/v1/pipelines/{pipeline['id']}", auth=tenant.key_auth), 409, "pipeline_in_use")


def test_only_admins_manage_pipelines(client, tenant, crm):
    member = client.add_member(tenant, "member")
    viewer = client.add_member(tenant, "viewer")
    assert client.get("/v1/pipelines", auth=viewer.auth, org=tenant.org_id).status == 200
    body = {"name": "Mine", "stages": [{"name": "A", "probability": 1}]}
    problem(client.post("/v1/pipelines", auth=member.auth, org=tenant.org_id, json_body=body), 403)
    stages = f"/v1/pipelines/{crm.default_pipeline['id']}/stages"
    problem(
        client.post(stages, auth=member.auth, org=tenant.org_id, json_body={"name": "B", "probability": 1}),
        403,
    )
