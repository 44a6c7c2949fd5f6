"""Cross-tenant cases: telephony. One org's numbers, messages and settings are out of reach of
another: ids are not found, lists hold only the caller's own, a number cannot be attached,
bought or texted from by another org, and Twilio's webhooks signed by one org's account never
store into another's."""

from __future__ import annotations

import uuid

from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case
from tests.integration.telephony.lines import inbound_sms, line, new_number, twilio_post

NUMBERS = "/v1/phone-numbers"
SMS = "/v1/messages/sms"


def _victim(client, victim):
    org = line(client, victim)
    sent = client.post(
        SMS, auth=victim.key_auth, json_body={"to": new_number(), "body": "Victim secret text"}
    )
    assert sent.status == 202, sent.body
    return org, sent.json()


def _victim_numbers(client, victim):
    return client.get(NUMBERS, auth=victim.key_auth).json()["data"]


@case("GET /v1/phone-numbers")
def list_numbers(client, victim, intruder):
    org, _ = _victim(client, victim)
    listed = client.get(NUMBERS, auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, org.number, org.number_id)


@case("POST /v1/phone-numbers")
def attach_number(client, victim, intruder):
    org, _ = _victim(client, victim)
    before = _victim_numbers(client, victim)
    # Without holding it in its own account: refused by Twilio's answer, not by revealing the owner.
    line(client, intruder)
    refused = client.post(NUMBERS, auth=intruder.key_auth, json_body={"phone_number": org.number})
    assert refused.status == 422, refused.body
    assert_not_leaked(refused, org.number_id, victim.org_id)
    assert _victim_numbers(client, victim) == before


@case("POST /v1/phone-numbers/buy")
def buy_number(client, victim, intruder):
    org, _ = _victim(client, victim)
    line(client, intruder)
    refused = client.post(f"{NUMBERS}/buy", auth=intruder.key_auth, json_body={"phone_number": org.number})
    assert refused.status == 422, refused.body  # not for sale: Twilio holds it for the victim
    assert_not_leaked(refused, org.number_id, victim.org_id)
    assert _victim_numbers(client, victim)[0]["phone_number"] == org.number


@case("GET /v1/phone-numbers/available")
def available_numbers(client, victim, intruder):
    org, _ = _victim(client, victim)
    # Without an integration of its own, the intruder's search never uses the victim's account.
    searched = client.get(f"{NUMBERS}/available", auth=intruder.key_auth)
    assert searched.status == 422, searched.body
    assert searched.json()["code"] == "twilio_not_connected"
    assert_not_leaked(searched, org.account, org.number)


@case("PATCH /v1/phone-numbers/{number_id}")
def update_number(client, victim, intruder):
    org, _ = _victim(client, victim)
    before = _victim_numbers(client, victim)
    changed = client.patch(
        f"{NUMBERS}/{org.number_id}", auth=intruder.key_auth, json_body={"is_default": True}
    )
    assert_hidden(changed, org.number)
    assert _victim_numbers(client, victim) == before


@case("DELETE /v1/phone-numbers/{number_id}")
def release_number(client, victim, intruder):
    org, _ = _victim(client, victim)
    assert_hidden(client.delete(f"{NUMBERS}/{org.number_id}", auth=intruder.key_auth), org.number)
    assert len(_victim_numbers(client, victim)) == 1


@case("POST /v1/messages/sms")
def send_sms(client, victim, intruder):
    org, sent = _victim(client, victim)
    person = client.post(
        "/v1/people", auth=victim.key_auth, json_body={"first_name": "Vic", "phones": [new_number()]}
    ).json()
    line(client, intruder)
    from_victim = client.post(
        SMS, auth=intruder.key_auth, json_body={"to": new_number(), "body": "x", "from": org.number}
    )
    assert from_victim.status == 422, from_victim.body
    assert from_victim.json()["errors"][0]["code"] == "not_an_org_number"
    to_victims_person = client.post(SMS, auth=intruder.key_auth, json_body={"to": person["id"], "body": "x"})
    assert to_victims_person.status == 422
    assert_not_leaked(to_victims_person, person["phones"][0], victim.org_id)
    assert [m["id"] for m in client.get(SMS, auth=victim.key_auth).json()["data"]] == [sent["id"]]


