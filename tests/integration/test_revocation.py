"""Revocation reaches writes at once. API Gateway caches the authorizer's answer (30 s), so a
revoked key or a removed member still arrives with a principal; the route kit re-reads the key
and the membership in the route's first round trip and refuses the write. Reads keep the cache's
window (the README's security section says so)."""

from __future__ import annotations

import pytest
from hearth_dev.sam.gateway import Gateway
from hearth_dev.sam.template import load_template

from tests.api_client import ApiClient
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def cached(database):  # type: ignore[no-untyped-def]
    """The gateway as deployed: authorizer results cached by the Authorization header."""
    return ApiClient(Gateway(load_template(ROOT), authorizer_cache=True))


def _refused(response, status, code):
    assert response.status == status, response.body
    assert response.json()["code"] == code
    assert response.header("ratelimit-limit")  # counted, like every answer
    return response.json()


def _org_name(admin_db, tenant):
    return admin_db.execute("SELECT name FROM orgs WHERE id = %s", (tenant.org_id,)).fetchone()["name"]


def test_a_revoked_key_cannot_write_while_its_authorization_is_cached(client, cached, tenant, admin_db):
    made = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": "doomed", "role": "admin"})
    assert made.status == 201, made.body
    key = f"Bearer {made.json()['secret']}"
    assert cached.get("/v1/orgs/current", auth=key).status == 200  # its principal is now cached
    assert client.delete(f"/v1/api-keys/{made.json()['id']}", **tenant.as_owner).status == 204
    before = _org_name(admin_db, tenant)
    _refused(
        cached.patch("/v1/orgs/current", auth=key, json_body={"name": "Hijacked"}), 401, "api_key_revoked"
    )
    assert _org_name(admin_db, tenant) == before
    # Reads keep the cache's window.
    assert cached.get("/v1/orgs/current", auth=key).status == 200


def test_a_key_whose_creator_left_cannot_write(client, cached, tenant, admin_db):
    admin = client.add_member(tenant, "admin")
    made = client.post(
        "/v1/api-keys", auth=admin.auth, org=tenant.org_id, json_body={"name": "theirs", "role": "admin"}
    )
    assert made.status == 201, made.body
    key = f"Bearer {made.json()['secret']}"
    assert cached.get("/v1/orgs/current", auth=key).status == 200
    assert client.delete(f"/v1/members/{admin.user_id}", **tenant.as_owner).status == 204
    _refused(cached.patch("/v1/orgs/current", auth=key, json_body={"name": "Left"}), 401, "api_key_revoked")


def test_a_removed_member_cannot_write_while_cached(client, cached, tenant, admin_db):
    member = client.add_member(tenant, "admin")
    assert cached.get("/v1/orgs/current", auth=member.auth, org=tenant.org_id).status == 200
    assert client.delete(f"/v1/members/{member.user_id}", **tenant.as_owner).status == 204
    before = _org_name(admin_db, tenant)
    refused = cached.patch(
        "/v1/orgs/current", auth=member.auth, org=tenant.org_id, json_body={"name": "Mine"}
    )
    _refused(refused, 403, "not_a_member")
    assert _org_name(admin_db, tenant) == before


def test_a_demoted_member_writes_with_the_role_held_now(client, cached, tenant, admin_db):
    member = client.add_member(tenant, "admin")
    assert cached.get("/v1/orgs/current", auth=member.auth, org=tenant.org_id).status == 200
    demoted = client.patch(f"/v1/members/{member.user_id}", **tenant.as_owner, json_body={"role": "viewer"})
    assert demoted.status == 200, demoted.body
    refused = cached.patch(
        "/v1/orgs/current", auth=member.auth, org=tenant.org_id, json_body={"name": "Nope"}
    )
    _refused(refused, 403, "permission_denied")
    # A member who still holds the role writes as before.
    kept = cached.patch("/v1/orgs/current", **tenant.as_owner, json_body={"name": "Still mine"})
    assert kept.status == 200, kept.body
