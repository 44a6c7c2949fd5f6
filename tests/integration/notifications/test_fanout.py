"""The notification fan-out, end to end: a route commits an event, the event dispatch consumer
routes it to the notification queue, the fan-out consumer notifies the users it concerns. Each
trigger; what one does oneself is not notified; mentions reach members only; redelivery notifies
nobody twice; preferences are honoured."""

from __future__ import annotations

import uuid

from hearth import db, outbox
from hearth.notifications import fanout
from tests.integration.crm.builders import Crm
from tests.integration.notifications.conftest import message_event, notifications


def _member(client, tenant, role: str = "member"):
    """A new member (invited, so notified of the invitation: see ``notifications``)."""
    return client.add_member(tenant, role)


# -- tasks ---------------------------------------------------------------------------------------


def test_a_task_assigned_on_creation_notifies_the_assignee(client, tenant, sqs, admin_db):
    ada = _member(client, tenant)
    task = Crm(client, tenant).task(title="Send the proposal", assignee_id=ada.user_id, due_date="2030-01-02")
    [_invitation, message] = sqs.notify()
    assert message_event(message)["org_id"] == tenant.org_id
    [row] = notifications(admin_db, tenant.org_id)
    assert (row["user_id"], row["type"], row["resource_type"], row["resource_id"]) == (
        uuid.UUID(ada.user_id),
        "task_assigned",
        "task",
        uuid.UUID(task["id"]),
    )
    assert task["key"] in row["title"]
    assert "Send the proposal" in row["title"]
    assert row["body"] == "Due 2030-01-02"
    assert row["read_at"] is None
    assert row["event_id"] is not None


def test_a_task_assigned_to_oneself_notifies_nobody(client, tenant, sqs, admin_db):
    # The API key acts for the owner: assigning to the owner is the owner's own doing.
    Crm(client, tenant).task(title="Mine", assignee_id=tenant.owner.user_id)
    # Signed in as a member, assigning to oneself.
    ada = _member(client, tenant)
    made = client.post(
        "/v1/tasks",
        auth=ada.auth,
        org=tenant.org_id,
        json_body={"title": "Also mine", "assignee_id": ada.user_id},
    )
    assert made.status == 201, made.body
    assert len(sqs.notify()) == 3  # an invitation, and both tasks routed; neither task notifies
    assert notifications(admin_db, tenant.org_id) == []


def test_reassigning_a_task_notifies_the_new_assignee_and_other_edits_nobody(client, tenant, sqs, admin_db):
    ada, bob = _member(client, tenant), _member(client, tenant)
    crm = Crm(client, tenant)
    task = crm.task(title="Call back", assignee_id=ada.user_id)
    sqs.notify()
    retitled = client.patch(
        f"/v1/tasks/{task['id']}", auth=tenant.key_auth, json_body={"title": "Call back soon"}
    )
    assert retitled.status == 200, retitled.body
    sqs.dispatch()
    assert sqs.receive("notifications") == []  # an edit that leaves the assignee is not routed
    moved = client.patch(
        f"/v1/tasks/{task['id']}", auth=tenant.key_auth, json_body={"assignee_id": bob.user_id}
    )
    assert moved.status == 200, moved.body
    assert len(sqs.notify()) == 1
    rows = notifications(admin_db, tenant.org_id)
    assert [(str(r["user_id"]), r["type"]) for r in rows] == [
        (ada.user_id, "task_assigned"),
        (bob.user_id, "task_assigned"),
    ]
    assert "Call back soon" in rows[1]["title"]
    # Unassigning notifies nobody.
    cleared = client.patch(f"/v1/tasks/{task['id']}", auth=tenant.key_auth, json_body={"assignee_id": None})
    assert cleared.status == 200, cleared.body
    sqs.notify()
    assert len(notifications(admin_db, tenant.org_id)) == 2


# -- deals ---------------------------------------------------------------------------------------


