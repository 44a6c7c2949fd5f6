"""Invitations: the one way into an org. Created by email with a role (the same answer whether or
not the address has an account), listed, revoked, and accepted once, within 7 days, by the
signed-in identity whose verified email is the invited address."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from hearth.auth.tokens import mint_dev_token

ACCEPT = "/v1/invitations/accept"


def _members(client, tenant):
    listed = client.get("/v1/members", auth=tenant.owner.auth, org=tenant.org_id).json()["data"]
    return {m["user_id"]: m["role"] for m in listed}


def _invitations(client, tenant, query=""):
    response = client.get("/v1/invitations", auth=tenant.owner.auth, org=tenant.org_id, query=query)
    assert response.status == 200, response.body
    return response.json()["data"]


def _accept(client, user_auth, token):
    return client.post(ACCEPT, auth=user_auth, json_body={"token": token})


def _signed_in(client, email, *, verified=True, label="invitee"):
    """A user of the identity provider with ``email`` (verified or not), provisioned."""
    subject = f"test|{label}-{uuid.uuid4().hex[:10]}"
    token = mint_dev_token(subject, email=email, email_verified=verified, name=label.title())
    assert client.get("/v1/orgs/current", auth=f"Bearer {token}").status == 400  # provisions
    return f"Bearer {token}"


def _code(response):
    return response.status, response.json().get("code")


def test_invite_then_accept_with_the_verified_address(client, tenant):
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.com"
    made = client.post("/v1/invitations", auth=tenant.owner.auth, org=tenant.org_id,
                       json_body={"email": email, "role": "admin"})  # fmt: skip
    assert made.status == 201, made.body
    invitation = made.json()
    assert invitation["status"] == "pending"
    assert invitation["role"] == "admin"
    assert invitation["token"].startswith("hi_")
    expires = datetime.fromisoformat(invitation["expires_at"])
    assert timedelta(days=7) - timedelta(minutes=1) < expires - datetime.now(UTC) <= timedelta(days=7)
    # Listed without the token.
    listed = _invitations(client, tenant)
    assert [i["id"] for i in listed] == [invitation["id"]]
    assert "token" not in listed[0]
    assert (
        invitation["token"]
        not in client.get("/v1/invitations", auth=tenant.owner.auth, org=tenant.org_id).body.decode()
    )

    # The person signs up later, with the address verified, and accepts.
    user = _signed_in(client, email)
    accepted = _accept(client, user, invitation["token"])
    assert accepted.status == 200, accepted.body
    joined = accepted.json()
    assert joined["org_id"] == tenant.org_id
    assert joined["role"] == "admin"
    assert joined["invitation_id"] == invitation["id"]
    assert _members(client, tenant)[joined["user_id"]] == "admin"
    assert client.get("/v1/orgs/current", auth=user, org=tenant.org_id).json()["role"] == "admin"
    after = _invitations(client, tenant, "filter[status]=accepted")
    assert [(i["id"], i["accepted_by"]) for i in after] == [(invitation["id"], joined["user_id"])]
    assert _invitations(client, tenant, "filter[status]=pending") == []
    # Once only.
    assert _code(_accept(client, user, invitation["token"])) == (409, "invitation_accepted")
    # Audited: who invited whom, who accepted, the membership.
    logs = client.get("/v1/audit-logs", auth=tenant.owner.auth, org=tenant.org_id, query="limit=200")
    actions = [(r["action"], r["resource_id"], r["actor_id"]) for r in logs.json()["data"]]
    assert ("invitation.create", invitation["id"], tenant.owner.user_id) in actions
    assert ("invitation.accept", invitation["id"], joined["user_id"]) in actions
    assert ("member.add", joined["user_id"], joined["user_id"]) in actions
    assert invitation["token"] not in logs.body.decode()


def test_the_answer_to_create_is_the_same_whether_or_not_the_address_has_an_account(client, tenant):
    known = client.new_user("known")  # has an account (and a verified address)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    answers = []
    for email in (known.email, unknown):
        response = client.post("/v1/invitations", auth=tenant.owner.auth, org=tenant.org_id,
                               json_body={"email": email, "role": "member"})  # fmt: skip
        body = response.json()
        varying = {"id", "token", "email", "created_at", "expires_at"}
        headers = sorted(name.lower() for name, _ in response.headers)
        answers.append((response.status, headers, {k: v for k, v in body.items() if k not in varying}))
        assert "Known" not in response.body.decode()
    assert answers[0] == answers[1]


def test_only_the_verified_holder_of_the_address_accepts(client, tenant):
    email = f"target-{uuid.uuid4().hex[:8]}@example.com"
    token = client.invite(tenant, email, "member")["token"]
    before = _members(client, tenant)
    # Someone claiming the address without the provider verifying it.
    squatter = _signed_in(client, email, verified=False, label="squatter")
    assert _code(_accept(client, squatter, token)) == (403, "invitation_for_another_address")
    # Someone else entirely, with the token.
    other = _signed_in(client, f"other-{uuid.uuid4().hex[:8]}@example.com", label="other")
    assert _code(_accept(client, other, token)) == (403, "invitation_for_another_address")
    # An API key cannot accept for anyone.
    assert _code(_accept(client, tenant.key_auth, token)) == (403, "users_only")
    assert _members(client, tenant) == before
    # The real owner of the address, verified (with another letter case), can.
    owner_of_address = _signed_in(client, email.upper(), label="real")
    assert _accept(client, owner_of_address, token).status == 200
    assert len(_members(client, tenant)) == len(before) + 1


def test_unknown_malformed_and_forged_tokens_are_refused_alike(client, tenant):
    user = _signed_in(client, f"u-{uuid.uuid4().hex[:8]}@example.com")
    real = client.invite(tenant, "someone@example.com")["token"]
    forged = real[:25] + ("B" if real[25] != "B" else "C") + real[26:]
    for token in ("nonsense", "hi_" + "A" * 54, "hi_!!", forged, real + "x"):
        assert _code(_accept(client, user, token)) == (422, "invitation_not_found"), token
    assert _code(client.post(ACCEPT, auth=user, json_body={})) == (422, "validation_failed")


def test_revoke_expire_replace_and_void(client, tenant, admin_db):
    user_email = f"later-{uuid.uuid4().hex[:8]}@example.com"
    first = client.invite(tenant, user_email, "viewer")
    # Inviting the same address again replaces the pending invitation.
    second = client.invite(tenant, user_email, "member")
    statuses = {i["id"]: i["status"] for i in _invitations(client, tenant)}
    assert statuses == {first["id"]: "revoked", second["id"]: "pending"}
    user = _signed_in(client, user_email)
    assert _code(_accept(client, user, first["token"])) == (409, "invitation_revoked")
    # Revoked: the token stops working; revoking twice is fine.
    path = f"/v1/invitations/{second['id']}"
    assert client.delete(path, auth=tenant.owner.auth, org=tenant.org_id).status == 204
    assert client.delete(path, auth=tenant.owner.auth, org=tenant.org_id).status == 204
    assert _code(_accept(client, user, second["token"])) == (409, "invitation_revoked")
    assert _code(client.delete(f"/v1/invitations/{uuid.uuid4()}", auth=tenant.owner.auth,
                               org=tenant.org_id)) == (404, "invitation_not_found")  # fmt: skip
    # Expired after 7 days.
    third = client.invite(tenant, user_email, "member")
    admin_db.execute(
        "UPDATE invitations SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day'"
        " WHERE id = %s",
        (third["id"],),
    )
    assert _code(_accept(client, user, third["token"])) == (409, "invitation_expired")
    assert {i["id"]: i["status"] for i in _invitations(client, tenant)}[third["id"]] == "expired"
    # An inviter who can no longer grant the role voids the invitation.
    admin = client.add_member(tenant, "admin", "inviter")
    fourth = client.post("/v1/invitations", auth=admin.auth, org=tenant.org_id,
                         json_body={"email": user_email, "role": "admin"}).json()  # fmt: skip
    demoted = client.patch(f"/v1/members/{admin.user_id}", auth=tenant.owner.auth, org=tenant.org_id,
                           json_body={"role": "member"})  # fmt: skip
    assert demoted.status == 200
    assert _code(_accept(client, user, fourth["token"])) == (409, "invitation_void")
    # An accepted invitation is not revoked (remove the member instead).
    fifth = client.invite(tenant, user_email, "viewer")
    assert _accept(client, user, fifth["token"]).status == 200
    accepted_path = f"/v1/invitations/{fifth['id']}"
    gone = client.delete(accepted_path, auth=tenant.owner.auth, org=tenant.org_id)
    assert _code(gone) == (409, "invitation_accepted")


def test_inviting_a_member_or_above_your_role(client, tenant):
    member = client.add_member(tenant, "member", "already")
    again = client.post("/v1/invitations", auth=tenant.owner.auth, org=tenant.org_id,
                        json_body={"email": member.email})  # fmt: skip
    assert _code(again) == (409, "already_a_member")
    admin = client.add_member(tenant, "admin", "boss")
    above = client.post("/v1/invitations", auth=admin.auth, org=tenant.org_id,
                        json_body={"email": "ceo@example.com", "role": "owner"})  # fmt: skip
    assert _code(above) == (403, "role_above_yours")
    as_member = client.post("/v1/invitations", auth=member.auth, org=tenant.org_id,
                            json_body={"email": "friend@example.com"})  # fmt: skip
    assert _code(as_member) == (403, "permission_denied")
    for bad in (
        {},
        {"email": "not-an-email"},
        {"email": "a@example.com", "role": "king"},
        {"email": "a@b.co", "x": 1},
    ):
        response = client.post("/v1/invitations", auth=tenant.owner.auth, org=tenant.org_id, json_body=bad)
        assert _code(response) == (422, "validation_failed"), bad


def test_the_database_keeps_outcomes_final_and_times_its_own(client, tenant, app_db):
    invited = client.invite(tenant, "final@example.com")
    client.delete(f"/v1/invitations/{invited['id']}", auth=tenant.owner.auth, org=tenant.org_id)
    with app_db.transaction():
        app_db.execute("SELECT set_config('app.org_id', %s, true)", (tenant.org_id,))
        with pytest.raises(psycopg.errors.CheckViolation):
            app_db.execute("UPDATE invitations SET revoked_at = NULL WHERE id = %s", (invited["id"],))
    with app_db.transaction():
        app_db.execute("SELECT set_config('app.org_id', %s, true)", (tenant.org_id,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_db.execute(
                "INSERT INTO invitations (org_id, email, role, token_hash, invited_by, expires_at)"
                " VALUES (%s, 'x@example.com', 'owner', %s, %s, now() + interval '10 years')",
                (tenant.org_id, b"x" * 32, tenant.owner.user_id),
            )
