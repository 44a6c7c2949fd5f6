"""Cross-tenant cases: inbound email. One org's addresses, received messages and attachments are
out of reach of another: ids are not found, lists hold only the caller's own, an address change
touches only the caller's own address (and a taken address names no org), and the BCC token of
another org is never shown."""

from __future__ import annotations

from tests.integration.cross_tenant import assert_hidden, assert_not_leaked, case
from tests.integration.email_inbound.mail import addresses, deliver, fixture, inbound_aws

MESSAGES = "/v1/email/inbound-messages"


def _victim_message(client, victim):
    """A message with attachments received by the victim: its row as the API shows it."""
    with inbound_aws() as s3:
        mine = addresses(client, victim)
        raw = fixture("attachments.eml", **{"acme-3f9a1c@inbound.hearth.test": mine["address"]})
        deliver(s3, raw, [mine["address"]])
        (message,) = client.get(MESSAGES, auth=victim.key_auth).json()["data"]
        return mine, message


@case("GET /v1/email/inbound")
def get_address(client, victim, intruder):
    with inbound_aws():
        theirs = addresses(client, victim)
        answer = client.get("/v1/email/inbound", auth=intruder.key_auth)
        assert answer.status == 200
        assert answer.json()["slug"] != theirs["slug"]
        assert_not_leaked(answer, theirs["slug"], theirs["bcc_address"], victim.org_id)


@case("PATCH /v1/email/inbound")
def update_address(client, victim, intruder):
    with inbound_aws():
        before = addresses(client, victim)
        taken = client.patch("/v1/email/inbound", auth=intruder.key_auth, json_body={"slug": before["slug"]})
        assert taken.status == 409, taken.body
        assert_not_leaked(taken, before["bcc_address"], victim.org_id)
        rotated = client.patch(
            "/v1/email/inbound", auth=intruder.key_auth, json_body={"rotate_bcc_address": True}
        )
        assert rotated.status == 200
        assert_not_leaked(rotated, before["bcc_address"], victim.org_id)
        assert addresses(client, victim) == before


@case("GET /v1/email/inbound-messages")
def list_messages(client, victim, intruder):
    _, message = _victim_message(client, victim)
    listed = client.get(MESSAGES, auth=intruder.key_auth)
    assert listed.status == 200
    assert listed.json()["data"] == []
    assert_not_leaked(listed, message["id"], message["subject"], message["from_address"])


@case("GET /v1/email/inbound-messages/{email_id}")
def get_message(client, victim, intruder):
    _, message = _victim_message(client, victim)
    answer = client.get(f"{MESSAGES}/{message['id']}", auth=intruder.key_auth)
    assert_hidden(answer, message["subject"], message["from_address"])


@case("GET /v1/email/inbound-messages/{email_id}/attachments/{index}")
def get_attachment(client, victim, intruder):
    _, message = _victim_message(client, victim)
    with inbound_aws():
        for index in (0, 1, 2):
            answer = client.get(f"{MESSAGES}/{message['id']}/attachments/{index}", auth=intruder.key_auth)
            assert_hidden(answer, "INV-2041.pdf", message["ses_message_id"], victim.org_id)
