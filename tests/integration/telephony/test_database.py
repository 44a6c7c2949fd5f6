"""What the database itself holds to: a number's org is found only through the narrow lookup (one
org id for one exact number), numbers are unique across orgs, statuses of messages and calls
never move backward, and a provider sid once stored stays."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from hearth import db
from tests.integration.telephony.lines import line, new_number


def test_the_lookup_answers_one_org_for_one_number_and_nothing_else(client, tenant, other_tenant, app_db):
    org = line(client, tenant)
    found = app_db.execute("SELECT hearth_org_of_phone_number(%s) AS o", (org.number,)).fetchone()
    assert str(found["o"]) == tenant.org_id
    assert (
        app_db.execute("SELECT hearth_org_of_phone_number(%s) AS o", (new_number(),)).fetchone()["o"] is None
    )
    assert app_db.execute("SELECT hearth_org_of_phone_number('+1415%') AS o").fetchone()["o"] is None
    # Outside a tenant the app role sees no numbers; in another org, none of this one's.
    assert app_db.execute("SELECT count(*) AS n FROM phone_numbers").fetchone()["n"] == 0
    with db.tenant_transaction(other_tenant.org_id) as conn:
        assert conn.execute("SELECT count(*) AS n FROM phone_numbers").fetchone()["n"] == 0


def test_statuses_never_move_backward_and_sids_stay(client, tenant):
    line(client, tenant)
    sent = client.post("/v1/messages/sms", auth=tenant.key_auth, json_body={"to": new_number(), "body": "x"})
    message_id = sent.json()["id"]
    sid = "SM" + uuid.uuid4().hex
    with db.tenant_transaction(tenant.org_id) as conn:
        conn.execute(
            "UPDATE sms_messages SET status = 'sent', provider_sid = %s WHERE id = %s", (sid, message_id)
        )
    for change in (
        ("UPDATE sms_messages SET status = 'queued' WHERE id = %s", (message_id,)),
        ("UPDATE sms_messages SET status = 'sending' WHERE id = %s", (message_id,)),
        ("UPDATE sms_messages SET provider_sid = %s WHERE id = %s", ("SM" + uuid.uuid4().hex, message_id)),
    ):
        with pytest.raises(psycopg.errors.CheckViolation), db.tenant_transaction(tenant.org_id) as conn:
            conn.execute(*change)
    with db.tenant_transaction(tenant.org_id) as conn:
        conn.execute("UPDATE sms_messages SET status = 'delivered' WHERE id = %s", (message_id,))
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE sms_messages SET status = 'failed' WHERE id = %s", (message_id,))
