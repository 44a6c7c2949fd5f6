"""API keys never decide who can act for the org: no key creates keys or changes membership,
whatever its role, and a key never outlives the credential that created it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from hearth_dev.sam.functions import load_module
from hearth_dev.sam.template import load_template

from hearth import rbac
from hearth.api_keys import logic
from hearth.auth import authorizer
from hearth.auth.tokens import mint_dev_token
from hearth.http.api import Api
from hearth.principal import Principal
from hearth.problems import Unauthorized, Unprocessable
from tests.conftest import ROOT

ROUTES = []
for fn in load_template(ROOT).functions.values():
    for route in fn.routes:
        api = getattr(load_module(fn), "api", None)
        if isinstance(api, Api) and api.spec is not None and api.spec.permission is not None:
            ROUTES.append((route.route_key, api.spec.permission))

ROLES = ("owner", "admin", "member", "viewer")


def _key(client, tenant, role, **fields):
    made = client.post("/v1/api-keys", **tenant.as_owner, json_body={"name": role, "role": role, **fields})
    assert made.status == 201, made.body
    return made.json()


def _count_keys(admin_db, tenant) -> int:
    row = admin_db.execute("SELECT count(*) AS n FROM api_keys WHERE org_id = %s", (tenant.org_id,))
    return int(row.fetchone()["n"])


@pytest.fixture(scope="module")
def keys(client):
    tenant = client.new_tenant("Keys")
    return tenant, {role: f"Bearer {_key(client, tenant, role)['secret']}" for role in ROLES}


def test_the_users_only_permissions_are_the_ones_that_mint_keys_or_change_membership():
    declared = {perm for _key, perm in ROUTES}
    users_only = {perm for perm in declared if rbac.users_only(perm)}
    assert "api_keys:create" in users_only
    membership = {p for p in declared if p.split(":")[0] in rbac.MEMBERSHIP_RESOURCES}
    assert {p for p in membership if not p.endswith(":read")} <= users_only
    assert not {p for p in users_only if p.endswith(":read")}
    # Every role that holds one as a user is refused it as a key.
    for perm in users_only:
        for role in ROLES:
            assert rbac.scope(role, perm, credential="api_key") is None


def test_users_only_covers_membership_actions_not_yet_written():
    for permission in ("members:transfer", "invitations:resend", "invitations:update", "api_keys:create"):
        assert rbac.users_only(permission)
        assert rbac.scope("owner", permission, credential="api_key") is None
    readers = ("members:read", "invitations:read", "api_keys:read", "api_keys:delete", "companies:delete")
    for permission in readers:
        assert not rbac.users_only(permission)
    assert rbac.scope("owner", "api_keys:delete", credential="api_key") == "all"
    assert rbac.scope("member", "api_keys:create") == "all"  # users keep it


@pytest.mark.parametrize(("route_key", "permission"), sorted(ROUTES))
def test_route_permission_matrix_for_api_keys(client, keys, route_key, permission):
    _tenant, by_role = keys
    method, path = route_key.split(" ", 1)
    concrete = re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)
    for role, auth in by_role.items():
        body = {} if method in ("POST", "PUT", "PATCH") else None
        response = client.request(method, concrete, auth=auth, json_body=body)
        denied = response.status == 403 and response.json().get("code") == "permission_denied"
        expected = rbac.scope(role, permission, credential="api_key") is None
        assert denied is expected, (role, response.status, response.body[:300])
        assert response.status < 500, (role, response.status, response.body[:300])


def test_a_short_lived_key_cannot_mint_a_lasting_one(client, tenant, admin_db):
    parent = _key(client, tenant, "owner", expires_at=(datetime.now(UTC) + timedelta(minutes=5)).isoformat())
    before = _count_keys(admin_db, tenant)
    minted = client.post("/v1/api-keys", auth=f"Bearer {parent['secret']}", json_body={"name": "forever"})
    assert (minted.status, minted.json()["code"]) == (403, "permission_denied")
    assert "API keys cannot api_keys:create" in minted.json()["detail"]
    assert _count_keys(admin_db, tenant) == before
    # Not even the org owner's key.
    assert client.post("/v1/api-keys", auth=tenant.key_auth, json_body={"name": "again"}).status == 403


def test_a_member_key_cannot_remove_its_creator(client, tenant):
    member = client.add_member(tenant, "member")
    made = client.post("/v1/api-keys", auth=member.auth, org=tenant.org_id, json_body={"name": "ci"})
    assert made.status == 201
    key = f"Bearer {made.json()['secret']}"
    removed = client.delete(f"/v1/members/{member.user_id}", auth=key)
    assert (removed.status, removed.json()["code"]) == (403, "permission_denied")
    listed = client.get("/v1/members", **tenant.as_owner).json()["data"]
    assert member.user_id in {m["user_id"] for m in listed}
    assert client.get("/v1/orgs/current", auth=key).status == 200
    # The member, signed in, may still leave.
    assert client.delete(f"/v1/members/{member.user_id}", auth=member.auth, org=tenant.org_id).status == 204


def test_keys_of_any_role_cannot_change_membership(client, tenant):
    target = client.add_member(tenant, "viewer")
    owner_key = tenant.key_auth
    path = f"/v1/members/{target.user_id}"
    for response in (
        client.patch(path, auth=owner_key, json_body={"role": "member"}),
        client.delete(path, auth=owner_key),
    ):
        assert (response.status, response.json()["code"]) == (403, "permission_denied")
    still = {m["user_id"]: m["role"] for m in client.get("/v1/members", auth=owner_key).json()["data"]}
    assert still[target.user_id] == "viewer"
    context = authorizer.authorize({"authorization": owner_key}).to_context()
    held = str(context["permissions"]).split(",")
    assert "members:read" in held
    assert "api_keys:read" in held
    assert not {p for p in held if rbac.users_only(p)}


def test_a_key_never_outlives_the_session_that_created_it(client, tenant, admin_db):
    exp = int(datetime.now(UTC).timestamp()) + 600
    token = mint_dev_token(tenant.owner.subject, email=tenant.owner.email, name="Owner", ttl_seconds=600)
    session = {"auth": f"Bearer {token}", "org": tenant.org_id}
    session_end = datetime.fromtimestamp(exp, UTC)

    by_default = client.post("/v1/api-keys", json_body={"name": "default"}, **session)
    assert by_default.status == 201, by_default.body
    expires = datetime.fromisoformat(by_default.json()["expires_at"])
    assert abs((expires - session_end).total_seconds()) <= 2
    # The key's principal carries its own end.
    principal = authorizer.authorize({"authorization": f"Bearer {by_default.json()['secret']}"})
    assert principal.expires_at == int(expires.timestamp())

    before = _count_keys(admin_db, tenant)
    later = (session_end + timedelta(hours=1)).isoformat()
    refused = client.post("/v1/api-keys", json_body={"name": "later", "expires_at": later}, **session)
    assert refused.status == 422, refused.body
    errors = [(e["field"], e["code"]) for e in refused.json()["errors"]]
    assert errors == [("expires_at", "after_credential_expiry")]
    assert _count_keys(admin_db, tenant) == before

    sooner = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    within = client.post(
        "/v1/api-keys", json_body={"name": "sooner", "expires_at": sooner.isoformat()}, **session
    )
    assert within.status == 201
    assert datetime.fromisoformat(within.json()["expires_at"]) == sooner


def _ctx(**principal):
    fields = {"user_id": uuid.uuid4(), "api_key_id": None, "org_id": uuid.uuid4(), "role": rbac.Role.OWNER}
    return SimpleNamespace(principal=Principal(rate_limit=60, **(fields | principal)))


def test_a_key_made_by_a_key_would_end_no_later_than_its_parent():
    """No role lets a key make keys today; should one ever, the parent's expiry still binds."""
    end = int((datetime.now(UTC) + timedelta(days=1)).timestamp())
    parent = _ctx(kind="api_key", api_key_id=uuid.uuid4(), expires_at=end)
    assert logic.expiry(parent, None) == datetime.fromtimestamp(end, UTC)  # type: ignore[arg-type]
    with pytest.raises(Unprocessable):
        logic.expiry(parent, datetime.fromtimestamp(end + 1, UTC))  # type: ignore[arg-type]
    endless = _ctx(kind="api_key", api_key_id=uuid.uuid4(), expires_at=None)
    assert logic.expiry(endless, None) is None  # type: ignore[arg-type]
    # A user's context always names its session's end; one that does not is refused, and so is
    # a token already past its end (accepted within the clock-skew leeway).
    with pytest.raises(Unauthorized):
        logic.expiry(_ctx(kind="user", expires_at=None), None)  # type: ignore[arg-type]
    past = int(datetime.now(UTC).timestamp()) - 1
    with pytest.raises(Unauthorized):
        logic.expiry(_ctx(kind="user", expires_at=past), None)  # type: ignore[arg-type]


def test_the_principal_carries_its_expiry_through_the_authorizer_context():
    principal = _ctx(kind="user", expires_at=1_900_000_000).principal
    assert Principal.from_context(principal.to_context()).expires_at == 1_900_000_000
    endless = _ctx(kind="api_key", api_key_id=uuid.uuid4(), expires_at=None).principal
    assert Principal.from_context(endless.to_context()).expires_at is None
