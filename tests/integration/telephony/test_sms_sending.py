"""Sending SMS: POST /v1/messages/sms accepts (202, queued, sms.queued, Idempotency-Key), the
event's channel feeds SmsSendQueue, the sender hands each message to Twilio (the stand-in) with
the org's own credentials and a StatusCallback, and Twilio's signed status callbacks move it to
delivered. Temporary refusals are retried with backoff; permanent ones end it failed with
Twilio's code; opted-out recipients are refused before any provider call."""

from __future__ import annotations

import time
import uuid

from hearth import db
from hearth.outbox import channels
from tests.conftest import TWILIO
from tests.integration.telephony.lines import line, new_number, twilio_post

SEND = "/v1/messages/sms"


def _send(client, tenant, body, *, key=None):
    headers = {"idempotency-key": key} if key else None
    return client.post(SEND, auth=tenant.key_auth, json_body=body, headers=headers)


def _queued(client, tenant, body):
    """Send, and route its sms.queued event to the send queue as the event dispatch consumer does."""
    sent = _send(client, tenant, body)
    assert sent.status == 202, sent.body
    message = sent.json()
    assert channels.route(uuid.UUID(tenant.org_id), "sms.queued", message["id"]) is True
    return message


def _message(client, tenant, message_id):
    return client.get(f"{SEND}/{message_id}", auth=tenant.key_auth).json()


def _wait_for(client, tenant, message_id, status, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        shown = _message(client, tenant, message_id)
        if shown["status"] == status:
            return shown
        time.sleep(0.05)
    raise AssertionError(f"message {message_id} is {shown['status']}, not {status}")


def _events(admin_db, org_id, type_):
    return admin_db.execute(
        "SELECT type, resource_id, payload AS data FROM domain_events"
        " WHERE org_id = %s AND type = %s ORDER BY occurred_at",
        (org_id, type_),
    ).fetchall()


def _stand_in_messages(to):
    return [m for m in TWILIO.messages.values() if m["to"] == to]


def test_send_queue_sender_and_delivery(client, tenant, public_url, send_queue, admin_db):
    org = line(client, tenant)
    to = new_number()
    message = _queued(client, tenant, {"to": to, "body": "Your table is ready."})
    assert message["status"] == "queued"
    assert message["from"] == org.number
    assert message["to"] == to
    assert len(_events(admin_db, tenant.org_id, "sms.queued")) == 1
    responses = send_queue.drain()
    assert responses == [{"batchItemFailures": []}]
    sent = _stand_in_messages(to)
    assert len(sent) == 1
    assert sent[0]["account_sid"] == org.account
    assert sent[0]["from"] == org.number
    assert sent[0]["body"] == "Your table is ready."
    shown = _message(client, tenant, message["id"])
    assert shown["provider_sid"] == sent[0]["sid"]
    assert shown["attempts"] == 1
    # The stand-in calls back (signed like Twilio) through the public URL: sent, then delivered.
    delivered = _wait_for(client, tenant, message["id"], "delivered")
    assert delivered["error"] is None
    assert [e["resource_id"] for e in _events(admin_db, tenant.org_id, "sms.delivered")] == [message["id"]]
    assert send_queue.depth() == 0


def test_undelivered_is_failed_with_twilios_code(client, tenant, public_url, send_queue, admin_db):
    line(client, tenant)
    to = new_number()
    TWILIO.undeliverable.add(to)
    message = _queued(client, tenant, {"to": to, "body": "hello"})
    send_queue.drain()
    shown = _wait_for(client, tenant, message["id"], "undelivered")
    assert shown["error"]["code"] == "30003"
    failed = _events(admin_db, tenant.org_id, "sms.failed")
    assert [e["data"]["error"]["code"] for e in failed] == ["30003"]


def test_idempotency_key_replays_and_sends_once(client, tenant, send_queue):
    line(client, tenant)
    body = {"to": new_number(), "body": "once"}
    first = _send(client, tenant, body, key="send-1")
    again = _send(client, tenant, body, key="send-1")
    assert first.status == again.status == 202
    assert first.json()["id"] == again.json()["id"]
    other = _send(client, tenant, {**body, "body": "twice"}, key="send-1")
    assert other.status == 422
    assert client.get(SEND, auth=tenant.key_auth).json()["data"] == [first.json()]


def test_send_to_a_person_and_bad_input(client, tenant, send_queue, admin_db):
    line(client, tenant)
    phone = new_number()
    person = client.post(
        "/v1/people", auth=tenant.key_auth, json_body={"first_name": "Ada", "phones": [phone]}
    ).json()
    sent = _send(client, tenant, {"to": person["id"], "body": "hi Ada"})
    assert sent.status == 202, sent.body
    assert sent.json()["to"] == phone
    assert sent.json()["person_id"] == person["id"]
    nophone = client.post("/v1/people", auth=tenant.key_auth, json_body={"first_name": "Bo"}).json()
    before = admin_db.execute(
        "SELECT count(*) AS n FROM sms_messages WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    for body, code in (
        ({"to": nophone["id"], "body": "x"}, "no_phone_number"),
        ({"to": str(uuid.uuid4()), "body": "x"}, "reference_not_found"),
        ({"to": "+99912345678", "body": "x"}, "invalid_recipient"),
        ({"to": "12345", "body": "x"}, "string_pattern_mismatch"),
        ({"to": new_number(), "body": "x", "from": new_number()}, "not_an_org_number"),
    ):
        refused = _send(client, tenant, body)
        assert refused.status == 422, (body, refused.body)
        assert refused.json()["errors"][0]["code"] == code
    for body in (
        {"to": new_number(), "body": ""},
        {"to": new_number(), "body": "x" * 1601},
        {"to": new_number()},
    ):
        assert _send(client, tenant, body).status == 422
    after = admin_db.execute(
        "SELECT count(*) AS n FROM sms_messages WHERE org_id = %s", (tenant.org_id,)
    ).fetchone()
    assert after == before


def test_no_number_or_no_twilio_is_422(client, tenant):
    refused = _send(client, tenant, {"to": new_number(), "body": "x"})
    assert refused.status == 422
    assert refused.json()["code"] == "no_sender_number"


def test_opted_out_recipient_is_refused_before_any_provider_call(client, tenant, public_url, admin_db):
    org = line(client, tenant)
    to = new_number()
    stopped = twilio_post(
        client,
        "/webhooks/twilio/sms",
        {
            "AccountSid": org.account,
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": to,
            "To": org.number,
            "Body": "STOP",
        },
        org.token,
    )
    assert stopped.status == 200, stopped.body
    calls = len(TWILIO.requests)
    refused = _send(client, tenant, {"to": to, "body": "are you there?"})
    assert refused.status == 422, refused.body
    assert refused.json()["code"] == "recipient_opted_out"
    assert len(TWILIO.requests) == calls
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM sms_messages WHERE org_id = %s AND direction = 'outbound'",
            (tenant.org_id,),
        ).fetchone()["n"]
        == 0
    )