def test_a_deal_won_or_lost_notifies_its_owner_unless_they_closed_it(client, tenant, sqs, admin_db):
    ada = _member(client, tenant)
    crm = Crm(client, tenant)
    won = crm.deal(name="Big one", owner_id=ada.user_id)
    lost = crm.deal(name="Long shot", owner_id=ada.user_id)
    own = crm.deal(name="The owner's", owner_id=tenant.owner.user_id)
    sqs.notify()
    for deal, body in ((won, {"status": "won"}), (lost, {"status": "lost", "lost_reason": "Budget cut"})):
        closed = client.patch(f"/v1/deals/{deal['id']}", auth=tenant.key_auth, json_body=body)
        assert closed.status == 200, closed.body
    assert (
        client.patch(f"/v1/deals/{own['id']}", auth=tenant.key_auth, json_body={"status": "won"}).status
        == 200
    )
    sqs.notify()
    rows = notifications(admin_db, tenant.org_id)
    assert [(str(r["user_id"]), r["type"], str(r["resource_id"])) for r in rows] == [
        (ada.user_id, "deal_won", won["id"]),
        (ada.user_id, "deal_lost", lost["id"]),
    ]
    assert rows[0]["title"] == "Deal won: Big one"
    assert (rows[1]["title"], rows[1]["body"]) == ("Deal lost: Long shot", "Budget cut")


def test_an_owner_who_closes_their_own_deal_is_not_notified(client, tenant, sqs, admin_db):
    ada = _member(client, tenant)
    made = client.post(
        "/v1/deals", auth=ada.auth, org=tenant.org_id, json_body={"name": "Mine", "owner_id": ada.user_id}
    )
    assert made.status == 201, made.body
    won = client.patch(
        f"/v1/deals/{made.json()['id']}", auth=ada.auth, org=tenant.org_id, json_body={"status": "won"}
    )
    assert won.status == 200, won.body
    sqs.notify()
    assert notifications(admin_db, tenant.org_id) == []


# -- mentions ------------------------------------------------------------------------------------


def test_a_mention_in_a_note_notifies_members_but_not_the_author_or_outsiders(
    client, tenant, other_tenant, sqs, admin_db
):
    ada, bob = _member(client, tenant), _member(client, tenant)
    outsider = client.new_user("outsider")
    outsider_id = client.get("/v1/me", auth=outsider.auth).json()["id"]
    stranger = other_tenant.owner.user_id
    text = (
        f"Ask @[user:{ada.user_id}] and @[user:{ada.user_id}] about it; cc @[user:{outsider_id}],"
        f" @[user:{stranger}], @[user:{tenant.owner.user_id}] and @[user:{uuid.uuid4()}]."
    )
    note = Crm(client, tenant).note(body=text)
    sqs.notify()
    rows = notifications(admin_db, tenant.org_id)
    assert [(str(r["user_id"]), r["type"], str(r["resource_id"])) for r in rows] == [
        (ada.user_id, "mention", note["id"])
    ]
    assert rows[0]["title"].endswith("mentioned you in a note")
    assert "@[user:" not in rows[0]["body"]
    assert notifications(admin_db, other_tenant.org_id) == []
    # Editing the note notifies only who is mentioned anew.
    edited = client.patch(
        f"/v1/notes/{note['id']}",
        auth=tenant.key_auth,
        json_body={"body": text + f" And @[user:{bob.user_id}]."},
    )
    assert edited.status == 200, edited.body
    sqs.notify()
    rows = notifications(admin_db, tenant.org_id)
    assert sorted((str(r["user_id"]), r["type"]) for r in rows) == sorted(
        [(ada.user_id, "mention"), (bob.user_id, "mention")]
    )


def test_a_member_who_mentions_themselves_is_not_notified(client, tenant, sqs, admin_db):
    ada = _member(client, tenant)
    made = client.post(
        "/v1/notes",
        auth=ada.auth,
        org=tenant.org_id,
        json_body={"body": f"Note to self @[user:{ada.user_id}]"},
    )
    assert made.status == 201, made.body
    sqs.notify()
    assert notifications(admin_db, tenant.org_id) == []


