"""Attachments by reference: POST /v1/emails names attachments the org received (an inbound
email's, by id and index); the email stores their metadata (never the bytes), the sender reads
them from the org's prefix of the inbound email bucket into the MIME message. Another org's
attachment, a missing one, or more than 10 MB are refused with nothing stored; an attachment
gone before the send ends the email failed without calling SES."""

from __future__ import annotations

import email as email_lib
from email import policy
from typing import Any

import pytest

from hearth.email.models import MAX_ATTACHMENT_BYTES
from tests.integration.email.helpers import count, new_address, queued, send, shown
from tests.integration.email.moto_ses import sending_domain
from tests.integration.email_inbound.mail import BUCKET, addresses, deliver, fixture, inbound_aws

ORG_ADDRESS = "acme-3f9a1c@inbound.hearth.test"  # the address written in the fixtures


@pytest.fixture
def s3(ses) -> Any:
    with inbound_aws() as client:
        yield client


def _received(client: Any, tenant: Any, s3: Any, admin_db: Any) -> dict[str, Any]:
    """An inbound email of the tenant's with three attachments (0 png, 1 pdf, 2 message)."""
    mine = addresses(client, tenant)
    deliver(s3, fixture("attachments.eml", **{ORG_ADDRESS: mine["address"]}), [mine["address"]])
    row = admin_db.execute(
        "SELECT id, attachments FROM inbound_emails WHERE org_id = %s ORDER BY created_at DESC LIMIT 1",
        (tenant.org_id,),
    ).fetchone()
    return dict(row)


def test_an_inbound_attachment_is_sent_in_the_mime_message(client, tenant, ses, s3, admin_db):
    sending_domain(client, tenant, ses)
    inbound = _received(client, tenant, s3, admin_db)
    pdf_key = inbound["attachments"][1]["key"]
    pdf = s3.get_object(Bucket=BUCKET, Key=pdf_key)["Body"].read()
    email = queued(
        client,
        tenant,
        {
            "to": new_address(),
            "subject": "Your invoice",
            "text": "Attached.",
            "attachments": [{"inbound_email_id": str(inbound["id"]), "index": 1}],
        },
    )
    assert email["attachments"] == [
        {
            "inbound_email_id": str(inbound["id"]),
            "index": 1,
            "filename": "INV-2041.pdf",
            "content_type": "application/pdf",
            "size": len(pdf),
        }
    ]
    stored = admin_db.execute(
        "SELECT attachments::text AS a FROM emails WHERE id = %s", (email["id"],)
    ).fetchone()
    assert "%PDF" not in stored["a"]  # metadata only
    assert ses.send_queue.drain() == [{"batchItemFailures": []}]
    (sent,) = ses.sent()
    mime = email_lib.message_from_string(sent.raw_data, policy=policy.default)
    assert mime.get_content_type() == "multipart/mixed"
    (part,) = list(mime.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("INV-2041.pdf", "application/pdf")
    assert part.get_payload(decode=True) == pdf
    assert mime.get_body(("plain",)).get_content().strip() == "Attached."
    assert shown(client, tenant, email["id"])["status"] == "sending"


def test_an_attachment_gone_before_the_send_fails_the_email_without_ses(client, tenant, ses, s3, admin_db):
    sending_domain(client, tenant, ses)
    inbound = _received(client, tenant, s3, admin_db)
    email = queued(
        client,
        tenant,
        {
            "to": new_address(),
            "subject": "x",
            "text": "x",
            "attachments": [{"inbound_email_id": str(inbound["id"]), "index": 0}],
        },
    )
    s3.delete_object(Bucket=BUCKET, Key=inbound["attachments"][0]["key"])
    assert ses.send_queue.drain() == [{"batchItemFailures": []}]
    assert ses.sent() == []
    after = shown(client, tenant, email["id"])
    assert (after["status"], after["error"]["code"]) == ("failed", "attachment_unavailable")


def test_other_orgs_missing_and_too_large_attachments_are_refused(
    client, tenant, other_tenant, ses, s3, admin_db
):
    sending_domain(client, tenant, ses)
    theirs = _received(client, other_tenant, s3, admin_db)
    mine = _received(client, tenant, s3, admin_db)
    for refs, code in (
        ([{"inbound_email_id": str(theirs["id"]), "index": 1}], "reference_not_found"),
        ([{"inbound_email_id": str(mine["id"]), "index": 9}], "reference_not_found"),
        ([{"inbound_email_id": str(mine["id"]), "index": 1}] * 11, None),  # more than 10
    ):
        refused = send(
            client, tenant, {"to": new_address(), "subject": "x", "text": "x", "attachments": refs}
        )
        assert refused.status == 422, refused.body
        if code:
            assert refused.json()["errors"][0]["code"] == code
    # More than 10 MB in all (the sizes as stored when the attachment was received).
    big = [dict(a) for a in mine["attachments"]]
    big[1]["size"] = MAX_ATTACHMENT_BYTES
    import json

    admin_db.execute(
        "UPDATE inbound_emails SET attachments = %s WHERE id = %s", (json.dumps(big), mine["id"])
    )
    refused = send(
        client,
        tenant,
        {
            "to": new_address(),
            "subject": "x",
            "text": "x",
            "attachments": [{"inbound_email_id": str(mine["id"]), "index": i} for i in (0, 1)],
        },
    )
    assert refused.status == 422, refused.body
    assert refused.json()["errors"][0]["code"] == "attachments_too_large"
    assert count(admin_db, "SELECT count(*) AS n FROM emails WHERE org_id = %s", tenant.org_id) == 0
