"""Members: who may add, change and remove whom; the org always keeps an owner."""

from __future__ import annotations

import threading


def _members(client, tenant):
    return {m["user_id"]: m for m in client.get("/v1/members", auth=tenant.key_auth).json()["data"]}


def test_members_join_only_by_invitation(client, tenant):
    # Adding a user directly (the directory oracle: 201 with their id, name and email, or 422
    # user_not_found) is gone: the route does not exist.
    stranger = client.new_user("stranger")
    for body in ({"email": stranger.email, "role": "viewer"}, {"email": "nobody-yet@example.com"}):
        response = client.post("/v1/members", auth=tenant.owner.auth, org=tenant.org_id, json_body=body)
        assert response.status == 404, response.body
        assert stranger.email not in response.body.decode()
    assert stranger.subject not in str(_members(client, tenant))
    joined = client.add_member(tenant, "viewer", "emma")
    assert _members(client, tenant)[joined.user_id]["email"] == joined.email
    assert _members(client, tenant)[joined.user_id]["role"] == "viewer"


def test_nobody_grants_above_their_own_role_or_touches_a_higher_role(client, tenant):
    admin = client.add_member(tenant, "admin")
    member = client.add_member(tenant, "member")
    as_admin = {"auth": admin.auth, "org": tenant.org_id}
    newcomer = client.new_user("newcomer")
    denied = client.post("/v1/invitations", json_body={"email": newcomer.email, "role": "owner"}, **as_admin)
    assert (denied.status, denied.json()["code"]) == (403, "role_above_yours")
    assert (
        client.post(
            "/v1/invitations", json_body={"email": newcomer.email, "role": "admin"}, **as_admin
        ).status
        == 201
    )
    owner_path = f"/v1/members/{tenant.owner.user_id}"
    assert (
        client.patch(owner_path, json_body={"role": "viewer"}, **as_admin).json()["code"]
        == "member_above_you"
    )
    assert client.delete(owner_path, **as_admin).json()["code"] == "member_above_you"
    promote = client.patch(f"/v1/members/{member.user_id}", json_body={"role": "owner"}, **as_admin)
    assert promote.json()["code"] == "role_above_yours"
    # A member may not manage others, but may leave.
    as_member = {"auth": member.auth, "org": tenant.org_id}
    assert client.delete(f"/v1/members/{admin.user_id}", **as_member).json()["code"] == "permission_denied"
    assert client.delete(f"/v1/members/{member.user_id}", **as_member).status == 204
    assert member.user_id not in _members(client, tenant)


def test_the_org_keeps_an_owner(client, tenant):
    owner_path = f"/v1/members/{tenant.owner.user_id}"
    demote = client.patch(owner_path, **tenant.as_owner, json_body={"role": "admin"})
    assert (demote.status, demote.json()["code"]) == (409, "last_owner")
    leave = client.delete(owner_path, auth=tenant.owner.auth, org=tenant.org_id)
    assert (leave.status, leave.json()["code"]) == (409, "last_owner")
    second = client.add_member(tenant, "member")
    assert (
        client.patch(f"/v1/members/{second.user_id}", **tenant.as_owner, json_body={"role": "owner"}).status
        == 200
    )
    assert client.delete(owner_path, auth=tenant.owner.auth, org=tenant.org_id).status == 204
    # The keys of a member who left stop working with them.
    assert client.get("/v1/members", auth=tenant.key_auth).status == 403
    remaining = client.get("/v1/members", auth=second.auth, org=tenant.org_id).json()["data"]
    assert [(m["user_id"], m["role"]) for m in remaining] == [(second.user_id, "owner")]


def test_two_owners_demoting_each_other_at_once_leave_one_owner(client, tenant, admin_db):
    second = client.add_member(tenant, "owner", "co-owner")
    barrier = threading.Barrier(2)
    results = []

    def demote(actor, target):
        barrier.wait()
        results.append(
            client.patch(
                f"/v1/members/{target}", auth=actor.auth, org=tenant.org_id, json_body={"role": "admin"}
            )
        )

    threads = [
        threading.Thread(target=demote, args=(tenant.owner, second.user_id)),
        threading.Thread(target=demote, args=(second, tenant.owner.user_id)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    owners = admin_db.execute(
        "SELECT count(*) AS n FROM org_members WHERE org_id = %s AND role = 'owner'", (tenant.org_id,)
    ).fetchone()
    assert owners["n"] == 1
    assert sorted(r.status for r in results) in ([200, 403], [200, 409])


def test_member_updates_use_etags(client, tenant):
    user = client.add_member(tenant, "viewer")
    path = f"/v1/members/{user.user_id}"
    first = client.patch(path, **tenant.as_owner, json_body={"role": "member"})
    etag = first.header("etag")
    assert etag == f'"{first.json()["version"]}"'
    stale = client.patch(path, **tenant.as_owner, json_body={"role": "admin"}, headers={"if-match": '"1"'})
    assert stale.status == 412
    assert (
        client.patch(path, **tenant.as_owner, json_body={"role": "admin"}, headers={"if-match": etag}).status
        == 200
    )


def test_members_list_pages(client, tenant):
    for i in range(4):
        client.add_member(tenant, "viewer", f"v{i}")
    seen, cursor = [], None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get("/v1/members", auth=tenant.key_auth, query=query).json()
        seen += [m["user_id"] for m in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5


def test_member_changes_are_audited(client, tenant):
    user = client.add_member(tenant, "viewer")
    client.patch(f"/v1/members/{user.user_id}", **tenant.as_owner, json_body={"role": "member"})
    client.delete(f"/v1/members/{user.user_id}", **tenant.as_owner)
    actions = [
        r["action"]
        for r in client.get(
            "/v1/audit-logs", auth=tenant.key_auth, query=f"resource_id={user.user_id}"
        ).json()["data"]
    ]
    assert actions == ["member.remove", "member.update", "member.add"]