@case("GET /v1/messages/sms")
def list_sms(client, victim, intruder):
    _, sent = _victim(client, victim)
    listed = client.get(SMS, auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, sent["id"], "Victim secret text")


@case("GET /v1/messages/sms/{message_id}")
def get_sms(client, victim, intruder):
    _, sent = _victim(client, victim)
    assert_hidden(client.get(f"{SMS}/{sent['id']}", auth=intruder.key_auth), "Victim secret text", sent["to"])


@case("GET /v1/telephony/settings")
def get_settings(client, victim, intruder):
    client.patch("/v1/telephony/settings", auth=victim.key_auth, json_body={"help_text": "Victim help"})
    shown = client.get("/v1/telephony/settings", auth=intruder.key_auth)
    assert shown.status == 200
    assert shown.json()["help_text"] is None
    assert_not_leaked(shown, "Victim help")


@case("PATCH /v1/telephony/settings")
def update_settings(client, victim, intruder):
    client.patch("/v1/telephony/settings", auth=victim.key_auth, json_body={"help_text": "Victim help"})
    changed = client.patch("/v1/telephony/settings", auth=intruder.key_auth, json_body={"help_text": "Mine"})
    assert changed.status == 200
    assert_not_leaked(changed, "Victim help")
    assert client.get("/v1/telephony/settings", auth=victim.key_auth).json()["help_text"] == "Victim help"


@case("POST /webhooks/twilio/sms")
def inbound(client, victim, intruder):
    org, _ = _victim(client, victim)
    theirs = line(client, intruder)
    # Signed with the intruder's own token, naming the victim's number and account: not verified.
    as_victim = inbound_sms(client, org, new_number(), "planted", token=theirs.token)
    assert as_victim.status == 403
    # Signed validly by the intruder's account, naming the victim's number: ignored.
    crossed = twilio_post(
        client,
        "/webhooks/twilio/sms",
        {
            "AccountSid": theirs.account,
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": new_number(),
            "To": org.number,
            "Body": "planted",
        },
        theirs.token,
    )
    assert crossed.status == 200
    assert_not_leaked(crossed, victim.org_id)
    for tenant in (victim, intruder):
        bodies = [m["body"] for m in client.get(SMS, auth=tenant.key_auth).json()["data"]]
        assert "planted" not in bodies


@case("POST /webhooks/twilio/sms-status")
def sms_status(client, victim, intruder):
    _, sent = _victim(client, victim)
    theirs = line(client, intruder)
    forged = twilio_post(
        client,
        "/webhooks/twilio/sms-status",
        {"AccountSid": theirs.account, "MessageSid": "SM" + uuid.uuid4().hex, "MessageStatus": "failed"},
        theirs.token,
        query=f"message_id={sent['id']}",
    )
    assert forged.status == 200
    assert client.get(f"{SMS}/{sent['id']}", auth=victim.key_auth).json()["status"] == "queued"


def _victim_call(client, victim):
    org = line(client, victim)
    sid = "CA" + uuid.uuid4().hex
    params = {
        "AccountSid": org.account,
        "CallSid": sid,
        "From": new_number(),
        "To": org.number,
        "Direction": "inbound",
    }
    assert twilio_post(client, "/webhooks/twilio/voice", params, org.token).status == 200
    (call,) = client.get("/v1/calls", auth=victim.key_auth).json()["data"]
    return org, sid, call


@case("GET /v1/calls")
def list_calls(client, victim, intruder):
    _, sid, call = _victim_call(client, victim)
    listed = client.get("/v1/calls", auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, sid, call["id"], call["from"])


