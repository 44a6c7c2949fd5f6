"""API keys: shown once, stored hashed, scoped to their creator's role, revocable."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

from tests.conftest import PEPPER


def test_the_secret_is_shown_once_and_stored_as_a_keyed_hash(client, tenant, admin_db):
    soon = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    made = client.post(
        "/v1/api-keys",
        **tenant.as_owner,
        json_body={"name": "deploy", "role": "admin", "expires_at": soon},
    )
    assert made.status == 201
    body = made.json()
    secret = body["secret"]
    assert secret.startswith("hk_")
    assert len(secret) == 43
    assert body["prefix"] == secret[:10]
    assert made.header("location") == f"/v1/api-keys/{body['id']}"
    stored = admin_db.execute("SELECT key_hash FROM api_keys WHERE id = %s", (body["id"],)).fetchone()
    assert bytes(stored["key_hash"]) == hmac.new(PEPPER.encode(), secret.encode(), hashlib.sha256).digest()
    listed = client.get("/v1/api-keys", auth=tenant.key_auth).json()["data"]
    assert body["id"] in {k["id"] for k in listed}
    text = str(listed)
    assert secret not in text
    assert "key_hash" not in text
    assert client.get("/v1/orgs/current", auth=f"Bearer {secret}").status == 200


def test_a_key_cannot_exceed_its_creators_role(client, tenant):
    member = client.add_member(tenant, "member")
    denied = client.post(
        "/v1/api-keys", auth=member.auth, org=tenant.org_id, json_body={"name": "x", "role": "admin"}
    )
    assert (denied.status, denied.json()["code"]) == (403, "role_above_yours")
    ok = client.post(
        "/v1/api-keys", auth=member.auth, org=tenant.org_id, json_body={"name": "x", "role": "viewer"}
    )
    assert ok.status == 201
    # A key cannot make keys at all (test_api_key_privilege.py), whatever its role.
    viewer_key = f"Bearer {ok.json()['secret']}"
    assert client.post("/v1/api-keys", auth=viewer_key, json_body={"name": "y"}).status == 403


def test_members_see_and_revoke_only_their_own_keys(client, tenant):
    member = client.add_member(tenant, "member")
    own = client.post("/v1/api-keys", auth=member.auth, org=tenant.org_id, json_body={"name": "mine"}).json()
    as_member = {"auth": member.auth, "org": tenant.org_id}
    listed = client.get("/v1/api-keys", **as_member).json()["data"]
    assert [k["id"] for k in listed] == [own["id"]]
    assert client.delete(f"/v1/api-keys/{tenant.api_key_id}", **as_member).status == 404
    assert client.get("/v1/orgs/current", auth=tenant.key_auth).status == 200
    assert client.delete(f"/v1/api-keys/{own['id']}", **as_member).status == 204
    assert client.delete(f"/v1/api-keys/{own['id']}", **as_member).status == 204  # revoking twice is fine
    assert client.get("/v1/orgs/current", auth=f"Bearer {own['secret']}").status == 403
    revoked = [
        k for k in client.get("/v1/api-keys", auth=tenant.key_auth).json()["data"] if k["id"] == own["id"]
    ]
    assert revoked[0]["revoked_at"] is not None
    assert client.delete(f"/v1/api-keys/{uuid.uuid4()}", auth=tenant.key_auth).status == 404


def test_viewers_cannot_create_keys_and_users_only_create_orgs(client, tenant):
    viewer = client.add_member(tenant, "viewer")
    assert (
        client.post("/v1/api-keys", auth=viewer.auth, org=tenant.org_id, json_body={"name": "v"}).status
        == 403
    )
    by_key = client.post("/v1/orgs", auth=tenant.key_auth, json_body={"name": "Spawned"})
    assert (by_key.status, by_key.json()["code"]) == (403, "users_only")


def test_an_idempotent_replay_returns_the_secret_which_is_stored_only_sealed(client, tenant, admin_db):
    headers = {"idempotency-key": "make-deploy-key"}
    first = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "deploy"}, headers=headers)
    replay = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "deploy"}, headers=headers)
    assert replay.header("idempotent-replayed") == "true"
    assert replay.json()["secret"] == first.json()["secret"]
    stored = admin_db.execute(
        "SELECT body, body_sealed FROM idempotency_keys WHERE org_id = %s AND key = 'make-deploy-key'",
        (tenant.org_id,),
    ).fetchone()
    assert stored["body"] is None
    assert first.json()["secret"].encode() not in bytes(stored["body_sealed"])
    # The sealed copy is bound to its org and key: moved to another key it does not open.
    admin_db.execute(
        "UPDATE idempotency_keys SET key = 'moved' WHERE org_id = %s AND key = 'make-deploy-key'",
        (tenant.org_id,),
    )
    moved = client.post(
        "/v1/api-keys",
        **tenant.as_owner,
        json_body={"name": "deploy"},
        headers={"idempotency-key": "moved"},
    )
    assert moved.status == 500
    assert first.json()["secret"] not in moved.body.decode()
