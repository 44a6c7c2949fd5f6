"""Sign-in through the Cognito user pool: moto issues real RS256 tokens, verified through moto's
JWKS by the authorizer's production path. Access tokens of the app client are accepted, ID tokens
and other clients' tokens are not; each sign-in is a session, recorded on first use, refused and
ended after the idle limit (the clock moved), listed, signed out one by one or everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from botocore.exceptions import ClientError

from hearth import clock
from hearth.auth import authorizer
from hearth.identity import expiry
from tests.integration.identity.conftest import person


def _authorize(token: str, org: str | None = None, *, ip: str = "203.0.113.7", ua: str = "Phone/1.0"):
    headers = {"authorization": f"Bearer {token}", "user-agent": ua}
    if org:
        headers["x-hearth-org"] = org
    return authorizer.authorize(headers, source_ip=ip)


def _refused(token: str, reason: str, org: str | None = None) -> None:
    with pytest.raises(authorizer.Denied) as denied:
        _authorize(token, org)
    assert denied.value.reason == reason


def _session(admin_db, principal):
    return admin_db.execute("SELECT * FROM user_sessions WHERE id = %s", (principal.session_id,)).fetchone()


def test_an_access_token_signs_in_and_its_sign_in_is_one_session(pool, admin_db, client):
    alice = person(pool, "alice")
    claims = jwt.decode(alice.tokens["AccessToken"], options={"verify_signature": False})
    assert claims["token_use"] == "access"
    assert "aud" not in claims

    first = _authorize(alice.tokens["AccessToken"])
    assert first.kind == "user"
    assert first.session_id is not None
    user = admin_db.execute("SELECT * FROM users WHERE id = %s", (first.user_id,)).fetchone()
    assert user["idp_subject"] == alice.user.sub
    assert user["email"] == alice.user.email  # verified in the pool, read with AdminGetUser
    assert user["mfa_methods"] == []
    assert user["mfa_checked_at"] is not None
    row = _session(admin_db, first)
    assert (row["ip"], row["user_agent"], row["ended_at"]) == ("203.0.113.7", "Phone/1.0", None)
    assert row["origin_jti"] == claims["origin_jti"]

    again = _authorize(alice.tokens["AccessToken"], ip="198.51.100.1")
    refreshed = pool.refresh(alice.tokens["RefreshToken"])["AccessToken"]
    assert refreshed != alice.tokens["AccessToken"]
    assert again.session_id == _authorize(refreshed).session_id == first.session_id
    assert _session(admin_db, first)["ip"] == "203.0.113.7"  # the first request's

    second_sign_in = pool.sign_in(alice.user)["AccessToken"]
    assert _authorize(second_sign_in).session_id != first.session_id

    # The production path, through the gateway: the route sees the session.
    mine = client.get("/v1/me/sessions", auth=alice.auth)
    assert mine.status == 200, mine.body
    current = [s for s in mine.json()["data"] if s["current"]]
    assert [s["id"] for s in current] == [str(first.session_id)]
    assert len(mine.json()["data"]) == 2


def test_id_tokens_and_other_clients_tokens_are_refused(pool, client):
    bob = person(pool, "bob")
    _refused(bob.tokens["IdToken"], "not_an_access_token")
    assert client.get("/v1/me", auth=f"Bearer {bob.tokens['IdToken']}").status in (401, 403)

    other = pool.idp.create_user_pool_client(
        UserPoolId=pool.pool_id, ClientName="other-app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    token = pool.idp.initiate_auth(
        ClientId=other,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": bob.user.email, "PASSWORD": bob.user.password},
    )["AuthenticationResult"]["AccessToken"]
    _refused(token, "wrong_client")

    # Signed by someone else with the same claims: the pool's JWKS does not verify it.
    claims = jwt.decode(bob.tokens["AccessToken"], options={"verify_signature": False})
    from tests.identity_provider import rsa_key

    forged = jwt.encode(claims, rsa_key(), algorithm="RS256", headers={"kid": "dummy"})
    _refused(forged, "bad_signature")


def test_a_session_idle_for_24_hours_is_refused_and_ended(pool, admin_db):
    carol = person(pool, "carol")
    token = carol.tokens["AccessToken"]
    start = datetime.now(UTC)
    with clock.frozen(start) as fake:
        principal = _authorize(token)
        fake.advance(hours=23, minutes=59)
        assert _authorize(token).session_id == principal.session_id  # just inside: touched
        assert _session(admin_db, principal)["last_seen_at"] == fake()
        fake.advance(hours=24, seconds=1)
        _refused(token, "session_idle")
    row = _session(admin_db, principal)
    assert (row["end_reason"], row["ended_at"]) == (
        "idle",
        start + timedelta(hours=47, minutes=59, seconds=1),
    )
    # Ended for good: the same token, or one refreshed from the same sign-in, stays refused.
    _refused(token, "session_ended")
    _refused(pool.refresh(carol.tokens["RefreshToken"])["AccessToken"], "session_ended")
    # A new sign-in is a new session.
    assert _authorize(pool.sign_in(carol.user)["AccessToken"]).session_id != principal.session_id


def test_an_org_may_shorten_the_idle_limit_never_lengthen_it(pool, client, admin_db):
    owner = person(pool, "owner")
    org = client.post("/v1/orgs", auth=owner.auth, json_body={"name": "Short idle"})
    assert org.status == 201, org.body
    org_id = org.json()["id"]
    too_long = client.patch(
        "/v1/security/settings", auth=owner.auth, org=org_id, json_body={"session_idle_minutes": 1441}
    )
    assert too_long.status == 422
    assert too_long.json()["errors"][0]["field"] == "session_idle_minutes"
    short = client.patch(
        "/v1/security/settings", auth=owner.auth, org=org_id, json_body={"session_idle_minutes": 60}
    )
    assert short.status == 200, short.body
    assert short.json()["session_idle_minutes"] == 60

    token = pool.sign_in(owner.user)["AccessToken"]
    with clock.frozen(datetime.now(UTC)) as fake:
        principal = _authorize(token, org_id)
        fake.advance(minutes=59)
        _authorize(token, org_id)
        fake.advance(minutes=61)
        _refused(token, "session_idle", org_id)
    assert _session(admin_db, principal)["end_reason"] == "idle"


def test_the_schedule_ends_idle_sessions_and_revokes_the_refresh_tokens(pool, admin_db):
    dave, erin = person(pool, "dave"), person(pool, "erin")
    d = _authorize(dave.tokens["AccessToken"])
    e_idle = _authorize(erin.tokens["AccessToken"])
    erin_fresh = pool.sign_in(erin.user)
    e_fresh = _authorize(erin_fresh["AccessToken"])
    back = datetime.now(UTC) - timedelta(hours=25)
    admin_db.execute(
        "UPDATE user_sessions SET created_at = %s, last_seen_at = %s WHERE id = ANY(%s)",
        (back, back, [d.session_id, e_idle.session_id]),
    )
    report = expiry.end_idle_sessions()
    assert report["ended"] >= 2
    assert _session(admin_db, d)["end_reason"] == _session(admin_db, e_idle)["end_reason"] == "idle"
    assert _session(admin_db, e_fresh)["ended_at"] is None
    # Dave has no session left: signed out of the pool, his refresh token no longer works.
    with pytest.raises(ClientError, match="NotAuthorizedException"):
        pool.refresh(dave.tokens["RefreshToken"])
    # Erin is still signed in elsewhere: her sessions' refresh tokens still work (the idle one is
    # refused by the authorizer all the same).
    _refused(pool.refresh(erin.tokens["RefreshToken"])["AccessToken"], "session_ended")
    assert (
        _authorize(pool.refresh(erin_fresh["RefreshToken"])["AccessToken"]).session_id == e_fresh.session_id
    )


def test_signing_out_one_session_and_everywhere(pool, client, admin_db):
    frank = person(pool, "frank")
    laptop = pool.sign_in(frank.user)
    assert client.get("/v1/me", auth=frank.auth).status == 200
    assert client.get("/v1/me", auth=f"Bearer {laptop['AccessToken']}").status == 200
    sessions = client.get("/v1/me/sessions", auth=frank.auth).json()["data"]
    laptop_session = next(s for s in sessions if not s["current"])

    gone = client.delete(f"/v1/me/sessions/{laptop_session['id']}", auth=frank.auth)
    assert gone.status == 204, gone.body
    assert client.get("/v1/me", auth=f"Bearer {laptop['AccessToken']}").status in (401, 403)
    assert client.get("/v1/me", auth=frank.auth).status == 200
    again = client.delete(f"/v1/me/sessions/{laptop_session['id']}", auth=frank.auth)
    assert again.status == 204  # already ended: nothing changes
    row = admin_db.execute(
        "SELECT end_reason FROM user_sessions WHERE id = %s", (laptop_session["id"],)
    ).fetchone()
    assert row["end_reason"] == "signed_out"

    everywhere = client.post("/v1/me/sessions/sign-out-everywhere", auth=frank.auth)
    assert everywhere.status == 200, everywhere.body
    assert everywhere.json() == {"ended": 1}
    assert client.get("/v1/me", auth=frank.auth).status in (401, 403)
    with pytest.raises(ClientError, match="NotAuthorizedException"):
        pool.refresh(frank.tokens["RefreshToken"])
    listed = client.get("/v1/me/sessions", auth=f"Bearer {pool.sign_in(frank.user)['AccessToken']}").json()
    reasons = sorted(s["end_reason"] or "open" for s in listed["data"])
    assert reasons == ["open", "signed_out", "signed_out_everywhere"]


def test_session_routes_are_for_users(client, tenant):
    for method, path in (("get", "/v1/me"), ("get", "/v1/me/sessions"),
                         ("post", "/v1/me/sessions/sign-out-everywhere")):  # fmt: skip
        answer = getattr(client, method)(path, auth=tenant.key_auth)
        assert answer.status == 403, (path, answer.body)
        assert answer.json()["code"] == "users_only", path


def test_a_malformed_session_id_or_cursor_is_refused(pool, client):
    grace = person(pool, "grace")
    bad = client.delete("/v1/me/sessions/not-a-uuid", auth=grace.auth)
    assert bad.status == 422, bad.body
    cursor = client.get("/v1/me/sessions", auth=grace.auth, query="cursor=zzz")
    assert cursor.status == 422
    assert cursor.json()["errors"][0]["field"] == "cursor"
