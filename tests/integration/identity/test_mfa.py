"""MFA state and an org's requirement of it: GET /v1/me shows the second factors the user pool
holds; an org whose owner requires MFA refuses members without one (403 mfa_required, saying how
to enrol) until they enrol (TOTP codes from pyotp, checked by moto) and sign in again."""

from __future__ import annotations

import uuid

import pytest

from hearth.auth import authorizer, mfa
from hearth.problems import Forbidden
from tests.integration.identity.conftest import Person, person


def _member_of(client, pool, owner: Person, org_id: str, label: str) -> Person:
    someone = person(pool, label)
    assert client.get("/v1/me", auth=someone.auth).status == 200  # first sight: verified email kept
    made = client.post("/v1/invitations", auth=owner.auth, org=org_id,
                       json_body={"email": someone.user.email, "role": "member"})  # fmt: skip
    assert made.status == 201, made.body
    accepted = client.post(
        "/v1/invitations/accept", auth=someone.auth, json_body={"token": made.json()["token"]}
    )
    assert accepted.status == 200, accepted.body
    return someone


def test_me_shows_mfa_state_from_the_user_pool(pool, client):
    hana = person(pool, "hana")
    me = client.get("/v1/me", auth=hana.auth)
    assert me.status == 200, me.body
    assert me.json()["email"] == hana.user.email
    assert me.json()["mfa"] | {"checked_at": None} == {
        "enabled": False,
        "methods": [],
        "preferred": None,
        "checked_at": None,
    }
    pool.enrol_totp(hana.user, hana.tokens["AccessToken"])
    after = client.get("/v1/me", auth=hana.auth).json()["mfa"]
    assert (after["enabled"], after["methods"], after["preferred"]) == (True, ["totp"], "totp")
    events = client.get("/v1/me/security-events", auth=hana.auth).json()["data"]
    changed = [e for e in events if e["kind"] == "mfa_changed"]
    assert [e["detail"] for e in changed] == [{"from": [], "to": ["totp"]}]
    # From now on the pool asks for the code: the sign-in goes through only with it.
    signed_in = pool.sign_in(hana.user)
    assert client.get("/v1/me", auth=f"Bearer {signed_in['AccessToken']}").status == 200


def test_an_org_requiring_mfa_refuses_members_without_it(pool, client):
    owner = person(pool, "owner")
    pool.enrol_totp(owner.user, owner.tokens["AccessToken"])
    owner = Person(owner.user, pool.sign_in(owner.user))  # signed in with the TOTP code
    org = client.post("/v1/orgs", auth=owner.auth, json_body={"name": "Careful Ltd"})
    assert org.status == 201, org.body
    org_id = org.json()["id"]
    ivan = _member_of(client, pool, owner, org_id, "ivan")
    assert client.get("/v1/orgs/current", auth=ivan.auth, org=org_id).status == 200

    # Only owners change it; every member reads it.
    by_member = client.patch(
        "/v1/security/settings", auth=ivan.auth, org=org_id, json_body={"mfa_required": True}
    )
    assert by_member.status == 403
    assert by_member.json()["code"] == "permission_denied"
    settings = client.get("/v1/security/settings", auth=owner.auth, org=org_id)
    assert settings.json()["mfa_required"] is False
    assert settings.header("etag") == '"0"'
    stale = client.patch("/v1/security/settings", auth=owner.auth, org=org_id,
                         json_body={"mfa_required": True}, headers={"if-match": '"7"'})  # fmt: skip
    assert stale.status == 412
    required = client.patch("/v1/security/settings", auth=owner.auth, org=org_id,
                            json_body={"mfa_required": True}, headers={"if-match": '"0"'})  # fmt: skip
    assert required.status == 200, required.body
    assert required.json()["mfa_required"] is True
    assert required.json()["session_idle_minutes"] == 1440

    refused = client.get("/v1/orgs/current", auth=ivan.auth, org=org_id)
    assert refused.status == 403, refused.body
    assert refused.json()["code"] == "mfa_required"
    assert "authenticator app" in refused.json()["detail"]
    assert client.get("/v1/security/settings", auth=ivan.auth, org=org_id).json()["code"] == "mfa_required"
    # Routes outside the org stay open: the front end shows what is missing.
    assert client.get("/v1/me", auth=ivan.auth).json()["mfa"]["enabled"] is False
    # The owner, with MFA, goes on; so does an API key of the org (keys are not sign-ins).
    assert client.get("/v1/orgs/current", auth=owner.auth, org=org_id).status == 200

    pool.enrol_totp(ivan.user, ivan.tokens["AccessToken"])
    again = Person(ivan.user, pool.sign_in(ivan.user))
    assert client.get("/v1/orgs/current", auth=again.auth, org=org_id).status == 200


def test_a_cached_answer_for_another_org_does_not_skip_the_requirement(pool, client):
    """The gateway caches the authorizer's answer by the token alone: a principal resolved for one
    org may arrive naming another. The route kit judges that org's requirement itself."""
    owner = person(pool, "owner")
    pool.enrol_totp(owner.user, owner.tokens["AccessToken"])
    owner = Person(owner.user, pool.sign_in(owner.user))
    strict = client.post("/v1/orgs", auth=owner.auth, json_body={"name": "Strict"}).json()["id"]
    lax = client.post("/v1/orgs", auth=owner.auth, json_body={"name": "Lax"}).json()["id"]
    judy = _member_of(client, pool, owner, strict, "judy")
    made = client.post("/v1/invitations", auth=owner.auth, org=lax,
                       json_body={"email": judy.user.email, "role": "member"})  # fmt: skip
    client.post("/v1/invitations/accept", auth=judy.auth, json_body={"token": made.json()["token"]})
    client.patch("/v1/security/settings", auth=owner.auth, org=strict, json_body={"mfa_required": True})

    principal = authorizer.authorize({"authorization": judy.auth, "x-hearth-org": lax})
    assert principal.mfa_enrolled is False
    assert principal.mfa_missing is False
    with pytest.raises(Forbidden) as refused:
        mfa.refuse_without_mfa(principal, uuid.UUID(strict))
    assert refused.value.code == "mfa_required"
    mfa.refuse_without_mfa(principal, principal.org_id)  # the org it was resolved for: allowed
