"""Inbound SMS and status callbacks through the webhook kit: signatures by twilio's own
RequestValidator over the public URL; a bad one is 403 and stores nothing; a MessageSid is stored
once; the person found or created; the interaction and sms.received; STOP/START/HELP; a number
of one org never delivers into another; statuses never move backward."""

from __future__ import annotations

import uuid

from tests.conftest import twilio_account
from tests.integration.telephony.lines import inbound_sms, line, new_number, twilio_post

XML = '<?xml version="1.0" encoding="UTF-8"?>'


def _stored(admin_db, org_id):
    return admin_db.execute(
        "SELECT * FROM sms_messages WHERE org_id = %s AND direction = 'inbound' ORDER BY created_at",
        (org_id,),
    ).fetchall()


def _events(admin_db, org_id, type_):
    return admin_db.execute(
        "SELECT payload FROM domain_events WHERE org_id = %s AND type = %s ORDER BY occurred_at",
        (org_id, type_),
    ).fetchall()


def test_inbound_sms_is_stored_once_with_person_interaction_and_event(client, tenant, public_url, admin_db):
    org = line(client, tenant)
    sender = new_number()
    sid = "SM" + uuid.uuid4().hex
    first = inbound_sms(client, org, sender, "Do you open on Sundays?", sid=sid)
    assert first.status == 200, first.body
    assert first.header("content-type").startswith("text/xml")
    assert first.body.decode() == f"{XML}<Response></Response>"
    again = inbound_sms(client, org, sender, "Do you open on Sundays?", sid=sid)  # Twilio's retry
    assert again.status == 200
    stored = _stored(admin_db, tenant.org_id)
    assert len(stored) == 1
    assert (stored[0]["provider_sid"], stored[0]["from_number"], stored[0]["to_number"]) == (
        sid,
        sender,
        org.number,
    )
    person = admin_db.execute("SELECT * FROM people WHERE id = %s", (stored[0]["person_id"],)).fetchone()
    assert person["phones"] == [sender]
    assert person["properties"] == {"source": "sms"}
    interactions = admin_db.execute(
        "SELECT type, direction, summary FROM interactions WHERE org_id = %s AND person_id = %s",
        (tenant.org_id, person["id"]),
    ).fetchall()
    assert interactions == [{"type": "sms", "direction": "inbound", "summary": "Do you open on Sundays?"}]
    received = _events(admin_db, tenant.org_id, "sms.received")
    assert [e["payload"]["object"]["provider_sid"] for e in received] == [sid]
    # The person's next message is theirs, not a new person's.
    inbound_sms(client, org, sender, "and Mondays?")
    assert {m["person_id"] for m in _stored(admin_db, tenant.org_id)} == {person["id"]}
    listed = client.get("/v1/messages/sms", auth=tenant.key_auth, query="filter[direction]=inbound").json()[
        "data"
    ]
    assert [m["body"] for m in listed] == ["and Mondays?", "Do you open on Sundays?"]


def test_bad_signature_is_403_and_stores_nothing(client, tenant, public_url, admin_db):
    org = line(client, tenant)
    _, wrong = twilio_account()
    forged = inbound_sms(client, org, new_number(), "hi", token=wrong)
    assert forged.status == 403
    missing = twilio_post(
        client, "/webhooks/twilio/sms", {"AccountSid": org.account, "To": org.number}, org.token, signature=""
    )
    assert missing.status == 403
    assert _stored(admin_db, tenant.org_id) == []


def test_a_number_of_one_org_never_delivers_into_another(client, tenant, other_tenant, public_url, admin_db):
    victim = line(client, tenant)
    intruder = line(client, other_tenant)
    # The intruder signs (validly, with its own token) a message naming the victim's number.
    crossed = twilio_post(
        client,
        "/webhooks/twilio/sms",
        {
            "AccountSid": intruder.account,
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": new_number(),
            "To": victim.number,
            "Body": "planted",
        },
        intruder.token,
    )
    assert crossed.status == 200
    assert _stored(admin_db, tenant.org_id) == []
    assert _stored(admin_db, other_tenant.org_id) == []


def test_unknown_number_is_acknowledged_and_ignored(client, tenant, public_url, admin_db):
    org = line(client, tenant)
    stray = twilio_post(
        client,
        "/webhooks/twilio/sms",
        {
            "AccountSid": org.account,
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": new_number(),
            "To": new_number(),
            "Body": "x",
        },
        org.token,
    )
    assert stray.status == 200
    assert _stored(admin_db, tenant.org_id) == []


