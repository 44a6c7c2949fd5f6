"""Abuse limits: a user's requests are counted across every org they act in (more orgs buy no
more budget), org creation is limited per user and day, and every answer of a route carries the
RateLimit headers."""

from __future__ import annotations


def _user_id(admin_db, user):
    return admin_db.execute("SELECT id FROM users WHERE idp_subject = %s", (user.subject,)).fetchone()["id"]


def test_a_user_gets_no_more_budget_from_more_orgs(client, admin_db):
    user = client.new_user("rotator")
    orgs = []
    for name in ("One", "Two"):
        created = client.post("/v1/orgs", auth=user.auth, json_body={"name": name})
        assert created.status == 201, created.body
        orgs.append(created.json()["id"])
    admin_db.execute("UPDATE orgs SET plan = 'tiny' WHERE id = ANY(%s::uuid[])", (orgs,))  # 3 a minute
    admin_db.execute("DELETE FROM user_rate_counters WHERE user_id = %s", (_user_id(admin_db, user),))
    for _ in range(3):
        assert client.get("/v1/orgs/current", auth=user.auth, org=orgs[0]).status == 200
    refused = client.get("/v1/orgs/current", auth=user.auth, org=orgs[1])
    assert refused.status == 429, refused.body
    assert "across all orgs" in refused.json()["detail"]
    assert refused.header("ratelimit-remaining") == "0"
    assert refused.header("retry-after")


def test_org_creation_is_limited_per_user_and_day(client, admin_db):
    user = client.new_user("founder")
    for i in range(10):  # the default: HEARTH_ORG_CREATIONS_PER_DAY
        created = client.post("/v1/orgs", auth=user.auth, json_body={"name": f"Org {i}"})
        assert created.status == 201, created.body
        assert created.header("ratelimit-limit")
    refused = client.post("/v1/orgs", auth=user.auth, json_body={"name": "One too many"})
    assert refused.status == 429, refused.body
    assert refused.json()["code"] == "org_limit_reached"
    assert 1 <= int(refused.header("retry-after")) <= 86400
    assert refused.header("ratelimit-limit")
    made = admin_db.execute(
        "SELECT count(*) AS n FROM org_members WHERE user_id = %s", (_user_id(admin_db, user),)
    ).fetchone()
    assert made["n"] == 10
    # Another user is not affected.
    assert (
        client.post("/v1/orgs", auth=client.new_user("other").auth, json_body={"name": "Mine"}).status == 201
    )


def test_every_answer_carries_the_rate_limit_headers(client, tenant):
    viewer = client.add_member(tenant, "viewer")
    answers = {
        "400 no org named": client.get("/v1/orgs/current", auth=tenant.owner.auth),
        "403 role": client.patch(
            "/v1/orgs/current", auth=viewer.auth, org=tenant.org_id, json_body={"name": "Viewer's"}
        ),
        "422": client.patch("/v1/orgs/current", auth=tenant.key_auth, json_body={"name": ""}),
        "404": client.get("/v1/events/00000000-0000-4000-8000-000000000000", auth=tenant.key_auth),
        "200": client.get("/v1/orgs/current", auth=tenant.key_auth),
        "201 (no tenant)": client.post("/v1/orgs", auth=viewer.auth, json_body={"name": "Own"}),
    }
    for what, response in answers.items():
        assert response.status == int(what[:3]), (what, response.body)
        for header in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"):
            assert response.header(header), (what, header)