def test_provider_429_then_success(client, tenant, public_url, send_queue):
    line(client, tenant)
    to = new_number()
    message = _queued(client, tenant, {"to": to, "body": "retry me"})
    TWILIO.fail(status=429, times=1, paths="/2010-04-01/Accounts/", retry_after=7)
    responses = send_queue.drain()
    assert len(responses) == 2
    assert len(responses[0]["batchItemFailures"]) == 1
    assert responses[1] == {"batchItemFailures": []}
    assert send_queue.postponed
    assert send_queue.postponed[0] >= 7
    assert len(_stand_in_messages(to)) == 1
    shown = _wait_for(client, tenant, message["id"], "delivered")
    assert shown["attempts"] == 2


def test_provider_down_goes_to_the_dlq_failed_and_nothing_lost(client, tenant, send_queue, admin_db):
    line(client, tenant)
    to = new_number()
    message = _queued(client, tenant, {"to": to, "body": "down"})
    TWILIO.fail(status=500, times=100, paths="/2010-04-01/Accounts/")
    try:
        responses = send_queue.drain(rounds=8)
    finally:
        TWILIO.clear_faults()
    assert len(responses) == 5  # five receives, then SQS moved it to the dead-letter queue
    assert all(len(r["batchItemFailures"]) == 1 for r in responses)
    assert send_queue.postponed == sorted(send_queue.postponed)  # backing off
    assert send_queue.depth() == 0
    assert send_queue.depth(send_queue.dlq_url) == 1
    shown = _message(client, tenant, message["id"])
    assert shown["status"] == "failed"
    assert shown["error"]["code"] == "provider_unavailable"
    assert shown["attempts"] == 5
    assert _stand_in_messages(to) == []
    assert len(_events(admin_db, tenant.org_id, "sms.failed")) == 1


