"""Sending email: domains verified in SES, POST /v1/emails accepting (202, queued, email.queued,
Idempotency-Key, the plan's allowance), the sender handing each email to SES v2 (moto) with the
configuration set and the org's tags, retrying throttling with backoff and ending a permanent
refusal failed; suppressed recipients refused before SES is called, at POST and again by the
sender; the timeline interaction of a sent email."""

from __future__ import annotations

import email as email_lib
from email import policy
from typing import Any

from hearth.email import provider
from tests.integration.email.helpers import count, new_address, queued, send, shown
from tests.integration.email.moto_ses import sending_domain


def _raw(message: Any) -> email_lib.message.EmailMessage:
    return email_lib.message_from_string(message.raw_data, policy=policy.default)  # type: ignore[return-value]


def test_a_domain_is_an_ses_identity_pending_until_ses_verifies_it(client, tenant, ses):
    added = client.post("/v1/email/domains", auth=tenant.key_auth, json_body={"domain": "Mail.Acme-Test.com"})
    assert added.status == 201, added.body
    domain = added.json()
    assert (domain["domain"], domain["status"]) == ("mail.acme-test.com", "pending")
    assert "mail.acme-test.com" in ses.backend.email_identities
    assert client.get("/v1/email/domains", auth=tenant.key_auth).json()["data"][0]["id"] == domain["id"]
    # Sending from it while SES has not verified it is refused, and nothing is stored.
    refused = send(
        client,
        tenant,
        {"to": new_address(), "from": "hi@mail.acme-test.com", "subject": "Hi", "text": "Hello"},
    )
    assert refused.status == 422, refused.body
    assert refused.json()["code"] == "domain_not_verified"
    ses.verify("mail.acme-test.com")
    refreshed = client.get(f"/v1/email/domains/{domain['id']}", auth=tenant.key_auth).json()
    assert refreshed["status"] == "verified"
    # One org per domain.
    other = client.new_tenant("Globex")
    taken = client.post("/v1/email/domains", auth=other.key_auth, json_body={"domain": "mail.acme-test.com"})
    assert (taken.status, taken.json()["code"]) == (409, "domain_taken"), taken.body
    deleted = client.delete(f"/v1/email/domains/{domain['id']}", auth=tenant.key_auth)
    assert deleted.status == 204, deleted.body
    assert "mail.acme-test.com" not in ses.backend.email_identities


def test_default_sender_must_be_on_a_verified_domain(client, tenant, ses):
    refused = client.put(
        "/v1/email/settings", auth=tenant.key_auth, json_body={"from_address": "a@nowhere-verified.com"}
    )
    assert (refused.status, refused.json()["code"]) == (422, "domain_not_verified"), refused.body
    assert client.get("/v1/email/settings", auth=tenant.key_auth).json()["from_address"] is None
    no_sender = send(client, tenant, {"to": new_address(), "subject": "Hi", "text": "Hello"})
    assert no_sender.status == 422
    assert no_sender.json()["code"] == "no_sender_address"


def test_send_queue_sender_events_and_timeline(client, tenant, ses, admin_db):
    domain = sending_domain(client, tenant, ses)
    person = client.post(
        "/v1/people",
        auth=tenant.key_auth,
        json_body={"first_name": "Ada", "email": new_address()},
    ).json()
    email = queued(
        client,
        tenant,
        {"to": person["id"], "subject": "Your order", "text": "It ships today.", "html": "<p>It ships.</p>"},
    )
    assert (email["status"], email["person_id"], email["to"]) == ("queued", person["id"], [person["email"]])
    assert email["from"] == f"hello@{domain['domain']}"
    assert ses.send_queue.drain() == [{"batchItemFailures": []}]
    sent = ses.sent()
    assert len(sent) == 1
    mime = _raw(sent[0])
    assert mime["Subject"] == "Your order"
    assert mime["To"] == person["email"]
    assert "Acme" in mime["From"]
    assert "List-Unsubscribe" not in mime  # transactional
    after = shown(client, tenant, email["id"])
    assert after["status"] == "sending"
    assert after["provider_message_id"] == sent[0].id
    assert after["attempts"] == 1
    timeline = admin_db.execute(
        "SELECT type, direction, subject FROM interactions WHERE org_id = %s AND person_id = %s",
        (tenant.org_id, person["id"]),
    ).fetchall()
    assert timeline == [{"type": "email", "direction": "outbound", "subject": "Your order"}]
    # SES's events, through SNS and the events queue: forward only.
    ses.event("Send", after, tenant.org_id)
    ses.event("Delivery", after, tenant.org_id, recipients=[person["email"]])
    assert ses.events_queue.drain() == [{"batchItemFailures": []}]
    delivered = shown(client, tenant, email["id"])
    assert delivered["status"] == "delivered"
    assert delivered["delivered_at"]
    ses.event("Send", after, tenant.org_id)  # late: changes nothing
    ses.event("Open", after, tenant.org_id)
    ses.event("Open", after, tenant.org_id)
    ses.events_queue.drain()
    final = shown(client, tenant, email["id"])
    assert (final["status"], final["open_count"]) == ("delivered", 2)
    assert final["first_opened_at"]
    types = [
        r["type"]
        for r in admin_db.execute(
            "SELECT type FROM domain_events WHERE org_id = %s AND resource_id = %s ORDER BY occurred_at",
            (tenant.org_id, email["id"]),
        ).fetchall()
    ]
    assert types == ["email.queued", "email.sent", "email.delivered"]


