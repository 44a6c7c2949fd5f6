"""Marketing email and one-click unsubscribe (RFC 8058): the headers point at the public route
with a token bound to the org and the address; a POST with it suppresses the address for
marketing email only; a token that was tampered with, or signed with another key, changes
nothing."""

from __future__ import annotations

import email as email_lib
import os
import uuid
from email import policy
from urllib.parse import urlsplit

import pytest

from hearth.email import unsubscribe
from hearth.hooks.providers.base import SignatureInvalid
from tests.integration.email.helpers import count, new_address, queued, send
from tests.integration.email.moto_ses import sending_domain

ONE_CLICK = b"List-Unsubscribe=One-Click"


def _post(client, url: str):
    parts = urlsplit(url)
    return client.gateway.handle(
        "POST",
        parts.path,
        raw_query=parts.query,
        headers=[("content-type", "application/x-www-form-urlencoded")],
        body=ONE_CLICK,
    )


def test_marketing_email_carries_one_click_unsubscribe_that_suppresses_marketing_only(
    client, tenant, ses, admin_db
):
    sending_domain(client, tenant, ses)
    to = new_address()
    queued(
        client, tenant, {"to": to, "subject": "News", "html": "<p>New things</p>", "category": "marketing"}
    )
    ses.send_queue.drain()
    mime = email_lib.message_from_string(ses.sent()[0].raw_data, policy=policy.default)
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mime["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://api.hearth.test/webhooks/email/unsubscribe?t=")
    answered = _post(client, link)
    assert answered.status == 200, answered.body
    again = _post(client, link)  # a second click: the same answer, nothing more
    assert again.status == 200
    listed = client.get("/v1/email/suppressions", auth=tenant.key_auth).json()["data"]
    assert [(s["address"], s["reason"], s["marketing_only"]) for s in listed] == [(to, "unsubscribe", True)]
    refused = send(client, tenant, {"to": to, "subject": "More news", "text": "x", "category": "marketing"})
    assert (refused.status, refused.json()["code"]) == (422, "recipient_suppressed")
    receipt = send(client, tenant, {"to": to, "subject": "Your receipt", "text": "x"})
    assert receipt.status == 202, receipt.body
    assert (
        count(
            admin_db,
            "SELECT count(*) AS n FROM audit_logs WHERE org_id = %s AND action = 'email_suppression.create'",
            tenant.org_id,
        )
        == 1
    )


def test_a_tampered_token_or_another_key_changes_nothing(client, tenant, ses, admin_db):
    to = new_address()
    token = unsubscribe.sign(uuid.UUID(tenant.org_id), to)
    body, _, mac = token.partition(".")
    forged = unsubscribe.sign(uuid.UUID(tenant.org_id), "someone@else.org").split(".")[0] + "." + mac
    for query in (f"t={forged}", f"t={body}.{'A' * len(mac)}", "t=", "", f"t={token}&t={token}"):
        refused = client.gateway.handle(
            "POST",
            unsubscribe.PATH,
            raw_query=query,
            headers=[("content-type", "text/plain")],
            body=ONE_CLICK,
        )
        assert refused.status == 403, (query, refused.body)
    from hearth.settings import settings

    # Set and put back here, not with monkeypatch: monkeypatch outlives the ses fixture, and would
    # restore the fixture's key after the fixture took it out of the environment.
    own_key = os.environ["HEARTH_EMAIL_UNSUBSCRIBE_KEY"]
    os.environ["HEARTH_EMAIL_UNSUBSCRIBE_KEY"] = "another-key-" + "z" * 40
    settings.cache_clear()
    try:
        with pytest.raises(SignatureInvalid):
            unsubscribe.verify(token)
    finally:
        os.environ["HEARTH_EMAIL_UNSUBSCRIBE_KEY"] = own_key
        settings.cache_clear()
    assert (
        count(admin_db, "SELECT count(*) AS n FROM email_suppressions WHERE org_id = %s", tenant.org_id) == 0
    )


def test_tokens_are_bound_to_the_org_and_the_address(ses):
    org = uuid.uuid4()
    token = unsubscribe.sign(org, "Ada@Example.com")
    assert unsubscribe.verify(token) == (org, "ada@example.com")
    assert unsubscribe.sign(uuid.uuid4(), "ada@example.com") != token