def test_opt_out_keywords(client, tenant, public_url, admin_db):
    org = line(client, tenant)
    sender = new_number()
    for word in ("stop", " Unsubscribe ", "QUIT"):
        assert inbound_sms(client, org, sender, word).body.decode() == f"{XML}<Response></Response>"
    out = admin_db.execute(
        "SELECT opted_out, keyword FROM sms_opt_outs WHERE org_id = %s", (tenant.org_id,)
    ).fetchall()
    assert out == [{"opted_out": True, "keyword": "QUIT"}]
    assert len(_events(admin_db, tenant.org_id, "sms.opted_out")) == 1  # once: the standing changed once
    # No person is made for a keyword.
    assert (
        admin_db.execute("SELECT count(*) AS n FROM people WHERE org_id = %s", (tenant.org_id,)).fetchone()[
            "n"
        ]
        == 0
    )
    assert (
        client.post("/v1/messages/sms", auth=tenant.key_auth, json_body={"to": sender, "body": "x"}).status
        == 422
    )
    inbound_sms(client, org, sender, "START")
    assert _events(admin_db, tenant.org_id, "sms.opted_in")[0]["payload"]["phone"] == sender
    assert (
        client.post("/v1/messages/sms", auth=tenant.key_auth, json_body={"to": sender, "body": "x"}).status
        == 202
    )
    inbound_sms(client, org, sender, "cancel")  # out again after coming back in
    assert len(_events(admin_db, tenant.org_id, "sms.opted_out")) == 2
    # STOP marks the people with the number too.
    known = new_number()
    person = client.post(
        "/v1/people", auth=tenant.key_auth, json_body={"first_name": "Cy", "phones": [known]}
    ).json()
    inbound_sms(client, org, known, "STOPALL")
    assert client.get(f"/v1/people/{person['id']}", auth=tenant.key_auth).json()["sms_opt_out"] is True


def test_help_auto_reply_and_people_setting(client, tenant, public_url, admin_db):
    org = line(client, tenant)
    helped = inbound_sms(client, org, new_number(), "HELP").body.decode()
    assert "<Message>Messages from Acme. Reply STOP to unsubscribe" in helped
    changed = client.patch(
        "/v1/telephony/settings",
        auth=tenant.key_auth,
        json_body={
            "create_people": False,
            "auto_reply": "Thanks <3 we'll answer soon & gladly",
            "help_text": "Call us.",
        },
    )
    assert changed.status == 200, changed.body
    assert (
        inbound_sms(client, org, new_number(), "help").body.decode()
        == f"{XML}<Response><Message>Call us.</Message></Response>"
    )
    replied = inbound_sms(client, org, new_number(), "hello").body.decode()
    assert (
        replied == f"{XML}<Response><Message>Thanks &lt;3 we'll answer soon &amp; gladly</Message></Response>"
    )
    assert (
        admin_db.execute("SELECT count(*) AS n FROM people WHERE org_id = %s", (tenant.org_id,)).fetchone()[
            "n"
        ]
        == 0
    )
    assert all(m["person_id"] is None for m in _stored(admin_db, tenant.org_id))


def test_status_callbacks_only_move_forward(client, tenant, public_url, admin_db):
    org = line(client, tenant)
    sent = client.post(
        "/v1/messages/sms", auth=tenant.key_auth, json_body={"to": new_number(), "body": "x"}
    ).json()
    sid = "SM" + uuid.uuid4().hex

    def status(value, **extra):
        params = {
            "AccountSid": org.account,
            "MessageSid": sid,
            "MessageStatus": value,
            "To": sent["to"],
            **extra,
        }
        answer = twilio_post(
            client, "/webhooks/twilio/sms-status", params, org.token, query=f"message_id={sent['id']}"
        )
        assert answer.status == 200, answer.body
        return client.get(f"/v1/messages/sms/{sent['id']}", auth=tenant.key_auth).json()

    assert (
        status("sent")["status"] == "sent"
    )  # before the sender stored the sid: it is taken from the callback
    assert status("delivered")["status"] == "delivered"
    assert status("sent")["status"] == "delivered"  # late: nothing moves back
    assert status("failed", ErrorCode="30008")["status"] == "delivered"
    assert len(_events(admin_db, tenant.org_id, "sms.delivered")) == 1
    assert _events(admin_db, tenant.org_id, "sms.failed") == []
    # A callback naming another sid for the message changes nothing.
    other = twilio_post(
        client,
        "/webhooks/twilio/sms-status",
        {"AccountSid": org.account, "MessageSid": "SM" + uuid.uuid4().hex, "MessageStatus": "failed"},
        org.token,
        query=f"message_id={sent['id']}",
    )
    assert other.status == 200
    assert client.get(f"/v1/messages/sms/{sent['id']}", auth=tenant.key_auth).json()["status"] == "delivered"


def test_status_callback_of_another_org_changes_nothing(client, tenant, other_tenant, public_url):
    line(client, tenant)
    intruder = line(client, other_tenant)
    sent = client.post(
        "/v1/messages/sms", auth=tenant.key_auth, json_body={"to": new_number(), "body": "x"}
    ).json()
    forged = twilio_post(
        client,
        "/webhooks/twilio/sms-status",
        {"AccountSid": intruder.account, "MessageSid": "SM" + uuid.uuid4().hex, "MessageStatus": "failed"},
        intruder.token,
        query=f"message_id={sent['id']}",
    )
    assert forged.status == 200
    assert client.get(f"/v1/messages/sms/{sent['id']}", auth=tenant.key_auth).json()["status"] == "queued"
