"""Deleting an org: owners only, signed in, confirmed by name and If-Match; at once every
credential of the org is refused (API keys, members, and the owners for anything but the
restoration), at the authorizer and, for a principal resolved before, by the route kit; restored
within the grace period, refused after it; audited and announced."""

from __future__ import annotations

from typing import Any

import pytest

from hearth.auth import authorizer
from hearth.principal import Principal
from tests.integration.crm.builders import Crm

CURRENT = "/v1/orgs/current"
RESTORE = "/v1/orgs/current/restore"


def _reason(auth: str, **headers: str) -> str:
    with pytest.raises(authorizer.Denied) as denied:
        authorizer.authorize({"authorization": auth, **headers})
    return denied.value.reason


def _etag(client: Any, tenant: Any) -> str:
    return client.get(CURRENT, **tenant.as_owner).header("etag")


def _delete(client: Any, tenant: Any, *, name: str | None = None, etag: str | None = None, **kw: Any):
    org_name = client.get(CURRENT, **tenant.as_owner).json()["name"]
    headers = {"if-match": etag or _etag(client, tenant)}
    options = kw or tenant.as_owner
    return client.delete(
        CURRENT, **options, headers=headers, json_body={"confirm_name": org_name if name is None else name}
    )


def test_the_owner_deletes_the_org_and_every_credential_is_refused(client, tenant, admin_db):
    member = client.add_member(tenant, "member")
    company = Crm(client, tenant).company()
    deleted = _delete(client, tenant)
    assert deleted.status == 202, deleted.body
    body = deleted.json()
    assert body["deleted_at"] is not None
    assert body["restorable_until"] is not None
    # the authorizer refuses the org's API keys and members
    assert _reason(tenant.key_auth) == "org_deleted"
    assert _reason(member.auth, **{"x-hearth-org": tenant.org_id}) == "org_deleted"
    assert client.get("/v1/companies", auth=tenant.key_auth).status == 403
    assert client.get("/v1/companies", auth=member.auth, org=tenant.org_id).status == 403
    # the owner, signed in, is served the restoration and nothing else
    refused = client.get(f"/v1/companies/{company['id']}", **tenant.as_owner)
    assert refused.status == 403
    assert refused.json()["code"] == "org_deleted"
    assert client.post("/v1/companies", **tenant.as_owner, json_body={"name": "New"}).json()["code"] == (
        "org_deleted"
    )
    # nothing was removed yet
    row = admin_db.execute(
        "SELECT deleted_at, deleted_by FROM orgs WHERE id = %s", (tenant.org_id,)
    ).fetchone()
    assert str(row["deleted_by"]) == tenant.owner.user_id
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM companies WHERE org_id = %s", (tenant.org_id,)
        ).fetchone()["n"]
        == 1
    )
    [audited] = admin_db.execute(
        "SELECT * FROM audit_logs WHERE org_id = %s AND action = 'org.delete'", (tenant.org_id,)
    ).fetchall()
    assert audited["actor_id"] == tenant.owner.user_id
    [event] = admin_db.execute(
        "SELECT * FROM domain_events WHERE org_id = %s AND type = 'org.deletion_scheduled'", (tenant.org_id,)
    ).fetchall()
    assert event["resource_id"] == tenant.org_id


def test_the_owner_restores_it_within_the_grace_period(client, tenant, admin_db):
    assert _delete(client, tenant).status == 202
    restored = client.post(RESTORE, **tenant.as_owner)
    assert restored.status == 200, restored.body
    assert restored.json()["deleted_at"] is None
    assert client.get("/v1/companies", auth=tenant.key_auth).status == 200
    assert client.post(RESTORE, **tenant.as_owner).json()["code"] == "org_not_deleted"
    actions = admin_db.execute(
        "SELECT action FROM audit_logs WHERE org_id = %s AND action LIKE 'org.%%' ORDER BY seq",
        (tenant.org_id,),
    ).fetchall()
    assert [r["action"] for r in actions] == ["org.create", "org.delete", "org.restore"]


def test_no_restoration_after_the_grace_period(client, tenant, admin_db):
    assert _delete(client, tenant).status == 202
    admin_db.execute(
        "UPDATE orgs SET deleted_at = now() - interval '30 days 1 minute' WHERE id = %s", (tenant.org_id,)
    )
    refused = client.post(RESTORE, **tenant.as_owner)
    assert refused.status == 409
    assert refused.json()["code"] == "grace_ended"


def test_only_an_owner_signed_in_deletes_with_the_name_and_the_version(client, tenant, admin_db):
    admin = client.add_member(tenant, "admin")
    assert _delete(client, tenant, auth=admin.auth, org=tenant.org_id).status == 403
    assert (
        _delete(client, tenant, auth=tenant.key_auth).json()["code"] == "permission_denied"
    )  # a key, even an owner's
    wrong = _delete(client, tenant, name="Not the name")
    assert wrong.status == 422
    assert wrong.json()["errors"][0]["code"] == "confirmation_mismatch"
    stale = _delete(client, tenant, etag='"999"')
    assert stale.status == 412
    name = client.get(CURRENT, **tenant.as_owner).json()["name"]
    bare = client.delete(CURRENT, **tenant.as_owner, json_body={"confirm_name": name})
    assert bare.status == 412
    assert bare.json()["code"] == "if_match_required"
    assert (
        admin_db.execute("SELECT deleted_at FROM orgs WHERE id = %s", (tenant.org_id,)).fetchone()[
            "deleted_at"
        ]
        is None
    )


def test_a_principal_resolved_before_the_deletion_is_refused_by_the_route_kit(
    client, tenant, gateway, monkeypatch
):
    """The gateway may serve an authorizer answer cached before the deletion: writes re-read the
    org's standing and are refused."""
    cached = authorizer.authorize({"authorization": tenant.key_auth})
    assert _delete(client, tenant).status == 202
    monkeypatch.setattr(authorizer, "authorize", lambda headers, source_ip=None: cached)
    assert isinstance(cached, Principal)
    written = client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": "After"})
    assert written.status == 401, written.body
    assert written.json()["code"] == "org_deleted"
