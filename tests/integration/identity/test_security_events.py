"""The user pool's triggers become security events, and repeated failures lock the account.
The triggers are called with the events Cognito sends (documented shapes: pre-authentication,
post-authentication, post-confirmation, custom message); moto's Cognito does not run triggers.
Events are visible to the user and to admins of the user's orgs, and to nobody else."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hearth import clock
from hearth.identity import triggers
from hearth.settings import settings
from tests.integration.identity.conftest import person

SAMPLE = json.loads(
    (Path(__file__).resolve().parents[3] / "events" / "CognitoTriggersFunction.json").read_text()
)


def _event(source: str, sub: str, email: str, **request) -> dict:
    event = copy.deepcopy(SAMPLE)
    event["triggerSource"] = source
    event["userName"] = sub
    event["request"] = {"userAttributes": {"sub": sub, "email": email, "email_verified": "true"}, **request}
    return event


def _kinds(admin_db, sub: str) -> list[str]:
    rows = admin_db.execute(
        "SELECT e.kind FROM security_events e JOIN users u ON u.id = e.user_id"
        " WHERE u.idp_subject = %s ORDER BY e.occurred_at, e.kind",
        (sub,),
    ).fetchall()
    return [r["kind"] for r in rows]


def test_sign_up_creates_the_user_with_the_verified_email(admin_db):
    sub, email = str(uuid.uuid4()), f"new-{uuid.uuid4().hex[:6]}@example.com"
    answered = triggers.handle(_event("PostConfirmation_ConfirmSignUp", sub, email))
    assert answered["triggerSource"] == "PostConfirmation_ConfirmSignUp"  # the event, answered back
    user = admin_db.execute(
        "SELECT email, email_verified_at FROM users WHERE idp_subject = %s", (sub,)
    ).fetchone()
    assert user["email"] == email
    assert user["email_verified_at"] is not None
    assert _kinds(admin_db, sub) == ["signed_up"]
    # An unverified address is not kept.
    other = str(uuid.uuid4())
    unverified = _event("PostConfirmation_ConfirmSignUp", other, f"x-{uuid.uuid4().hex[:6]}@example.com")
    unverified["request"]["userAttributes"]["email_verified"] = "false"
    triggers.handle(unverified)
    assert (
        admin_db.execute("SELECT email FROM users WHERE idp_subject = %s", (other,)).fetchone()["email"]
        is None
    )


def test_each_trigger_records_its_event(admin_db):
    sub, email = str(uuid.uuid4()), f"t-{uuid.uuid4().hex[:6]}@example.com"
    with clock.frozen(datetime.now(UTC)) as fake:
        triggers.handle(_event("PreAuthentication_Authentication", sub, email))
        fake.advance(seconds=1)
        triggers.handle(_event("PostAuthentication_Authentication", sub, email, newDeviceUsed=True))
        fake.advance(seconds=1)
        triggers.handle(_event("PreAuthentication_Authentication", sub, email))
        fake.advance(seconds=1)
        triggers.handle(_event("PostAuthentication_Authentication", sub, email, newDeviceUsed=False))
        fake.advance(seconds=1)
        triggers.handle(_event("CustomMessage_ForgotPassword", sub, email, codeParameter="{####}"))
    assert _kinds(admin_db, sub) == ["new_device_sign_in", "sign_in", "password_reset_requested"]


def test_repeated_failures_lock_the_account_for_a_while(admin_db):
    sub, email = str(uuid.uuid4()), f"l-{uuid.uuid4().hex[:6]}@example.com"
    failures = settings().lockout_failures
    start = datetime.now(UTC)
    with clock.frozen(start) as fake:
        for _ in range(failures):  # each attempt not followed by post-authentication failed
            triggers.handle(_event("PreAuthentication_Authentication", sub, email))
            fake.advance(seconds=5)
        with pytest.raises(triggers.LockedOut, match="locked for 15 minutes"):
            triggers.handle(_event("PreAuthentication_Authentication", sub, email))
        with pytest.raises(triggers.LockedOut):  # still locked; recorded once
            triggers.handle(_event("PreAuthentication_Authentication", sub, email))
        assert _kinds(admin_db, sub) == ["sign_in_failed"] * failures + ["sign_in_locked"]
        fake.advance(minutes=15)
        triggers.handle(_event("PreAuthentication_Authentication", sub, email))  # the lock has passed
        triggers.handle(_event("PostAuthentication_Authentication", sub, email, newDeviceUsed=False))
    assert _kinds(admin_db, sub)[-1] == "sign_in"


def test_failures_outside_the_window_do_not_count(admin_db):
    """Failures count inside the window only: four failures, then after the window four more,
    do not lock."""
    sub, email = str(uuid.uuid4()), f"s-{uuid.uuid4().hex[:6]}@example.com"
    with clock.frozen(datetime.now(UTC)) as fake:
        for _ in range(settings().lockout_failures - 1):
            triggers.handle(_event("PreAuthentication_Authentication", sub, email))
            fake.advance(seconds=5)
        fake.advance(minutes=16)
        for _ in range(settings().lockout_failures - 1):
            triggers.handle(_event("PreAuthentication_Authentication", sub, email))
            fake.advance(seconds=5)
        triggers.handle(_event("PreAuthentication_Authentication", sub, email))


def test_security_events_are_seen_by_the_user_and_their_orgs_admins_only(pool, client):
    owner = person(pool, "owner")
    org_id = client.post("/v1/orgs", auth=owner.auth, json_body={"name": "Watchful"}).json()["id"]
    member = person(pool, "kim")
    assert client.get("/v1/me", auth=member.auth).status == 200
    made = client.post("/v1/invitations", auth=owner.auth, org=org_id,
                       json_body={"email": member.user.email, "role": "member"})  # fmt: skip
    client.post("/v1/invitations/accept", auth=member.auth, json_body={"token": made.json()["token"]})
    stranger = person(pool, "stranger")
    triggers.handle(
        _event("PostAuthentication_Authentication", member.user.sub, member.user.email, newDeviceUsed=True)
    )
    triggers.handle(_event("PostAuthentication_Authentication", stranger.user.sub, stranger.user.email))
    # A session ended by the member is one too.
    laptop = pool.sign_in(member.user)
    assert client.get("/v1/me", auth=f"Bearer {laptop['AccessToken']}").status == 200
    sessions = client.get("/v1/me/sessions", auth=member.auth).json()["data"]
    other = next(s for s in sessions if not s["current"])
    assert client.delete(f"/v1/me/sessions/{other['id']}", auth=member.auth).status == 204

    mine = client.get("/v1/me/security-events", auth=member.auth)
    assert mine.status == 200, mine.body
    assert [e["kind"] for e in mine.json()["data"]] == ["session_ended", "new_device_sign_in"]
    member_id = mine.json()["data"][0]["user_id"]

    seen = client.get("/v1/security-events", auth=owner.auth, org=org_id)
    assert seen.status == 200, seen.body
    assert {e["user_id"] for e in seen.json()["data"]} == {member_id}
    assert stranger.user.sub not in seen.body.decode()
    only = client.get("/v1/security-events", auth=owner.auth, org=org_id, query=f"user_id={member_id}")
    assert len(only.json()["data"]) == 2

    refused = client.get("/v1/security-events", auth=member.auth, org=org_id)
    assert refused.status == 403
    assert refused.json()["code"] == "permission_denied"


def test_the_trigger_function_answers_cognito_with_the_event_or_refuses(admin_db):
    """The deployed handler (template.yaml's CognitoTriggersFunction) with its sample event: it
    answers the event back; once the account is locked it raises, which Cognito turns into a
    refused sign-in showing the message."""
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    fn = load_template().functions["CognitoTriggersFunction"]
    event = copy.deepcopy(SAMPLE)
    sub = str(uuid.uuid4())
    event["userName"] = event["request"]["userAttributes"]["sub"] = sub
    event["request"]["userAttributes"]["email"] = f"h-{uuid.uuid4().hex[:6]}@example.com"
    with clock.frozen(datetime.now(UTC)) as fake:
        for _ in range(settings().lockout_failures):
            assert invoke(fn, copy.deepcopy(event)) == event
            fake.advance(seconds=1)
        with pytest.raises(triggers.LockedOut):
            invoke(fn, copy.deepcopy(event))
    assert _kinds(admin_db, sub)[-1] == "sign_in_locked"


def _lock(sub: str, email: str, fake, *, verified: bool = True) -> None:
    for _ in range(settings().lockout_failures):
        event = _event("PreAuthentication_Authentication", sub, email)
        event["request"]["userAttributes"]["email_verified"] = "true" if verified else "false"
        triggers.handle(event)
        fake.advance(seconds=5)
    for _ in range(2):  # the lock begins, then holds
        event = _event("PreAuthentication_Authentication", sub, email)
        event["request"]["userAttributes"]["email_verified"] = "true" if verified else "false"
        with pytest.raises(triggers.LockedOut):
            triggers.handle(event)


def test_a_lock_emails_the_account_once_from_the_platform(admin_db):
    """The account_locked email goes to the verified address when the lock begins, once per
    lock, from the system address through SES, tagged with no org (no emails row anywhere)."""
    from tests.integration.email.moto_ses import SYSTEM_FROM, moto_ses

    sub, email = str(uuid.uuid4()), f"lk-{uuid.uuid4().hex[:6]}@example.com"
    with moto_ses() as ses, clock.frozen(datetime.now(UTC)) as fake:
        _lock(sub, email, fake)
        sent = [m for m in ses.sent() if email in m.destinations]
        assert len(sent) == 1
        raw = sent[0].raw_data
        assert f"From: {SYSTEM_FROM}" in raw
        assert "Subject: Your Hearth account is locked for 15 minutes" in raw
        assert f"There were {settings().lockout_failures} failed sign-ins" in raw
        # The lock passes; a second lock is told again.
        fake.advance(minutes=16)
        _lock(sub, email, fake)
        assert len([m for m in ses.sent() if email in m.destinations]) == 2
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM emails WHERE %s = ANY(to_addresses)", (email,)
        ).fetchone()["n"]
        == 0
    )


def test_an_unverified_address_is_not_emailed_and_a_failed_send_still_locks(admin_db, monkeypatch):
    from hearth.email import provider
    from tests.integration.email.moto_ses import moto_ses

    sub, email = str(uuid.uuid4()), f"lu-{uuid.uuid4().hex[:6]}@example.com"
    with moto_ses() as ses, clock.frozen(datetime.now(UTC)) as fake:
        _lock(sub, email, fake, verified=False)
        assert [m for m in ses.sent() if email in m.destinations] == []

        def refused(*args, **kwargs):
            raise provider.ProviderError("Throttling", "slow down", True)

        monkeypatch.setattr(provider, "send_raw", refused)
        other, address = str(uuid.uuid4()), f"lf-{uuid.uuid4().hex[:6]}@example.com"
        _lock(other, address, fake)  # SES refusing changes nothing: still locked, recorded once
    assert _kinds(admin_db, other).count("sign_in_locked") == 1