def test_permanent_refusal_and_unsubscribed_recipient(client, tenant, send_queue, admin_db):
    line(client, tenant)
    invalid = _queued(client, tenant, {"to": "+15005550001", "body": "x"})
    gone = new_number()
    TWILIO.unsubscribed.add(gone)
    unsubscribed = _queued(client, tenant, {"to": gone, "body": "x"})
    assert send_queue.drain() == [{"batchItemFailures": []}]
    assert _message(client, tenant, invalid["id"])["error"]["code"] == "21211"
    assert _message(client, tenant, unsubscribed["id"])["error"]["code"] == "21610"
    # 21610: the recipient is opted out, so the next send is refused before Twilio.
    refused = _send(client, tenant, {"to": gone, "body": "again"})
    assert refused.status == 422
    assert refused.json()["code"] == "recipient_opted_out"
    assert [e["data"]["phone"] for e in _events(admin_db, tenant.org_id, "sms.opted_out")] == [gone]


def test_sender_crash_mid_batch_loses_and_repeats_nothing(client, tenant, send_queue, monkeypatch):
    """The sender is lost after Twilio took one message of a batch of three, before it knew: the
    others are recorded and deleted, that one comes back once its lease runs out and is sent
    again (at least once)."""
    from hearth.telephony import provider

    line(client, tenant)
    recipients = [new_number() for _ in range(3)]
    messages = [_queued(client, tenant, {"to": to, "body": f"batch {i}"}) for i, to in enumerate(recipients)]
    doomed = uuid.UUID(messages[1]["id"])
    real_send = provider.send_message
    crashed = []

    def send_message(account, **kwargs):
        answer = real_send(account, **kwargs)
        if kwargs["to"] == recipients[1] and not crashed:
            crashed.append(answer)
            raise RuntimeError("the environment was lost after Twilio's answer")
        return answer

    monkeypatch.setattr(provider, "send_message", send_message)
    got = send_queue.sqs.receive_message(
        QueueUrl=send_queue.url, MaxNumberOfMessages=10, AttributeNames=["All"]
    )
    assert len(got["Messages"]) == 3
    for m in got["Messages"]:  # back on the queue as they were
        send_queue.sqs.change_message_visibility(
            QueueUrl=send_queue.url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
        )
    first = send_queue.drain(rounds=1)
    assert len(first[0]["batchItemFailures"]) == 1
    # The attempt's lease runs out (its sender is gone); the message comes back and is sent again.
    with db.tenant_transaction(tenant.org_id) as conn:
        conn.execute(
            "UPDATE sms_messages SET claimed_at = now() - interval '10 minutes' WHERE id = %s", (doomed,)
        )
    assert send_queue.drain() == [{"batchItemFailures": []}]
    assert [len(_stand_in_messages(to)) for to in recipients] == [1, 2, 1]  # at least once: see sender docs
    for message in messages:
        assert _message(client, tenant, message["id"])["provider_sid"]
    assert send_queue.depth() == 0


def test_the_plans_monthly_sms_allowance_refuses_the_next_send_and_stores_nothing(
    client, tenant, admin_db, monkeypatch
):
    from hearth.settings import settings

    line(client, tenant)
    monkeypatch.setenv("HEARTH_PLANS", '{"free": {"limits": {"sms_per_month": 2}}}')
    settings.cache_clear()
    try:
        to = new_number()
        for n in range(2):
            assert _send(client, tenant, {"to": to, "body": f"Reminder {n}"}).status == 202
        refused = _send(client, tenant, {"to": to, "body": "One too many"})
        assert refused.status == 402, refused.body
        problem = refused.json()
        assert (problem["code"], problem["limit"], problem["used"]) == ("quota_exceeded", 2, 2)
        stored = admin_db.execute(
            "SELECT count(*) AS n FROM sms_messages WHERE org_id = %s", (tenant.org_id,)
        ).fetchone()["n"]
        assert stored == 2
        counted = admin_db.execute(
            "SELECT count(*) AS n FROM billing_usage WHERE org_id = %s AND meter = 'sms'", (tenant.org_id,)
        ).fetchone()["n"]
        assert counted == 2
        assert client.get("/v1/billing", auth=tenant.key_auth).json()["usage"]["sms"]["used"] == 2
    finally:
        monkeypatch.delenv("HEARTH_PLANS")
        settings.cache_clear()
