"""Inbound email end to end against PostgreSQL and moto: the org's addresses (made with the org,
changed and rotated by admins), SES's notification handed to the consumer, the message stored
once per org with the person, company, interaction and email.received; attachments in S3 behind
presigned links; unknown recipients dropped; BCC-logged mail from members only; an address of one
org never writing into another."""

from __future__ import annotations

import json
import uuid

from tests.integration.email_inbound.mail import BUCKET, DOMAIN, addresses, deliver, fixture, notify

ORG_ADDRESS = "acme-3f9a1c@inbound.hearth.test"  # the address written in the fixtures


def _rows(admin_db, org_id):
    return admin_db.execute(
        "SELECT * FROM inbound_emails WHERE org_id = %s ORDER BY created_at", (org_id,)
    ).fetchall()


def _events(admin_db, org_id):
    return admin_db.execute(
        "SELECT payload FROM domain_events WHERE org_id = %s AND type = 'email.received'"
        " ORDER BY occurred_at",
        (org_id,),
    ).fetchall()


def _person(client, tenant, email, **extra):
    made = client.post(
        "/v1/people", auth=tenant.key_auth, json_body={"first_name": "Maria", "email": email, **extra}
    )
    assert made.status == 201, made.body
    return made.json()


def test_every_org_has_an_inbound_and_a_bcc_address(client, tenant, other_tenant, s3):
    mine, theirs = addresses(client, tenant), addresses(client, other_tenant)
    assert mine["enabled"] is True
    assert mine["domain"] == DOMAIN
    assert mine["slug"].startswith("acme-")
    assert len(mine["slug"]) == len("acme-") + 6
    assert mine["address"] == f"{mine['slug']}@{DOMAIN}"
    assert mine["bcc_address"].startswith(f"{mine['slug']}+bcc-")
    assert mine["bcc_address"].endswith(DOMAIN)
    assert theirs["slug"].startswith("globex-")
    assert theirs["slug"] != mine["slug"]
    viewer = client.add_member(tenant, "viewer")
    assert client.get("/v1/email/inbound", auth=viewer.auth, org=tenant.org_id).status == 200


def test_admins_choose_the_address_and_rotate_the_bcc_address(client, tenant, other_tenant, s3, admin_db):
    before = addresses(client, tenant)
    member = client.add_member(tenant, "member")
    refused = client.patch(
        "/v1/email/inbound", auth=member.auth, org=tenant.org_id, json_body={"slug": "acme-sales"}
    )
    assert refused.status == 403
    slug = f"acme-{uuid.uuid4().hex[:8]}"
    changed = client.patch("/v1/email/inbound", auth=tenant.key_auth, json_body={"slug": slug})
    assert changed.status == 200, changed.body
    assert changed.json()["address"] == f"{slug}@{DOMAIN}"
    assert changed.json()["bcc_address"].split("+")[1] == before["bcc_address"].split("+")[1]
    taken = client.patch("/v1/email/inbound", auth=other_tenant.key_auth, json_body={"slug": slug})
    assert taken.status == 409
    assert taken.json()["code"] == "inbound_address_taken"
    for bad, code in (("postmaster", "reserved_slug"), ("Has Spaces", None), ("ab", None), ("x+y", None)):
        answer = client.patch("/v1/email/inbound", auth=tenant.key_auth, json_body={"slug": bad})
        assert answer.status == 422, (bad, answer.body)
        if code:
            assert answer.json()["errors"][0]["code"] == code
    assert addresses(client, tenant)["slug"] == slug
    rotated = client.patch("/v1/email/inbound", auth=tenant.key_auth, json_body={"rotate_bcc_address": True})
    assert rotated.status == 200
    assert rotated.json()["bcc_address"] != changed.json()["bcc_address"]
    # The old addresses reach no one now.
    _, _, answer = deliver(s3, fixture("latin1.eml"), [before["address"], changed.json()["bcc_address"]])
    assert answer == {"batchItemFailures": []}
    assert _rows(admin_db, tenant.org_id) == []