@case("GET /v1/calls/{call_id}")
def get_call(client, victim, intruder):
    _, sid, call = _victim_call(client, victim)
    assert_hidden(client.get(f"/v1/calls/{call['id']}", auth=intruder.key_auth), sid, call["from"])


@case("GET /v1/calls/{call_id}/recording")
def get_recording(client, victim, intruder):
    _, sid, call = _victim_call(client, victim)
    assert_hidden(client.get(f"/v1/calls/{call['id']}/recording", auth=intruder.key_auth), sid)


@case("POST /v1/calls")
def place_call(client, victim, intruder):
    org, _, call = _victim_call(client, victim)
    line(client, intruder)
    # The victim's number is not the intruder's to call from, nor its people to call.
    person = client.post(
        "/v1/people", auth=victim.key_auth, json_body={"first_name": "Vi", "phones": [new_number()]}
    ).json()
    for body in ({"to": new_number(), "from": org.number}, {"to": person["id"]}):
        refused = client.post("/v1/calls", auth=intruder.key_auth, json_body=body)
        assert refused.status == 422, refused.body
        assert_not_leaked(refused, person["phones"][0], victim.org_id)
    assert [c["id"] for c in client.get("/v1/calls", auth=victim.key_auth).json()["data"]] == [call["id"]]


@case("POST /webhooks/twilio/voice")
def voice(client, victim, intruder):
    org, _, call = _victim_call(client, victim)
    theirs = line(client, intruder)
    params = {
        "AccountSid": theirs.account,
        "CallSid": "CA" + uuid.uuid4().hex,
        "From": new_number(),
        "To": org.number,
        "Direction": "inbound",
    }
    crossed = twilio_post(client, "/webhooks/twilio/voice", params, theirs.token)
    assert crossed.status == 200
    assert "<Dial" not in crossed.body.decode()
    assert_not_leaked(crossed, victim.org_id, call["id"])
    assert len(client.get("/v1/calls", auth=victim.key_auth).json()["data"]) == 1
    assert client.get("/v1/calls", auth=intruder.key_auth).json()["data"] == []


@case("POST /webhooks/twilio/voice-status")
def voice_status(client, victim, intruder):
    _, sid, call = _victim_call(client, victim)
    theirs = line(client, intruder)
    for query in (f"call_id={call['id']}", ""):
        params = {
            "AccountSid": theirs.account,
            "CallSid": sid,
            "CallStatus": "completed",
            "CallDuration": "5",
        }
        assert (
            twilio_post(client, "/webhooks/twilio/voice-status", params, theirs.token, query=query).status
            == 200
        )
    assert client.get(f"/v1/calls/{call['id']}", auth=victim.key_auth).json()["status"] == "ringing"


@case("POST /webhooks/twilio/recording")
def recording(client, victim, intruder):
    _, sid, call = _victim_call(client, victim)
    theirs = line(client, intruder)
    params = {
        "AccountSid": theirs.account,
        "CallSid": sid,
        "RecordingSid": "RE" + uuid.uuid4().hex,
        "RecordingStatus": "completed",
    }
    forged = twilio_post(
        client, "/webhooks/twilio/recording", params, theirs.token, query=f"call_id={call['id']}"
    )
    assert forged.status == 200
    assert client.get(f"/v1/calls/{call['id']}", auth=victim.key_auth).json()["recording_status"] is None


@case("GET /v1/people/{person_id}/messages")
def person_messages(client, victim, intruder):
    org = line(client, victim)
    phone = new_number()
    person = client.post(
        "/v1/people", auth=victim.key_auth, json_body={"first_name": "Vi", "phones": [phone]}
    ).json()
    body = {"to": person["id"], "body": "Victim secret text"}
    assert client.post(SMS, auth=victim.key_auth, json_body=body).status == 202
    assert_hidden(
        client.get(f"/v1/people/{person['id']}/messages", auth=intruder.key_auth), "Victim secret text", phone
    )
    assert org.number
