"""System emails (``hearth.email.system.send_system_email``): from the platform's address to a
member's verified email, rendered from a system template, through the same queue and sender; at
most one per dedupe key; nothing for a member without a verified email or a suppressed address;
not counted against the plan's allowance."""

from __future__ import annotations

import uuid

import pytest

from hearth import db
from hearth.email.system import send_system_email
from tests.integration.email.helpers import count
from tests.integration.email.moto_ses import SYSTEM_FROM


def _send(tenant, user_id, dedupe_key, **variables):
    with db.tenant_transaction(uuid.UUID(tenant.org_id)) as conn:
        return send_system_email(
            conn,
            org_id=uuid.UUID(tenant.org_id),
            user_id=uuid.UUID(user_id),
            template="notification",
            variables=variables
            or {"title": "Task assigned", "body": "Call <Ada>", "link": "https://app.test/t/1"},
            dedupe_key=dedupe_key,
        )


def test_a_system_email_goes_to_the_members_verified_address_once_per_key(client, tenant, ses, admin_db):
    from hearth.outbox import channels

    email_id = _send(tenant, tenant.owner.user_id, "task.assigned:1")
    assert email_id is not None
    assert _send(tenant, tenant.owner.user_id, "task.assigned:1") is None  # the same key: nothing more
    row = admin_db.execute("SELECT * FROM emails WHERE id = %s", (email_id,)).fetchone()
    assert (row["system"], row["from_address"], row["to_addresses"]) == (
        True,
        SYSTEM_FROM,
        [tenant.owner.email],
    )
    assert row["subject"] == "Task assigned"
    assert "Call &lt;Ada&gt;" in row["html_body"]
    assert 'href="https://app.test/t/1"' in row["html_body"]
    assert (
        count(
            admin_db,
            "SELECT count(*) AS n FROM billing_usage WHERE org_id = %s AND meter = 'email'",
            tenant.org_id,
        )
        == 0
    )
    assert (
        count(
            admin_db,
            "SELECT count(*) AS n FROM domain_events"
            " WHERE org_id = %s AND type = 'email.queued' AND resource_id = %s",
            tenant.org_id,
            str(email_id),
        )
        == 1
    )
    assert channels.route(uuid.UUID(tenant.org_id), "email.queued", email_id) is True
    assert ses.send_queue.drain() == [{"batchItemFailures": []}]
    sent = ses.sent()
    assert len(sent) == 1
    assert sent[0].source == SYSTEM_FROM
    assert "Task assigned" in sent[0].raw_data


def test_no_system_email_to_a_suppressed_address_or_a_non_member(client, tenant, ses, admin_db):
    added = client.post(
        "/v1/email/suppressions", auth=tenant.key_auth, json_body={"address": tenant.owner.email}
    )
    assert added.status == 200, added.body
    assert _send(tenant, tenant.owner.user_id, "k:1") is None
    stranger = client.new_user("stranger")
    other = client.new_tenant("Globex")
    assert _send(other, tenant.owner.user_id, "k:2") is None  # not a member of that org
    assert stranger.email
    assert count(admin_db, "SELECT count(*) AS n FROM emails WHERE org_id = %s", tenant.org_id) == 0


def test_the_export_template_and_unknown_templates(client, tenant, ses):
    with db.tenant_transaction(uuid.UUID(tenant.org_id)) as conn:
        email_id = send_system_email(
            conn,
            org_id=uuid.UUID(tenant.org_id),
            user_id=uuid.UUID(tenant.owner.user_id),
            template="export_ready",
            variables={"download_url": "https://files.test/x", "expires_at": "2026-12-09T00:00:00Z"},
            dedupe_key="export:1",
        )
        assert email_id is not None
        with pytest.raises(ValueError, match="unknown system template"):
            send_system_email(
                conn,
                org_id=uuid.UUID(tenant.org_id),
                user_id=uuid.UUID(tenant.owner.user_id),
                template="nope",
                variables={},
                dedupe_key="x",
            )
        with pytest.raises(ValueError, match="needs"):
            send_system_email(
                conn,
                org_id=uuid.UUID(tenant.org_id),
                user_id=uuid.UUID(tenant.owner.user_id),
                template="export_ready",
                variables={"download_url": "https://files.test/x"},
                dedupe_key="export:2",
            )