def test_bounce_and_complaint_suppress_and_end_the_email(client, tenant, ses, admin_db):
    sending_domain(client, tenant, ses)
    to_bounce, to_complain = new_address(), new_address()
    bounced = queued(client, tenant, {"to": to_bounce, "subject": "One", "text": "1"})
    complained = queued(client, tenant, {"to": to_complain, "subject": "Two", "text": "2"})
    ses.send_queue.drain()
    bounced, complained = shown(client, tenant, bounced["id"]), shown(client, tenant, complained["id"])
    ses.event(
        "Bounce",
        bounced,
        tenant.org_id,
        bounceType="Permanent",
        bounceSubType="General",
        bouncedRecipients=[{"emailAddress": to_bounce, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
    )
    ses.event("Complaint", complained, tenant.org_id, complainedRecipients=[{"emailAddress": to_complain}])
    ses.events_queue.drain()
    ses.event("Delivery", bounced, tenant.org_id)  # after a final status: nothing moves
    ses.events_queue.drain()
    b, c = shown(client, tenant, bounced["id"]), shown(client, tenant, complained["id"])
    assert b["status"] == "bounced"
    assert b["error"]["code"] == "bounce_general"
    assert "550 5.1.1" in b["error"]["message"]
    assert c["status"] == "complained"
    listed = client.get("/v1/email/suppressions", auth=tenant.key_auth).json()["data"]
    assert {(s["address"], s["reason"], s["marketing_only"]) for s in listed} == {
        (to_bounce, "bounce", False),
        (to_complain, "complaint", False),
    }
    # A send to either is refused before anything is stored or sent.
    before = len(ses.sent())
    for address in (to_bounce, to_complain):
        refused = send(client, tenant, {"to": address, "subject": "Again", "text": "?"})
        assert (refused.status, refused.json()["code"]) == (422, "recipient_suppressed"), refused.body
    assert len(ses.sent()) == before
    assert count(admin_db, "SELECT count(*) AS n FROM emails WHERE org_id = %s", tenant.org_id) == 2


def test_a_soft_bounce_changes_nothing(client, tenant, ses):
    sending_domain(client, tenant, ses)
    email = queued(client, tenant, {"to": new_address(), "subject": "Hi", "text": "x"})
    ses.send_queue.drain()
    email = shown(client, tenant, email["id"])
    ses.event(
        "Bounce",
        email,
        tenant.org_id,
        bounceType="Transient",
        bouncedRecipients=[{"emailAddress": email["to"][0]}],
    )
    assert ses.events_queue.drain() == [{"batchItemFailures": []}]
    assert shown(client, tenant, email["id"])["status"] == "sending"
    assert client.get("/v1/email/suppressions", auth=tenant.key_auth).json()["data"] == []


def test_the_sender_checks_suppression_again_and_never_calls_ses(client, tenant, ses, monkeypatch):
    sending_domain(client, tenant, ses)
    to = new_address()
    email = queued(client, tenant, {"to": to, "subject": "Hi", "text": "x"})
    added = client.post("/v1/email/suppressions", auth=tenant.key_auth, json_body={"address": to})
    assert added.status == 200, added.body
    calls: list[Any] = []
    original = provider.send_raw
    monkeypatch.setattr(provider, "send_raw", lambda *a, **k: calls.append(a) or original(*a, **k))
    assert ses.send_queue.drain() == [{"batchItemFailures": []}]
    assert calls == []
    assert ses.sent() == []
    failed = shown(client, tenant, email["id"])
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "recipient_suppressed"
    # Lifting the suppression needs a reason, and is audited with it.
    lifted = client.delete(f"/v1/email/suppressions/{to}", auth=tenant.key_auth, query="reason=Asked+again")
    assert lifted.status == 204, lifted.body
    assert send(client, tenant, {"to": to, "subject": "Hi", "text": "x"}).status == 202


class _Throttled:
    """SES's client, throttling the first ``times`` sends."""

    def __init__(
        self, real: Any, times: int, code: str = "TooManyRequestsException", status: int = 429
    ) -> None:
        self.real, self.times, self.code, self.status = real, times, code, status

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def send_email(self, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        if self.times > 0:
            self.times -= 1
            raise ClientError(
                {
                    "Error": {"Code": self.code, "Message": "Maximum sending rate exceeded."},
                    "ResponseMetadata": {"HTTPStatusCode": self.status},
                },
                "SendEmail",
            )
        return self.real.send_email(**kwargs)


def test_throttling_is_retried_with_backoff(client, tenant, ses, monkeypatch):
    sending_domain(client, tenant, ses)
    email = queued(client, tenant, {"to": new_address(), "subject": "Hi", "text": "x"})
    real = provider.client()
    throttled = _Throttled(real, times=2)
    monkeypatch.setattr(provider, "client", lambda: throttled)
    responses = ses.send_queue.drain()
    assert [len(r["batchItemFailures"]) for r in responses] == [1, 1, 0]
    assert len(ses.send_queue.postponed) == 2
    assert 4 <= ses.send_queue.postponed[0] <= 6
    assert 8 <= ses.send_queue.postponed[1] <= 12
    done = shown(client, tenant, email["id"])
    assert (done["status"], done["attempts"]) == ("sending", 3)
    assert len(ses.sent()) == 1


def test_a_permanent_refusal_ends_the_email_failed_with_the_reason(
    client, tenant, ses, monkeypatch, admin_db
):
    sending_domain(client, tenant, ses)
    email = queued(client, tenant, {"to": new_address(), "subject": "Hi", "text": "x"})
    refusing = _Throttled(provider.client(), times=1, code="MessageRejected", status=400)
    monkeypatch.setattr(provider, "client", lambda: refusing)
    assert ses.send_queue.drain() == [{"batchItemFailures": []}]
    failed = shown(client, tenant, email["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "MessageRejected", "message": "Maximum sending rate exceeded."}
    assert ses.sent() == []
    assert (
        count(
            admin_db,
            "SELECT count(*) AS n FROM domain_events"
            " WHERE org_id = %s AND type = 'email.failed' AND resource_id = %s",
            tenant.org_id,
            email["id"],
        )
        == 1
    )


def test_idempotency_key_replays_one_email(client, tenant, ses, admin_db):
    sending_domain(client, tenant, ses)
    body = {"to": new_address(), "subject": "Once", "text": "only once"}
    first = send(client, tenant, body, key="email-once-1")
    again = send(client, tenant, body, key="email-once-1")
    assert first.status == again.status == 202
    assert first.json()["id"] == again.json()["id"]
    other = send(client, tenant, {**body, "text": "changed"}, key="email-once-1")
    assert other.status == 422, other.body
    assert count(admin_db, "SELECT count(*) AS n FROM emails WHERE org_id = %s", tenant.org_id) == 1
    assert (
        count(
            admin_db,
            "SELECT count(*) AS n FROM billing_usage WHERE org_id = %s AND meter = 'email'",
            tenant.org_id,
        )
        == 1
    )


def test_the_plans_monthly_email_allowance_refuses_with_402(client, tenant, ses, admin_db, monkeypatch):
    from hearth.settings import settings

    sending_domain(client, tenant, ses)
    monkeypatch.setenv("HEARTH_PLANS", '{"free": {"limits": {"emails_per_month": 2}}}')
    settings.cache_clear()
    try:
        for n in range(2):
            assert send(client, tenant, {"to": new_address(), "subject": f"N{n}", "text": "x"}).status == 202
        refused = send(client, tenant, {"to": new_address(), "subject": "Three", "text": "x"})
        assert refused.status == 402, refused.body
        problem = refused.json()
        assert (problem["code"], problem["limit"], problem["used"]) == ("quota_exceeded", 2, 2)
        assert count(admin_db, "SELECT count(*) AS n FROM emails WHERE org_id = %s", tenant.org_id) == 2
    finally:
        monkeypatch.delenv("HEARTH_PLANS")
        settings.cache_clear()


def test_bad_input_is_a_problem_and_changes_nothing(client, tenant, ses, admin_db):
    sending_domain(client, tenant, ses)
    for body in (
        {"to": "not-an-address", "subject": "x", "text": "x"},
        {"to": new_address(), "text": "no subject"},
        {
            "to": new_address(),
            "subject": "x",
            "text": "x",
            "template_id": "7d8a2b0e-6a1c-4e7f-9a55-1b2c3d4e5f60",
        },
        {
            "to": new_address(),
            "subject": "x",
            "text": "x",
            "person_id": "7d8a2b0e-6a1c-4e7f-9a55-1b2c3d4e5f60",
        },
        {"to": new_address(), "subject": "x", "text": "x", "category": "marketing", "cc": [new_address()]},
    ):
        refused = send(client, tenant, body)
        assert refused.status == 422, (body, refused.body)
        assert refused.header("content-type") == "application/problem+json"
    assert count(admin_db, "SELECT count(*) AS n FROM emails WHERE org_id = %s", tenant.org_id) == 0


def test_without_email_set_up_nothing_calls_ses_and_nothing_is_kept(client, tenant, admin_db):
    """No configuration set (no ``ses`` fixture): email is not set up in this deployment."""
    refused = client.post("/v1/email/domains", auth=tenant.key_auth, json_body={"domain": "mail.unset.com"})
    assert refused.status == 422, refused.body
    assert refused.json()["code"] == "provider_refused"
    assert count(admin_db, "SELECT count(*) AS n FROM email_domains WHERE org_id = %s", tenant.org_id) == 0
