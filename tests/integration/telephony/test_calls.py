"""Voice: an inbound call rings the member, then goes to voicemail; the recording is noted, copied
by the recording copier into the SSE-KMS bucket (moto) and deleted in Twilio, then served as a
presigned URL; status callbacks end the call (interaction, call.completed) and never move it back;
click-to-call rings the member first, then bridges to the person."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from hearth import aws
from hearth.settings import settings
from tests.conftest import TWILIO
from tests.integration.telephony.lines import Line, line, new_number, twilio_post

XML = '<?xml version="1.0" encoding="UTF-8"?>'


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from moto import mock_aws

    with mock_aws():
        aws.reset("s3")
        aws.reset("kms")
        s3 = aws.client("s3", read_timeout=5)
        s3.create_bucket(Bucket="hearth-recordings")
        key = aws.client("kms", read_timeout=5).create_key()["KeyMetadata"]["Arn"]
        s3.put_bucket_encryption(  # as template.yaml's RecordingsBucket
            Bucket="hearth-recordings",
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key,
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        s3.key_arn = key
        monkeypatch.setenv("HEARTH_RECORDINGS_BUCKET", "hearth-recordings")
        settings.cache_clear()
        try:
            yield s3
        finally:
            aws.reset("s3")
            aws.reset("kms")
            monkeypatch.delenv("HEARTH_RECORDINGS_BUCKET", raising=False)
            settings.cache_clear()


def _voice(
    client, org: Line, params: dict[str, str], *, query: str = "", path: str = "/webhooks/twilio/voice"
):
    answer = twilio_post(client, path, {"AccountSid": org.account, **params}, org.token, query=query)
    assert answer.status == 200, answer.body
    return answer


def _member_line(client, tenant) -> tuple[Line, object, str]:
    org = line(client, tenant)
    member = client.add_member(tenant, "member")
    phone = new_number()
    changed = client.patch(
        f"/v1/phone-numbers/{org.number_id}",
        auth=tenant.key_auth,
        json_body={"member_user_id": member.user_id, "forward_to": phone},
    )
    assert changed.status == 200, changed.body
    return org, member, phone


def _events(admin_db, org_id, type_):
    return admin_db.execute(
        "SELECT payload FROM domain_events WHERE org_id = %s AND type = %s ORDER BY occurred_at",
        (org_id, type_),
    ).fetchall()


def _copy(call_id: str, org_id: str) -> None:
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    from hearth.telephony.calls.recordings import RecordingCopyMessage

    body = RecordingCopyMessage(uuid.UUID(org_id), uuid.UUID(call_id)).body()
    record = {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:RecordingCopyQueue",
        "awsRegion": "us-east-1",
    }
    response = invoke(load_template().functions["RecordingCopierFunction"], {"Records": [record]})
    assert response == {"batchItemFailures": []}


def test_inbound_call_rings_the_member_then_voicemail_recorded_and_copied(
    client, tenant, public_url, admin_db, bucket
):
    org, member, phone = _member_line(client, tenant)
    caller = new_number()
    person = client.post(
        "/v1/people", auth=tenant.key_auth, json_body={"first_name": "Di", "phones": [caller]}
    ).json()
    sid = "CA" + uuid.uuid4().hex
    call = {"CallSid": sid, "From": caller, "To": org.number, "Direction": "inbound", "CallStatus": "ringing"}
    rung = _voice(client, org, call).body.decode()
    calls = client.get("/v1/calls", auth=tenant.key_auth).json()["data"]
    assert len(calls) == 1
    stored = calls[0]
    assert (stored["status"], stored["person_id"], stored["member_user_id"]) == (
        "ringing",
        person["id"],
        member.user_id,
    )
    dialed = f"{public_url}/webhooks/twilio/voice?step=dialed&amp;call_id={stored['id']}"
    assert (
        rung
        == f'{XML}<Response><Dial timeout="20" action="{dialed}"><Number>{phone}</Number></Dial></Response>'
    )
    # Twilio's retry of the same request: the same call, once.
    assert _voice(client, org, call).body.decode() == rung
    assert len(client.get("/v1/calls", auth=tenant.key_auth).json()["data"]) == 1
    # Nobody answered: voicemail.
    missed = _voice(
        client, org, {**call, "DialCallStatus": "no-answer"}, query=f"step=dialed&call_id={stored['id']}"
    )
    assert "<Record " in missed.body.decode()
    assert f"{public_url}/webhooks/twilio/recording?call_id={stored['id']}" in missed.body.decode()
    # Twilio reports the recording.
    recording = TWILIO.give_recording(org.account, sid, audio=b"ID3 hello", seconds=9)
    _voice(
        client,
        org,
        {
            "CallSid": sid,
            "RecordingSid": recording["sid"],
            "RecordingStatus": "completed",
            "RecordingDuration": "9",
        },
        query=f"call_id={stored['id']}",
        path="/webhooks/twilio/recording",
    )
    shown = client.get(f"/v1/calls/{stored['id']}", auth=tenant.key_auth).json()
    assert (shown["voicemail"], shown["recording_status"], shown["recording_seconds"]) == (True, "pending", 9)
    assert [e["payload"]["id"] for e in _events(admin_db, tenant.org_id, "voicemail.received")] == [
        stored["id"]
    ]
    assert len(_events(admin_db, tenant.org_id, "call.recording_available")) == 1
    pending = client.get(f"/v1/calls/{stored['id']}/recording", auth=tenant.key_auth)
    assert pending.status == 409
    # The copier: into the bucket, encrypted with the recordings key, then gone from Twilio.
    _copy(stored["id"], tenant.org_id)
    assert recording["sid"] not in TWILIO.recordings
    key = f"recordings/{tenant.org_id}/{stored['id']}/{recording['sid']}.mp3"
    obj = bucket.get_object(Bucket="hearth-recordings", Key=key)
    assert obj["Body"].read() == b"ID3 hello"
    assert obj["ServerSideEncryption"] == "aws:kms"
    assert obj["SSEKMSKeyId"] == bucket.key_arn
    _copy(stored["id"], tenant.org_id)  # a repeated message: nothing more
    link = client.get(f"/v1/calls/{stored['id']}/recording", auth=tenant.key_auth)
    assert link.status == 200, link.body
    assert key in link.json()["url"]
    assert "Signature" in link.json()["url"] or "X-Amz-Signature" in link.json()["url"]
    # The call ends: completed, on the person's timeline, call.completed once.
    for status in ("in-progress", "completed", "ringing", "completed"):
        _voice(
            client,
            org,
            {"CallSid": sid, "CallStatus": status, "CallDuration": "31"},
            path="/webhooks/twilio/voice-status",
        )
    ended = client.get(f"/v1/calls/{stored['id']}", auth=tenant.key_auth).json()
    assert (ended["status"], ended["duration_seconds"]) == ("completed", 31)
    assert len(_events(admin_db, tenant.org_id, "call.completed")) == 1
    interactions = admin_db.execute(
        "SELECT type, direction FROM interactions WHERE org_id = %s AND person_id = %s",
        (tenant.org_id, person["id"]),
    ).fetchall()
    assert interactions == [{"type": "call", "direction": "inbound"}]


def test_a_number_with_no_member_goes_to_voicemail(client, tenant, public_url):
    org = line(client, tenant)
    call = {
        "CallSid": "CA" + uuid.uuid4().hex,
        "From": new_number(),
        "To": org.number,
        "Direction": "inbound",
    }
    answered = _voice(client, org, call).body.decode()
    assert answered.startswith(f"{XML}<Response><Say>")
    assert "<Record " in answered


def test_click_to_call_rings_the_member_then_bridges(client, tenant, public_url):
    org, member, phone = _member_line(client, tenant)
    person_phone = new_number()
    person = client.post(
        "/v1/people", auth=tenant.key_auth, json_body={"first_name": "Ed", "phones": [person_phone]}
    ).json()
    placed = client.post("/v1/calls", auth=member.auth, org=tenant.org_id, json_body={"to": person["id"]})
    assert placed.status == 201, placed.body
    call = placed.json()
    assert (call["status"], call["to"], call["from"]) == ("queued", person_phone, org.number)
    twilio_call = TWILIO.calls[call["provider_sid"]]
    assert (twilio_call["to"], twilio_call["from"]) == (phone, org.number)
    assert twilio_call["url"] == f"{public_url}/webhooks/twilio/voice?step=bridge&call_id={call['id']}"
    bridged = _voice(
        client,
        org,
        {"CallSid": call["provider_sid"], "From": org.number, "To": phone, "Direction": "outbound-api"},
        query=f"step=bridge&call_id={call['id']}",
    )
    assert bridged.body.decode() == (
        f'{XML}<Response><Dial callerId="{org.number}"><Number>{person_phone}</Number></Dial></Response>'
    )
    # Without a phone of one's own there is no one to ring first.
    refused = client.post("/v1/calls", auth=tenant.key_auth, json_body={"to": person_phone})
    assert refused.status == 422
    assert refused.json()["code"] == "no_member_phone"


def test_a_persons_conversation_holds_sms_and_calls_in_time_order(client, tenant, public_url):
    org = line(client, tenant)
    phone = new_number()
    person = client.post(
        "/v1/people", auth=tenant.key_auth, json_body={"first_name": "Flo", "phones": [phone]}
    ).json()
    sent = client.post("/v1/messages/sms", auth=tenant.key_auth, json_body={"to": person["id"], "body": "hi"})
    assert sent.status == 202
    call = {"CallSid": "CA" + uuid.uuid4().hex, "From": phone, "To": org.number, "Direction": "inbound"}
    _voice(client, org, call)
    _voice(
        client,
        org,
        {"MessageSid": "SM" + uuid.uuid4().hex, "From": phone, "To": org.number, "Body": "ok"},
        path="/webhooks/twilio/sms",
    )
    path = f"/v1/people/{person['id']}/messages"
    items = client.get(path, auth=tenant.key_auth).json()["data"]
    assert [(i["kind"], i["direction"], i["body"]) for i in items] == [
        ("sms", "outbound", "hi"),
        ("call", "inbound", None),
        ("sms", "inbound", "ok"),
    ]
    newest = client.get(path, auth=tenant.key_auth, query="sort=-created_at&limit=1").json()
    assert [i["body"] for i in newest["data"]] == ["ok"]
    assert newest["next_cursor"]
    only_calls = client.get(path, auth=tenant.key_auth, query="filter[kind]=call").json()["data"]
    assert [i["kind"] for i in only_calls] == ["call"]
    assert client.get(f"/v1/people/{uuid.uuid4()}/messages", auth=tenant.key_auth).status == 404


def test_a_recording_twilio_will_not_hand_over_is_retried_then_failed(client, tenant, public_url, bucket):
    from hearth.telephony.calls.recordings import MAX_RECEIVES, RecordingCopyMessage, copy

    org = line(client, tenant)
    sid = "CA" + uuid.uuid4().hex
    _voice(client, org, {"CallSid": sid, "From": new_number(), "To": org.number, "Direction": "inbound"})
    (call,) = client.get("/v1/calls", auth=tenant.key_auth).json()["data"]
    recording = TWILIO.give_recording(org.account, sid)
    params = {"CallSid": sid, "RecordingSid": recording["sid"], "RecordingStatus": "completed"}
    _voice(client, org, params, query=f"call_id={call['id']}", path="/webhooks/twilio/recording")
    message = RecordingCopyMessage(uuid.UUID(tenant.org_id), uuid.UUID(call["id"]))
    TWILIO.fail(status=503, times=MAX_RECEIVES, paths="/2010-04-01/Accounts/")
    try:
        from hearth.telephony.provider import ProviderError

        for receive in range(1, MAX_RECEIVES + 1):
            with pytest.raises(ProviderError):
                copy(message, last_try=receive == MAX_RECEIVES)
            status = client.get(f"/v1/calls/{call['id']}", auth=tenant.key_auth).json()["recording_status"]
            assert status == ("failed" if receive == MAX_RECEIVES else "pending")
    finally:
        TWILIO.clear_faults()
    assert recording["sid"] in TWILIO.recordings  # never deleted without a copy
    assert copy(message) == "done"