def test_a_message_is_stored_on_the_senders_timeline_with_its_company(client, tenant, s3, admin_db):
    company = client.post("/v1/companies", auth=tenant.key_auth, json_body={"name": "Example Org"}).json()
    person = _person(client, tenant, "maria.lopez@example.org", company_id=company["id"])
    mine = addresses(client, tenant)
    raw = fixture("multipart_alternative.eml", **{ORG_ADDRESS: mine["address"]})
    ses_id, _, answer = deliver(s3, raw, [mine["address"]], source="maria.lopez@example.org")
    assert answer == {"batchItemFailures": []}
    (row,) = _rows(admin_db, tenant.org_id)
    assert (row["direction"], row["recipient"], row["ses_message_id"]) == ("inbound", mine["address"], ses_id)
    assert row["from_address"] == "maria.lopez@example.org"
    assert row["from_name"] == "Maria Lopez"
    assert row["cc_addresses"] == ["tom@example.org", "finance@example.org"]
    assert row["message_id"] == "<CAF3x9Zk1Q2w-7hV@mail.example.org>"
    assert row["in_reply_to"] == "<0100018c2f1e-abc@email.amazonses.com>"
    assert len(row["references"]) == 2
    assert str(row["person_id"]) == person["id"]
    assert str(row["company_id"]) == company["id"]
    assert row["verdicts"] == {
        "spam": "PASS",
        "virus": "PASS",
        "spf": "PASS",
        "dkim": "PASS",
        "dmarc": "PASS",
    }
    assert row["raw_key"] == f"inbound/{ses_id}"
    interactions = admin_db.execute(
        "SELECT type, direction, subject, summary, company_id, external_ref FROM interactions"
        " WHERE org_id = %s AND person_id = %s",
        (tenant.org_id, person["id"]),
    ).fetchall()
    assert len(interactions) == 1
    assert interactions[0]["type"] == "email"
    assert interactions[0]["direction"] == "inbound"
    assert interactions[0]["subject"] == "Re: Proposal for the spring campaign"
    assert "move the kickoff to the 14th" in interactions[0]["summary"]
    assert str(interactions[0]["company_id"]) == company["id"]
    assert interactions[0]["external_ref"] == f"ses:{ses_id}"
    (event,) = _events(admin_db, tenant.org_id)
    assert event["payload"]["object"]["id"] == str(row["id"])
    assert "text" not in event["payload"]["object"]
    assert event["payload"]["object"]["person_id"] == person["id"]
    assert event["payload"]["object"]["subject"] == "Re: Proposal for the spring campaign"
    # The routes: the list (no bodies) and the message (bodies as data, the HTML as received).
    listed = client.get("/v1/email/inbound-messages", auth=tenant.key_auth)
    assert listed.status == 200
    (item,) = listed.json()["data"]
    assert item["id"] == str(row["id"])
    assert "html" not in item
    assert item["subject"].startswith("Re: Proposal")
    filtered = client.get(
        "/v1/email/inbound-messages", auth=tenant.key_auth, query=f"filter[person_id]={person['id']}"
    )
    assert [m["id"] for m in filtered.json()["data"]] == [item["id"]]
    got = client.get(f"/v1/email/inbound-messages/{row['id']}", auth=tenant.key_auth)
    assert got.status == 200
    assert got.header("content-type").startswith("application/json")
    assert "<script>alert(1)</script>" in got.json()["html"]
    assert got.json()["text"].startswith("Hi team,\n")
    # The person's timeline shows it, and their company's.
    for path in (f"/v1/people/{person['id']}/timeline", f"/v1/companies/{company['id']}/timeline"):
        timeline = client.get(path, auth=tenant.key_auth)
        assert timeline.status == 200, timeline.body
        emails = [
            i for i in timeline.json()["data"] if i["type"] == "interaction" and i["data"]["type"] == "email"
        ]
        assert [e["data"]["external_ref"] for e in emails] == [f"ses:{ses_id}"]


def test_a_repeated_notification_or_message_is_stored_once(client, tenant, s3, admin_db):
    person = _person(client, tenant, "maria.lopez@example.org")
    mine = addresses(client, tenant)
    raw = fixture("multipart_alternative.eml", **{ORG_ADDRESS: mine["address"]})
    _, body, first = deliver(s3, raw, [mine["address"]])
    assert notify(body) == first == {"batchItemFailures": []}  # SQS delivered it twice
    _, _, again = deliver(s3, raw, [mine["address"]])  # the same Message-ID under another SES id
    assert again == {"batchItemFailures": []}
    assert len(_rows(admin_db, tenant.org_id)) == 1
    assert len(_events(admin_db, tenant.org_id)) == 1
    count = admin_db.execute(
        "SELECT count(*) AS n FROM interactions WHERE org_id = %s AND person_id = %s",
        (tenant.org_id, person["id"]),
    ).fetchone()
    assert count["n"] == 1


