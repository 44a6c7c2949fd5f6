"""Cross-tenant cases: orgs, members, invitations, API keys, audit log."""

from __future__ import annotations

from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case


@case("POST /v1/orgs")
def create_org(client, victim, intruder):
    # A new org never sees another org's data.
    made = client.post("/v1/orgs", auth=intruder.owner.auth, json_body={"name": "Fresh"})
    assert made.status == 201
    assert_not_leaked(made, victim.org_id)
    members = client.get("/v1/members", auth=intruder.owner.auth, org=made.json()["id"])
    assert_not_leaked(members, victim.owner.user_id, victim.owner.email)


@case("GET /v1/orgs/current", "PATCH /v1/orgs/current")
def current_org(client, victim, intruder):
    # Naming the victim's org with the intruder's credentials is refused before any data.
    for method in ("GET", "PATCH"):
        body = {"name": "Taken"} if method == "PATCH" else None
        as_user = client.request(
            method, "/v1/orgs/current", auth=intruder.owner.auth, org=victim.org_id, json_body=body
        )
        assert as_user.status == 403  # not a member: the authorizer denies at the gateway
        as_key = client.request(
            method, "/v1/orgs/current", auth=intruder.key_auth, org=victim.org_id, json_body=body
        )
        assert as_key.status == 403
        own = client.request(method, "/v1/orgs/current", auth=intruder.key_auth, json_body=body)
        assert_not_leaked(own, victim.org_id, "Acme")
    assert client.get("/v1/orgs/current", auth=victim.key_auth).json()["name"] == "Acme"


@case("GET /v1/members")
def list_members(client, victim, intruder):
    assert_not_leaked(
        client.get("/v1/members", auth=intruder.key_auth), victim.owner.user_id, victim.owner.email
    )


@case("POST /v1/invitations")
def create_invitation(client, victim, intruder):
    # Inviting the victim's owner by address: the answer is the one any address gets (nothing
    # says the address has an account, nothing of the victim org), and the victim is unchanged.
    made = client.post(
        "/v1/invitations",
        auth=intruder.owner.auth,
        org=intruder.org_id,
        json_body={"email": victim.owner.email, "role": "viewer"},
    )
    assert made.status == 201
    assert_not_leaked(made, victim.org_id, victim.owner.user_id)
    assert sorted(made.json()) == sorted(client.invite(intruder, "nobody-at-all@example.com", "viewer"))
    own = client.get("/v1/invitations", auth=victim.owner.auth, org=victim.org_id).json()["data"]
    assert own == []


@case("GET /v1/invitations")
def list_invitations(client, victim, intruder):
    invited = client.invite(victim, "victim-invitee@example.com")
    listed = client.get("/v1/invitations", auth=intruder.owner.auth, org=intruder.org_id)
    assert listed.status == 200
    assert_not_leaked(listed, invited["id"], "victim-invitee@example.com")


@case("DELETE /v1/invitations/{invitation_id}")
def revoke_invitation(client, victim, intruder):
    invited = client.invite(victim, "keep-me@example.com")
    path = f"/v1/invitations/{invited['id']}"
    assert_hidden(client.delete(path, auth=intruder.owner.auth, org=intruder.org_id), "keep-me@example.com")
    mine = client.get("/v1/invitations", auth=victim.owner.auth, org=victim.org_id).json()["data"]
    assert [(i["id"], i["status"]) for i in mine] == [(invited["id"], "pending")]


@case("POST /v1/invitations/accept")
def accept_invitation(client, victim, intruder):
    # The victim's token in another identity's hands makes no member; nor does a token naming
    # the victim org with a made-up secret.
    token = client.invite(victim, "only-for-them@example.com", "admin")["token"]
    stolen = client.post("/v1/invitations/accept", auth=intruder.owner.auth, json_body={"token": token})
    assert stolen.status == 403
    assert_not_leaked(stolen, victim.org_id, "only-for-them@example.com")
    forged = "hi_" + token[3:25] + "A" * (len(token) - 25)
    refused = client.post("/v1/invitations/accept", auth=intruder.owner.auth, json_body={"token": forged})
    assert refused.json()["code"] == "invitation_not_found"
    assert_not_leaked(refused, victim.org_id)
    members = client.get("/v1/members", auth=victim.owner.auth, org=victim.org_id).json()["data"]
    assert [m["user_id"] for m in members] == [victim.owner.user_id]


@case("PATCH /v1/members/{user_id}", "DELETE /v1/members/{user_id}")
def member_by_id(client, victim, intruder):
    target = client.add_member(victim, "member")
    path = f"/v1/members/{target.user_id}"
    assert_hidden(client.patch(path, **intruder.as_owner, json_body={"role": "admin"}), target.email)
    assert_hidden(client.delete(path, **intruder.as_owner), target.email)
    still = client.get("/v1/members", auth=victim.key_auth).json()["data"]
    assert {m["user_id"]: m["role"] for m in still}[target.user_id] == "member"


@case("GET /v1/api-keys", "POST /v1/api-keys")
def api_keys(client, victim, intruder):
    listed = client.get("/v1/api-keys", auth=intruder.key_auth)
    assert_not_leaked(listed, victim.api_key_id, victim.api_key[:10])
    made = client.post("/v1/api-keys", **intruder.as_owner, json_body={"name": "x"})
    assert made.status == 201
    assert_not_leaked(made, victim.org_id, victim.api_key_id)


@case("DELETE /v1/api-keys/{key_id}")
def revoke_api_key(client, victim, intruder):
    assert_hidden(
        client.delete(f"/v1/api-keys/{victim.api_key_id}", auth=intruder.key_auth), victim.api_key[:10]
    )
    assert client.get("/v1/orgs/current", auth=victim.key_auth).status == 200  # still works


@case("GET /v1/audit-logs", "GET /v1/audit-logs/verify")
def audit_logs(client, victim, intruder):
    logs = client.get("/v1/audit-logs", auth=intruder.key_auth)
    assert logs.status == 200
    assert_not_leaked(logs, victim.org_id, victim.api_key_id, victim.owner.user_id)
    filtered = client.get("/v1/audit-logs", auth=intruder.key_auth, query=f"resource_id={victim.api_key_id}")
    assert filtered.json()["data"] == []
    verify = client.get("/v1/audit-logs/verify", auth=intruder.key_auth).json()
    own_rows = len(client.get("/v1/audit-logs", auth=intruder.key_auth, query="limit=200").json()["data"])
    anchor = verify.pop("anchor")
    assert verify == {"valid": True, "rows_checked": own_rows, "first_invalid_seq": None, "reason": None}
    assert anchor["anchors_checked"] == 0  # no anchor bucket in these tests: nothing of anyone's