# -- invitations and exports -----------------------------------------------------------------------


def test_an_invitation_notifies_the_account_holding_the_address(client, tenant, sqs, admin_db):
    known = client.new_user("invitee")
    known_id = client.get("/v1/me", auth=known.auth).json()["id"]
    invitation = client.invite(tenant, known.email, "viewer")
    client.invite(tenant, f"nobody-{uuid.uuid4().hex[:8]}@example.com")  # no account: nobody to tell
    sqs.notify()
    [row] = notifications(admin_db, tenant.org_id, but=())
    assert (str(row["user_id"]), row["type"], str(row["resource_id"])) == (
        known_id,
        "invitation",
        invitation["id"],
    )
    assert row["title"] == "You are invited to join Acme as viewer"
    event = admin_db.execute(
        "SELECT payload FROM domain_events WHERE type = 'invitation.created' AND resource_id = %s",
        (invitation["id"],),
    ).fetchone()
    assert invitation["token"] not in str(event["payload"])
    # Once they join, it is in their list.
    accepted = client.post(
        "/v1/invitations/accept", auth=known.auth, json_body={"token": invitation["token"]}
    )
    assert accepted.status == 200, accepted.body
    listed = client.get("/v1/notifications", auth=known.auth, org=tenant.org_id).json()["data"]
    assert [n["type"] for n in listed] == ["invitation"]


def test_an_export_completed_notifies_its_requester(client, tenant, sqs, admin_db):
    ada = _member(client, tenant)
    export_id = uuid.uuid4()
    with db.tenant_transaction(tenant.org_id) as conn:
        event_id = outbox.emit(
            conn,
            org_id=tenant.org_id,
            actor=("system", None),
            type="export.completed",
            resource_type="export",
            resource_id=export_id,
            data={"requested_by": ada.user_id, "export_id": str(export_id)},
        )
    assert fanout.process(uuid.UUID(tenant.org_id), event_id) == 1
    [row] = notifications(admin_db, tenant.org_id)
    assert (str(row["user_id"]), row["type"], row["resource_type"], row["resource_id"]) == (
        ada.user_id,
        "export_ready",
        "export",
        export_id,
    )


# -- delivery ------------------------------------------------------------------------------------


def test_a_redelivered_message_notifies_nobody_twice(client, tenant, sqs, admin_db):
    ada = _member(client, tenant)
    sqs.notify()
    Crm(client, tenant).task(title="Once", assignee_id=ada.user_id)
    [message] = sqs.notify()
    again = sqs.invoke("NotificationFanoutFunction", "notifications", [message, message])
    assert again["batchItemFailures"] == []
    body = message_event(message)
    assert fanout.process(uuid.UUID(body["org_id"]), uuid.UUID(body["event_id"])) == 0
    assert len(notifications(admin_db, tenant.org_id)) == 1


def test_an_unknown_event_notifies_nobody(tenant):
    assert fanout.process(uuid.UUID(tenant.org_id), uuid.uuid4()) == 0


def test_preferences_decide_the_app_channel(client, tenant, sqs, admin_db):
    ada = _member(client, tenant)
    off = client.put(
        "/v1/notifications/preferences",
        auth=ada.auth,
        org=tenant.org_id,
        json_body={"preferences": [{"type": "deal_won", "in_app": False, "email": False}]},
    )
    assert off.status == 200, off.body
    crm = Crm(client, tenant)
    deal = crm.deal(name="Quiet", owner_id=ada.user_id)
    crm.task(title="Loud", assignee_id=ada.user_id)
    assert (
        client.patch(f"/v1/deals/{deal['id']}", auth=tenant.key_auth, json_body={"status": "won"}).status
        == 200
    )
    sqs.notify()
    assert [r["type"] for r in notifications(admin_db, tenant.org_id)] == ["task_assigned"]
