"""Deleting one's own account: refused while the last owner of an org (nothing changed); else the
user leaves every org, their keys are revoked, sessions end, email and name are erased (audit rows
keep the id), and every token of theirs is refused afterwards."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from hearth.auth import authorizer

ME = "/v1/users/me"


def _reason(auth: str, **headers: str) -> str:
    with pytest.raises(authorizer.Denied) as denied:
        authorizer.authorize({"authorization": auth, **headers})
    return denied.value.reason


def test_a_user_deletes_their_account(client: Any, tenant: Any, other_tenant: Any, admin_db: Any):
    user = client.add_member(tenant, "admin", "leaver")
    client.join(other_tenant, user, "member")
    key = client.post(
        "/v1/api-keys", auth=user.auth, org=tenant.org_id, json_body={"name": "mine", "role": "member"}
    )
    assert key.status == 201, key.body
    made = client.post(
        "/v1/companies", auth=user.auth, org=tenant.org_id, json_body={"name": "Made by leaver"}
    )
    assert made.status == 201

    deleted = client.delete(ME, auth=user.auth)
    assert deleted.status == 200, deleted.body
    body = deleted.json()
    assert sorted(body["orgs_left"]) == sorted([tenant.org_id, other_tenant.org_id])
    assert body["api_keys_revoked"] == 1

    row = admin_db.execute("SELECT * FROM users WHERE id = %s", (user.user_id,)).fetchone()
    assert (row["email"], row["name"], row["email_verified_at"]) == (None, None, None)
    assert row["deleted_at"] is not None
    for org in (tenant.org_id, other_tenant.org_id):
        assert not admin_db.execute(
            "SELECT 1 FROM org_members WHERE org_id = %s AND user_id = %s", (org, user.user_id)
        ).fetchall()
        [audited] = admin_db.execute(
            "SELECT * FROM audit_logs WHERE org_id = %s AND action = 'user.delete'", (org,)
        ).fetchall()
        assert audited["actor_id"] == user.user_id
        assert user.email not in str(audited["changes"])
    # what they made stays, with their id; their key and tokens are refused
    assert admin_db.execute(
        "SELECT created_by FROM companies WHERE id = %s", (made.json()["id"],)
    ).fetchone()["created_by"] == uuid.UUID(user.user_id)
    assert _reason(f"Bearer {key.json()['secret']}") == "api_key_revoked"
    assert _reason(user.auth) == "user_deleted"
    assert _reason(user.auth, **{"x-hearth-org": tenant.org_id}) == "user_deleted"
    assert client.get("/v1/me", auth=user.auth).status == 403
    # the email is not stored again by a later sign-in of the deleted identity
    assert (
        admin_db.execute("SELECT email FROM users WHERE id = %s", (user.user_id,)).fetchone()["email"] is None
    )


def test_the_last_owner_of_an_org_cannot_delete_their_account(client: Any, tenant: Any, admin_db: Any):
    refused = client.delete(ME, auth=tenant.owner.auth)
    assert refused.status == 409
    problem = refused.json()
    assert problem["code"] == "last_owner"
    assert problem["orgs"] == [tenant.org_id]
    row = admin_db.execute(
        "SELECT email, deleted_at FROM users WHERE id = %s", (tenant.owner.user_id,)
    ).fetchone()
    assert row["deleted_at"] is None
    assert row["email"] == tenant.owner.email
    assert client.get("/v1/companies", auth=tenant.key_auth).status == 200  # nothing changed
    # with a second owner, the first may go
    second = client.add_member(tenant, "owner", "second")
    assert second.user_id
    assert client.delete(ME, auth=tenant.owner.auth).status == 200


def test_api_keys_cannot_delete_an_account(client: Any, tenant: Any):
    refused = client.delete(ME, auth=tenant.key_auth)
    assert refused.status == 403
    assert refused.json()["code"] == "users_only"
