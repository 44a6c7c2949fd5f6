"""The email channel of notifications: a notification whose type the user receives by email is
queued through the system email sender (``hearth.email.system.send_system_email``, template
``notification``, dedupe key ``notification:<id>``) in the fan-out's transaction, once.

These tests need the email sender (``hearth.email``); without it the fan-out sends no email and
they fail."""

from __future__ import annotations

import uuid

import pytest

from hearth.notifications import fanout
from hearth.notifications.store import key
from hearth.settings import settings
from tests.integration.crm.builders import Crm
from tests.integration.notifications.conftest import message_event, notifications


@pytest.fixture(autouse=True)
def system_sender(monkeypatch):
    monkeypatch.setenv("HEARTH_EMAIL_SYSTEM_FROM", "notifications@hearth.example.com")
    settings.cache_clear()
    yield
    settings.cache_clear()


def _emails(admin_db, org_id: str) -> list[dict]:
    return admin_db.execute(
        "SELECT * FROM emails WHERE org_id = %s AND system ORDER BY created_at, id", (org_id,)
    ).fetchall()


def test_a_task_assigned_is_emailed_by_default_once(client, tenant, sqs, admin_db):
    ada = client.add_member(tenant, "member")
    sqs.notify()
    before = len(_emails(admin_db, tenant.org_id))
    Crm(client, tenant).task(title="Send the proposal", assignee_id=ada.user_id)
    [message] = sqs.notify()
    [row] = notifications(admin_db, tenant.org_id)
    emails = _emails(admin_db, tenant.org_id)[before:]
    assert len(emails) == 1
    email = emails[0]
    assert email["dedupe_key"] == f"notification:{row['id']}"
    assert email["to_addresses"] == [ada.email.lower()]
    assert email["status"] == "queued"
    assert "Send the proposal" in email["subject"]
    # Delivered again: no second email.
    body = message_event(message)
    fanout.process(uuid.UUID(body["org_id"]), uuid.UUID(body["event_id"]))
    assert len(_emails(admin_db, tenant.org_id)) == before + 1


def test_a_type_off_by_email_sends_none_until_the_user_turns_it_on(client, tenant, sqs, admin_db):
    ada = client.add_member(tenant, "member")
    sqs.notify()
    before = len(_emails(admin_db, tenant.org_id))
    crm = Crm(client, tenant)
    first = crm.deal(name="First", owner_id=ada.user_id)
    assert (
        client.patch(f"/v1/deals/{first['id']}", auth=tenant.key_auth, json_body={"status": "won"}).status
        == 200
    )
    sqs.notify()
    assert len(_emails(admin_db, tenant.org_id)) == before  # deals won are not emailed by default
    on = client.put(
        "/v1/notifications/preferences",
        auth=ada.auth,
        org=tenant.org_id,
        json_body={"preferences": [{"type": "deal_won", "in_app": False, "email": True}]},
    )
    assert on.status == 200, on.body
    second = crm.deal(name="Second", owner_id=ada.user_id)
    assert (
        client.patch(f"/v1/deals/{second['id']}", auth=tenant.key_auth, json_body={"status": "won"}).status
        == 200
    )
    [message] = sqs.notify()
    emails = _emails(admin_db, tenant.org_id)[before:]
    assert len(emails) == 1
    assert "Second" in emails[0]["subject"]
    # No notification row (the app channel is off), yet the email's key is the notification's.
    event_id = message_event(message)["event_id"]
    expected = key(tenant.org_id, ada.user_id, f"event:{event_id}")
    assert emails[0]["dedupe_key"] == f"notification:{expected}"
    assert [r["resource_id"] for r in notifications(admin_db, tenant.org_id)] == [uuid.UUID(first["id"])]
    # Delivered again: still one email.
    fanout.process(uuid.UUID(tenant.org_id), uuid.UUID(event_id))
    assert len(_emails(admin_db, tenant.org_id)) == before + 1


def test_a_mention_is_emailed_and_a_user_who_turned_email_off_gets_none(client, tenant, sqs, admin_db):
    ada, bob = client.add_member(tenant, "member"), client.add_member(tenant, "member")
    off = client.put(
        "/v1/notifications/preferences",
        auth=bob.auth,
        org=tenant.org_id,
        json_body={"preferences": [{"type": "mention", "in_app": True, "email": False}]},
    )
    assert off.status == 200, off.body
    sqs.notify()
    before = len(_emails(admin_db, tenant.org_id))
    Crm(client, tenant).note(body=f"@[user:{ada.user_id}] and @[user:{bob.user_id}], see this")
    sqs.notify()
    emails = _emails(admin_db, tenant.org_id)[before:]
    assert [e["to_addresses"] for e in emails] == [[ada.email.lower()]]
    assert {str(r["user_id"]) for r in notifications(admin_db, tenant.org_id)} == {ada.user_id, bob.user_id}


def test_an_invitation_is_emailed_to_the_account_holding_the_address(client, tenant, sqs, admin_db):
    known = client.new_user("invitee")
    before = len(_emails(admin_db, tenant.org_id))
    client.invite(tenant, known.email, "member")
    sqs.notify()
    emails = _emails(admin_db, tenant.org_id)[before:]
    assert [e["to_addresses"] for e in emails] == [[known.email.lower()]]