def test_a_message_without_a_message_id_is_kept_once_per_ses_message(client, tenant, s3, admin_db):
    mine = addresses(client, tenant)
    raw = fixture("no_message_id.eml", **{ORG_ADDRESS: mine["address"]})
    _, body, _ = deliver(s3, raw, [mine["address"]])
    notify(body)
    deliver(s3, raw, [mine["address"]])  # a second, distinct delivery of an id-less message
    rows = _rows(admin_db, tenant.org_id)
    assert len(rows) == 2
    assert all(r["message_id"] is None for r in rows)
    assert rows[0]["person_id"] is None  # an unknown sender: stored, no person made, no interaction
    assert rows[0]["text_body"].startswith("Weekly report")


def test_unknown_recipients_are_dropped(client, tenant, s3, admin_db):
    mine = addresses(client, tenant)
    strangers = [
        f"nobody-{uuid.uuid4().hex[:6]}@{DOMAIN}",
        f"{mine['slug']}@other.example",  # the slug at another domain
        f"{mine['slug']}+bcc-guessed@{DOMAIN}",  # a BCC address with a wrong token
        f"{mine['slug']}+sales@{DOMAIN}",  # a tag that is not the BCC one
    ]
    _, _, answer = deliver(s3, fixture("latin1.eml"), strangers)
    assert answer == {"batchItemFailures": []}  # acknowledged: nothing to retry
    assert _rows(admin_db, tenant.org_id) == []


def test_an_address_of_one_org_never_writes_into_another(client, tenant, other_tenant, s3, admin_db):
    theirs_person = _person(client, other_tenant, "maria.lopez@example.org")
    mine, theirs = addresses(client, tenant), addresses(client, other_tenant)
    raw = fixture("multipart_alternative.eml", **{ORG_ADDRESS: mine["address"]})
    deliver(s3, raw, [mine["address"]])
    (row,) = _rows(admin_db, tenant.org_id)
    assert row["person_id"] is None  # the other org's person with this address is not ours
    assert _rows(admin_db, other_tenant.org_id) == []
    # Sent to both orgs: each stores its own copy, linked to its own person.
    raw2 = fixture("attachments.eml", **{ORG_ADDRESS: f"{mine['address']}, {theirs['address']}"})
    raw2 = raw2.replace(b"ops@vendor.example", b"maria.lopez@example.org")
    deliver(s3, raw2, [mine["address"], theirs["address"]])
    (their_row,) = _rows(admin_db, other_tenant.org_id)
    assert str(their_row["person_id"]) == theirs_person["id"]
    assert their_row["recipient"] == theirs["address"]
    assert all(a["key"].startswith(f"attachments/{other_tenant.org_id}/") for a in their_row["attachments"])
    assert len(_rows(admin_db, tenant.org_id)) == 2
    # The other org cannot read ours through the routes.
    assert client.get(f"/v1/email/inbound-messages/{row['id']}", auth=other_tenant.key_auth).status == 404


def test_attachments_go_to_s3_and_are_read_through_presigned_links(client, tenant, s3, admin_db):
    mine = addresses(client, tenant)
    raw = fixture("attachments.eml", **{ORG_ADDRESS: mine["address"]})
    ses_id, _, _ = deliver(s3, raw, [mine["address"]])
    (row,) = _rows(admin_db, tenant.org_id)
    assert [(a["index"], a["filename"], a["content_type"]) for a in row["attachments"]] == [
        (0, None, "image/png"),
        (1, "INV-2041.pdf", "application/pdf"),
        (2, "contract-thread.eml", "message/rfc822"),
    ]
    pdf = s3.get_object(Bucket=BUCKET, Key=f"attachments/{tenant.org_id}/{ses_id}/1")
    assert pdf["Body"].read().startswith(b"%PDF-1.4")
    assert pdf["ContentType"] == "application/pdf"
    forwarded = s3.get_object(Bucket=BUCKET, Key=f"attachments/{tenant.org_id}/{ses_id}/2")["Body"].read()
    assert b"Subject: Signed contract" in forwarded
    assert b"%PDF" not in json.dumps(row["attachments"]).encode()  # metadata only in the database
    link = client.get(f"/v1/email/inbound-messages/{row['id']}/attachments/1", auth=tenant.key_auth)
    assert link.status == 200, link.body
    body = link.json()
    assert body["filename"] == "INV-2041.pdf"
    assert body["size"] == pdf["ContentLength"]
    assert f"/attachments/{tenant.org_id}/{ses_id}/1" in body["url"]
    assert "Signature" in body["url"]
    got = client.get(f"/v1/email/inbound-messages/{row['id']}", auth=tenant.key_auth).json()
    assert "key" not in got["attachments"][0]  # where it is stays inside
    missing = client.get(f"/v1/email/inbound-messages/{row['id']}/attachments/7", auth=tenant.key_auth)
    assert missing.status == 404
    assert missing.json()["code"] == "attachment_not_found"
    audit = admin_db.execute(
        "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s AND action = 'email.attachment_read'",
        (tenant.org_id,),
    ).fetchone()
    assert audit["n"] == 1


