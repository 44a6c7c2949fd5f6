"""Cross-tenant cases: sign-in. A user's profile and sessions are out of reach of every other
user (another org's owner included); an org's security settings are out of reach of other orgs."""

from __future__ import annotations

import uuid

from hearth import db
from hearth.auth import sessions
from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case


def _victim_session(victim) -> uuid.UUID:
    """A sign-in session of the victim's owner, recorded as the authorizer records one."""
    with db.system_transaction() as conn:
        verdict = sessions.check(
            conn,
            user_id=uuid.UUID(victim.owner.user_id),
            session_id=f"victim-{uuid.uuid4()}",
            client_id="frontend",
            org_id=None,
            ip="192.0.2.44",
            user_agent="VictimBrowser/9",
        )
    assert verdict.refused is None
    assert verdict.session is not None
    return verdict.session


def _open(session_id: uuid.UUID) -> bool:
    with db.system_transaction() as conn:
        row = conn.execute("SELECT ended_at FROM user_sessions WHERE id = %s", (session_id,)).fetchone()
    return row is not None and row["ended_at"] is None


@case("GET /v1/me")
def me(client, victim, intruder):
    assert client.get("/v1/me", auth=intruder.owner.auth, org=victim.org_id).status == 403
    answer = client.get("/v1/me", auth=intruder.owner.auth)
    assert answer.status == 200, answer.body
    assert answer.json()["id"] == intruder.owner.user_id
    assert_not_leaked(answer, victim.owner.user_id, victim.owner.email)


@case("GET /v1/me/sessions")
def list_sessions(client, victim, intruder):
    session = _victim_session(victim)
    assert client.get("/v1/me/sessions", auth=intruder.owner.auth, org=victim.org_id).status == 403
    listed = client.get("/v1/me/sessions", auth=intruder.owner.auth, org=intruder.org_id)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, session, "VictimBrowser", "192.0.2.44")


@case("DELETE /v1/me/sessions/{session_id}")
def delete_session(client, victim, intruder):
    session = _victim_session(victim)
    assert_hidden(client.delete(f"/v1/me/sessions/{session}", auth=intruder.owner.auth), "VictimBrowser")
    # Naming the victim's org does not help: the authorizer refuses a user who is not a member.
    assert (
        client.delete(f"/v1/me/sessions/{session}", auth=intruder.owner.auth, org=victim.org_id).status == 403
    )
    assert _open(session)


@case("POST /v1/me/sessions/sign-out-everywhere")
def sign_out_everywhere(client, victim, intruder):
    session = _victim_session(victim)
    refused = client.post("/v1/me/sessions/sign-out-everywhere", auth=intruder.owner.auth, org=victim.org_id)
    assert refused.status == 403
    ended = client.post("/v1/me/sessions/sign-out-everywhere", auth=intruder.owner.auth)
    assert ended.status == 200, ended.body
    assert ended.json() == {"ended": 0}
    assert _open(session)


def _victim_settings(client, victim) -> None:
    made = client.patch("/v1/security/settings", auth=victim.owner.auth, org=victim.org_id,
                        json_body={"session_idle_minutes": 17})  # fmt: skip
    assert made.status == 200, made.body


@case("GET /v1/security/settings")
def get_settings(client, victim, intruder):
    _victim_settings(client, victim)
    own = client.get("/v1/security/settings", auth=intruder.key_auth)
    assert own.status == 200
    assert own.json()["session_idle_minutes"] == 1440
    named = client.get("/v1/security/settings", auth=intruder.owner.auth, org=victim.org_id)
    assert named.status == 403  # the authorizer refuses a user who is not a member
    assert_not_leaked(named, "17")


@case("PATCH /v1/security/settings")
def update_settings(client, victim, intruder):
    _victim_settings(client, victim)
    named = client.patch("/v1/security/settings", auth=intruder.owner.auth, org=victim.org_id,
                         json_body={"mfa_required": True})  # fmt: skip
    assert named.status == 403
    own = client.patch(
        "/v1/security/settings", auth=intruder.key_auth, json_body={"session_idle_minutes": 30}
    )
    assert own.status == 200, own.body
    theirs = client.get("/v1/security/settings", auth=victim.key_auth).json()
    assert (theirs["mfa_required"], theirs["session_idle_minutes"]) == (False, 17)


def _victim_event(victim) -> None:
    with db.system_transaction() as conn:
        sessions.record_event(conn, uuid.UUID(victim.owner.user_id), "mfa_changed", {"to": ["victim-marker"]})


@case("GET /v1/me/security-events")
def my_security_events(client, victim, intruder):
    _victim_event(victim)
    listed = client.get("/v1/me/security-events", auth=intruder.owner.auth)
    assert listed.status == 200, listed.body
    assert_not_leaked(listed, "victim-marker", victim.owner.user_id)
    assert client.get("/v1/me/security-events", auth=intruder.owner.auth, org=victim.org_id).status == 403


@case("GET /v1/security-events")
def org_security_events(client, victim, intruder):
    _victim_event(victim)
    own = client.get("/v1/security-events", auth=intruder.key_auth)
    assert own.status == 200, own.body
    assert_not_leaked(own, "victim-marker", victim.owner.user_id)
    named = client.get("/v1/security-events", auth=intruder.key_auth, query=f"user_id={victim.owner.user_id}")
    assert named.status == 200
    assert named.json()["data"] == []
    theirs = client.get("/v1/security-events", auth=victim.key_auth).json()["data"]
    assert any(e["detail"] == {"to": ["victim-marker"]} for e in theirs)
