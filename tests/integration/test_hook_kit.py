"""The inbound webhook kit, end to end against the real database, with a generic signed provider
(Standard Webhooks, signed here by the ``standardwebhooks`` library): signature first, nothing
written when it fails, unknown orgs acknowledged and ignored, one effect per delivery id, the
org's own key never writing into another org."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hearth_dev.sam import events
from standardwebhooks import Webhook

from hearth.hooks import Hook, HookContext, HookReply, SigningKey, lookups
from hearth.hooks.providers.standard import StandardWebhooks
from hearth.problems import Unprocessable

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
PATH = "/webhooks/test/events"

#: The keys the test provider trusts (tests change them).
KEYS: list[SigningKey] = [SigningKey(SECRET)]

hook = Hook()


@hook.post(
    PATH,
    provider=StandardWebhooks("test", keys=lambda: KEYS),
    org=lookups.org_by("hearth_org_of_test_account", lambda d: d.payload.get("account")),
)
def on_event(ctx: HookContext) -> HookReply | None:
    """Store what the delivery says (an audit row, a domain event) and answer with it."""
    payload = ctx.payload
    if payload.get("fail") == "problem":
        ctx.audit("test.refused", "delivery", ctx.delivery.delivery_id)
        raise Unprocessable("unusable_event", "The event names nothing this org has.")
    if payload.get("fail") == "crash":
        ctx.audit("test.crashed", "delivery", ctx.delivery.delivery_id)
        raise RuntimeError("the handler broke")
    time.sleep(float(payload.get("sleep", 0)))
    ctx.audit("test.delivered", "delivery", ctx.delivery.delivery_id, changes={"n": payload.get("n")})
    ctx.emit("test.delivered", "delivery", ctx.delivery.delivery_id, data={"n": payload.get("n")})
    if payload.get("quiet"):
        return None
    return HookReply(200, json.dumps({"n": payload.get("n")}), "application/json")


@pytest.fixture(scope="module", autouse=True)
def account_lookup(database: dict[str, str]) -> None:
    """The narrow lookup the test provider resolves orgs with: an account id is an org id here."""
    import psycopg

    with psycopg.connect(database["admin"], autocommit=True) as conn:
        conn.execute(
            """
            CREATE OR REPLACE FUNCTION hearth_org_of_test_account(key text) RETURNS uuid
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
            AS $$ SELECT id FROM orgs WHERE id::text = key $$;
            REVOKE ALL ON FUNCTION hearth_org_of_test_account(text) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION hearth_org_of_test_account(text) TO hearth_app;
            """
        )


@pytest.fixture(autouse=True)
def trusted_keys() -> Any:
    KEYS[:] = [SigningKey(SECRET)]
    yield
    KEYS[:] = [SigningKey(SECRET)]


def signed(
    payload: dict[str, Any] | bytes,
    *,
    msg_id: str | None = None,
    secret: str = SECRET,
    at: datetime | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    when = at or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, when, body.decode())
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
        "user-agent": "test-provider/1.0",
    }
    return body, headers


def deliver(body: bytes, headers: dict[str, str], *, base64_body: bool = False) -> dict[str, Any]:
    event = events.http_event(
        "POST", PATH, route_key=f"POST {PATH}", headers=headers, body=body, source_ip="203.0.113.9"
    )
    if base64_body:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    context = SimpleNamespace(
        function_name="TestEventsFunction",
        function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:TestEventsFunction",
        memory_limit_in_mb=512,
        aws_request_id=str(uuid.uuid4()),
    )
    return hook.handler(event, context)


@contextlib.contextmanager
def log_lines() -> Iterator[io.StringIO]:
    """What the kit logs meanwhile, as its JSON lines."""
    from hearth.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger._logger.removeHandler(handler)


def stored(admin_db: Any) -> dict[str, int]:
    """Everything a delivery could write, in every org."""
    return {
        table: admin_db.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
        for table in ("inbound_webhook_receipts", "audit_logs", "domain_events")
    }


def test_a_signed_delivery_runs_its_handler_in_the_org_it_names(tenant: Any, admin_db: Any) -> None:
    body, headers = signed({"type": "thing.happened", "account": tenant.org_id, "n": 1})
    answer = deliver(body, headers)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"n": 1}
    assert answer["headers"]["Content-Type"] == "application/json"
    receipt = admin_db.execute(
        "SELECT * FROM inbound_webhook_receipts WHERE delivery_id = %s", (headers["webhook-id"],)
    ).fetchone()
    assert str(receipt["org_id"]) == tenant.org_id
    assert (receipt["provider"], receipt["event"], receipt["answer_status"]) == (
        "test",
        "thing.happened",
        200,
    )
    audit = admin_db.execute(
        "SELECT * FROM audit_logs WHERE resource_id = %s", (headers["webhook-id"],)
    ).fetchone()
    assert str(audit["org_id"]) == tenant.org_id
    assert (audit["actor_type"], audit["actor_id"], audit["action"]) == (
        "system",
        "webhook:test",
        "test.delivered",
    )
    assert str(audit["ip"]) == "203.0.113.9"
    event = admin_db.execute(
        "SELECT * FROM domain_events WHERE resource_id = %s", (headers["webhook-id"],)
    ).fetchone()
    assert (str(event["org_id"]), event["type"], event["actor_id"]) == (
        tenant.org_id,
        "test.delivered",
        "webhook:test",
    )


def test_a_duplicate_delivery_answers_as_the_first_and_changes_nothing(tenant: Any, admin_db: Any) -> None:
    msg_id = f"msg_{uuid.uuid4().hex}"
    first = deliver(*signed({"account": tenant.org_id, "n": 7}, msg_id=msg_id))
    before = stored(admin_db)
    # The provider retries: the same delivery id, signed again (a new timestamp), even another body.
    again = deliver(*signed({"account": tenant.org_id, "n": 8}, msg_id=msg_id))
    assert again["statusCode"] == first["statusCode"] == 200
    assert again["body"] == first["body"] == json.dumps({"n": 7})
    assert stored(admin_db) == before


def test_concurrent_duplicates_are_processed_once(tenant: Any, admin_db: Any) -> None:
    msg_id = f"msg_{uuid.uuid4().hex}"
    before = stored(admin_db)
    answers: list[dict[str, Any]] = []

    def send() -> None:
        answers.append(deliver(*signed({"account": tenant.org_id, "n": 3, "sleep": 0.3}, msg_id=msg_id)))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a["statusCode"] for a in answers] == [200, 200, 200]
    assert {a["body"] for a in answers} == {json.dumps({"n": 3})}
    after = stored(admin_db)
    assert {k: after[k] - before[k] for k in after} == {
        "inbound_webhook_receipts": 1,
        "audit_logs": 1,
        "domain_events": 1,
    }


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong_secret",
        "no_signature",
        "no_timestamp",
        "old_timestamp",
        "future_timestamp",
        "body_changed",
        "id_changed",
        "garbage_signature",
    ],
)
def test_a_bad_signature_is_rejected_and_changes_nothing(tamper: str, tenant: Any, admin_db: Any) -> None:
    payload = {"account": tenant.org_id, "n": 1, "marker": "BODY-MARKER-do-not-log"}
    at = datetime.now(UTC) - timedelta(seconds=301) if tamper == "old_timestamp" else None
    at = datetime.now(UTC) + timedelta(seconds=301) if tamper == "future_timestamp" else at
    body, headers = signed(payload, secret=OTHER_SECRET if tamper == "wrong_secret" else SECRET, at=at)
    if tamper == "no_signature":
        del headers["webhook-signature"]
    if tamper == "no_timestamp":
        del headers["webhook-timestamp"]
    if tamper == "body_changed":
        body = body.replace(b'"n": 1', b'"n": 2')
    if tamper == "id_changed":
        headers["webhook-id"] = f"msg_{uuid.uuid4().hex}"
    if tamper == "garbage_signature":
        headers["webhook-signature"] = "v1,not-base64!! v2,xyz"
    before = stored(admin_db)
    with log_lines() as stream:
        answer = deliver(body, headers)
    assert answer["statusCode"] == 401
    assert answer["body"] == ""
    assert stored(admin_db) == before
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    (line,) = [line for line in lines if line.get("message") == "webhook_signature_invalid"]
    assert (line["provider"], line["source_ip"]) == ("test", "203.0.113.9")
    logged = json.dumps(lines)
    assert "BODY-MARKER" not in logged
    if "webhook-signature" in headers:
        assert headers["webhook-signature"].split(",", 1)[1][:12] not in logged


def test_a_rotated_out_key_still_verifies_while_the_provider_lists_it(tenant: Any) -> None:
    KEYS[:] = [SigningKey(OTHER_SECRET), SigningKey(SECRET)]  # new first, previous still trusted
    assert deliver(*signed({"account": tenant.org_id, "n": 1}, secret=SECRET))["statusCode"] == 200
    assert deliver(*signed({"account": tenant.org_id, "n": 2}, secret=OTHER_SECRET))["statusCode"] == 200
    KEYS[:] = [SigningKey(OTHER_SECRET)]  # the overlap ended
    assert deliver(*signed({"account": tenant.org_id, "n": 3}, secret=SECRET))["statusCode"] == 401


def test_an_unknown_org_is_acknowledged_and_nothing_is_stored(admin_db: Any) -> None:
    before = stored(admin_db)
    for account in (str(uuid.uuid4()), "not-an-org", None):
        answer = deliver(*signed({"account": account, "n": 1}))
        assert answer["statusCode"] == 200
        assert answer["body"] == ""
    assert stored(admin_db) == before


def test_a_delivery_signed_with_one_orgs_key_never_writes_into_another_org(
    tenant: Any, other_tenant: Any, admin_db: Any
) -> None:
    # The tenant's own signing key (a per-org integration secret) signs a delivery that names the
    # other tenant's account: acknowledged, nothing stored anywhere.
    KEYS[:] = [SigningKey(OTHER_SECRET, org_id=uuid.UUID(tenant.org_id))]
    before = stored(admin_db)
    answer = deliver(*signed({"account": other_tenant.org_id, "n": 1}, secret=OTHER_SECRET))
    assert answer["statusCode"] == 200
    assert stored(admin_db) == before
    # Naming its own org, the same key works.
    mine = deliver(*signed({"account": tenant.org_id, "n": 2}, secret=OTHER_SECRET))
    assert mine["statusCode"] == 200
    assert (
        admin_db.execute(
            "SELECT count(*) AS n FROM inbound_webhook_receipts WHERE org_id = %s", (other_tenant.org_id,)
        ).fetchone()["n"]
        == 0
    )


@pytest.mark.parametrize("base64_body", [False, True])
def test_the_body_is_verified_exactly_as_signed(tenant: Any, base64_body: bool) -> None:
    # Unusual whitespace, key order and escapes: re-serialising it would break the signature.
    text = '{ "n" :\t5 ,\n  "account":"ORG",  "note": "caf\\u00e9 \u2713" }'
    body = text.replace("ORG", tenant.org_id).encode()
    answer = deliver(*signed(body), base64_body=base64_body)
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"]) == {"n": 5}


def test_a_handler_problem_answers_it_and_keeps_nothing(tenant: Any, admin_db: Any) -> None:
    msg_id = f"msg_{uuid.uuid4().hex}"
    before = stored(admin_db)
    refused = deliver(*signed({"account": tenant.org_id, "fail": "problem"}, msg_id=msg_id))
    assert refused["statusCode"] == 422
    assert json.loads(refused["body"])["code"] == "unusable_event"
    crashed = deliver(*signed({"account": tenant.org_id, "fail": "crash"}, msg_id=msg_id))
    assert crashed["statusCode"] == 500
    assert stored(admin_db) == before
    # No receipt was kept, so the provider's retry is processed once the cause is gone.
    retried = deliver(*signed({"account": tenant.org_id, "n": 9}, msg_id=msg_id))
    assert retried["statusCode"] == 200
    assert json.loads(retried["body"]) == {"n": 9}


def test_a_handler_that_answers_nothing_gets_the_default_ack(tenant: Any, admin_db: Any) -> None:
    body, headers = signed({"account": tenant.org_id, "quiet": True})
    first = deliver(body, headers)
    assert (first["statusCode"], first["body"]) == (200, "")
    assert deliver(*signed({"account": tenant.org_id}, msg_id=headers["webhook-id"]))["statusCode"] == 200


def test_a_body_over_a_mebibyte_is_refused_before_verifying(tenant: Any, admin_db: Any) -> None:
    before = stored(admin_db)
    body, headers = signed({"account": tenant.org_id, "pad": "x" * (1024 * 1024)})
    assert deliver(body, headers)["statusCode"] == 413
    assert stored(admin_db) == before


def test_the_lookup_answers_only_through_its_function(app_db: Any, tenant: Any) -> None:
    # The app role sees no org outside a tenant transaction; the lookup function answers one id.
    assert app_db.execute("SELECT count(*) AS n FROM orgs").fetchone()["n"] == 0
    assert lookups.org_of("hearth_org_of_test_account", tenant.org_id) == uuid.UUID(tenant.org_id)
    assert lookups.org_of("hearth_org_of_test_account", str(uuid.uuid4())) is None
    with pytest.raises(ValueError, match="not an org lookup"):
        lookups.org_of("orgs; DROP TABLE orgs", "x")