def test_bcc_logged_email_from_a_member_is_outbound_on_the_recipients_timeline(client, tenant, s3, admin_db):
    person = _person(client, tenant, "maria.lopez@example.org")
    mine = addresses(client, tenant)
    member = client.add_member(tenant, "member")
    from hearth_dev.simulate.ses_inbound import mime_message

    raw = mime_message(
        sender=member.email,
        to=["maria.lopez@example.org"],
        subject="Our proposal",
        body="Attached, as promised.",
    )
    _, _, answer = deliver(s3, raw, [mine["bcc_address"]], source=member.email)
    assert answer == {"batchItemFailures": []}
    (row,) = _rows(admin_db, tenant.org_id)
    assert row["direction"] == "outbound"
    assert str(row["person_id"]) == person["id"]
    interaction = admin_db.execute(
        "SELECT direction FROM interactions WHERE org_id = %s AND person_id = %s",
        (tenant.org_id, person["id"]),
    ).fetchone()
    assert interaction["direction"] == "outbound"
    # Not from a member, or SES does not vouch for the From: domain: dropped.
    forged = mime_message(sender="mallory@example.net", to=["maria.lopez@example.org"], subject="x", body="y")
    deliver(s3, forged, [mine["bcc_address"]])
    spoofed = mime_message(sender=member.email, to=["maria.lopez@example.org"], subject="z", body="w")
    deliver(s3, spoofed, [mine["bcc_address"]], source=member.email, verdict="FAIL")
    # SPF passes, but for the forger's own envelope domain, and no DMARC says From: is theirs.
    deliver(s3, spoofed, [mine["bcc_address"]], source="bounce@mallory.example", dmarc="GRAY")
    assert len(_rows(admin_db, tenant.org_id)) == 1
    # Without a DMARC policy, SPF passing for the From: domain itself is enough.
    own = mime_message(sender=member.email, to=["maria.lopez@example.org"], subject="Follow-up", body="v")
    deliver(s3, own, [mine["bcc_address"]], source=member.email, dmarc="GRAY")
    assert len(_rows(admin_db, tenant.org_id)) == 2


def test_a_message_with_a_virus_is_dropped(client, tenant, s3, admin_db):
    mine = addresses(client, tenant)
    _, _, answer = deliver(s3, fixture("attachments.eml"), [mine["address"]], virus="FAIL")
    assert answer == {"batchItemFailures": []}
    assert _rows(admin_db, tenant.org_id) == []


def test_a_notification_naming_another_bucket_fails_its_record(client, tenant, s3, admin_db):
    from hearth_dev.simulate.ses_inbound import receipt_notification, sns_envelope

    mine = addresses(client, tenant)
    body = sns_envelope(
        receipt_notification("abc123", [mine["address"]], "someone-elses-bucket", "inbound/abc123")
    )
    answer = notify(body)
    assert len(answer["batchItemFailures"]) == 1
    assert _rows(admin_db, tenant.org_id) == []


def test_a_message_to_many_with_long_threads_still_makes_a_small_event(client, tenant, s3, admin_db):
    from hearth_dev.simulate.ses_inbound import mime_message

    mine = addresses(client, tenant)
    many = [f"person{i:03d}-{'x' * 40}@example.org" for i in range(120)]
    raw = mime_message(sender="a@example.org", to=[mine["address"], *many], subject="All hands", body="Hi")
    refs = " ".join(f"<{i:03d}-{'r' * 900}@example.org>" for i in range(100))
    raw = raw.replace(b"Subject: All hands", f"Subject: All hands\r\nReferences: {refs}".encode())
    _, _, answer = deliver(s3, raw, [mine["address"]])
    assert answer == {"batchItemFailures": []}
    (row,) = _rows(admin_db, tenant.org_id)
    assert len(row["to_addresses"]) == 100  # the first hundred addresses
    assert len(row["references"]) == 100
    (event,) = _events(admin_db, tenant.org_id)
    assert len(event["payload"]["object"]["to"]) == 10
    assert len(json.dumps(event["payload"])) < 65_536
