"""SMS figures, against a fresh PostgreSQL database, in one run:

1. Inbound SMS webhook, in process: the real ``HooksSmsFunction`` handler (template.yaml) from
   the raw request to the commit — RequestValidator's signature over the public URL, the org by
   its number, the receipt, the person found, the message, the interaction, the event — p50 and
   p95. Same-run baseline: the same requests delivered again (signature, org and receipt only:
   a duplicate stops there), so the ratio is what storing an SMS adds to the kit's own path.
2. The SMS sender's messages per second: the real ``SmsSenderFunction`` handler, in batches of
   ten, against the Twilio stand-in (in its own process) answering each message after 100 ms,
   next to the ideal for its batch size (ten messages per 100 ms: 100/s). Goal: ratio >= 0.8.

    .venv/bin/python benchmarks/sms.py [--inbound 300] [--messages 300] [--latency 0.1]

PostgreSQL: ``HEARTH_TEST_DATABASE_URL`` or ``DATABASE_URL`` (an administrative user), else the
server on 127.0.0.1:5432, else an embedded one under ``.hearth/test-pg``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(ROOT / "tools"))

PUBLIC = "https://hearth.example.com"
os.environ.update(
    HEARTH_STAGE="test",
    HEARTH_ROOT=str(ROOT),
    HEARTH_API_KEY_PEPPER="bench",
    HEARTH_JWT_DEV_SECRET="bench-" + "x" * 40,
    HEARTH_JWT_ISSUER="hearth-local",
    HEARTH_JWT_AUDIENCE="hearth",
    HEARTH_PUBLIC_BASE_URL=PUBLIC,
    POWERTOOLS_SERVICE_NAME="hearth",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_DISABLED="true",
    POWERTOOLS_TRACE_DISABLED="true",
    AWS_DEFAULT_REGION="us-east-1",
)
for name in ("EVENT_DISPATCH", "SMS_SEND", "RECORDING_COPY"):
    os.environ.pop(f"HEARTH_{name}_QUEUE_URL", None)

BATCH = 10
NUMBER = "+14155550100"


def serve(accounts: dict[str, str], latency: float, ready: Any) -> None:
    """The Twilio stand-in, in its own process (it does not compete with the sender for the GIL)."""
    from hearth_dev.standins import TwilioStandIn

    standin = TwilioStandIn(accounts)
    standin.latency = latency
    standin.start()
    ready.send(standin.url)
    while True:
        time.sleep(3600)


def prepare(admin_url: str, account: str, token: str) -> uuid.UUID:
    """An org with its Twilio integration and one number."""
    import psycopg

    from hearth import clock, db
    from hearth.integrations import store as integrations
    from hearth.integrations.secrets import binding
    from hearth.telephony import store

    org_id = uuid.uuid4()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Bench')", (org_id,))
    with db.tenant_transaction(org_id) as conn:
        integrations.insert(
            conn, "twilio", account=account, config={"account_sid": account}, created_by="bench"
        )
        integrations.put_secret(
            conn,
            "twilio",
            "auth_token",
            sealed=binding(org_id, "twilio", "auth_token").seal(token),
            last4=token[-4:],
            signs=True,
            now=clock.now(),
            previous_valid_until=None,
        )
        row = store.insert_number(
            conn,
            e164=NUMBER,
            provider_sid="PN" + secrets.token_hex(16),
            purchased=False,
            friendly_name=None,
            capabilities={"sms": True},
            created_by="bench",
        )
        store.update_number(conn, row["id"], {"is_default": True})
    return org_id


def inbound_event(account: str, token: str, sender: str, body: str) -> dict[str, Any]:
    from hearth_dev.sam import events
    from twilio.request_validator import RequestValidator

    path = "/webhooks/twilio/sms"
    sid = "SM" + secrets.token_hex(16)
    params = {
        "AccountSid": account,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": sender,
        "MessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "To": NUMBER,
    }
    signature = RequestValidator(token).compute_signature(PUBLIC + path, params)
    return events.http_event(
        "POST",
        path,
        route_key=f"POST {path}",
        headers={"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature},
        body=urlencode(params).encode(),
        now=datetime.now(UTC),
    )


def timed(fn: Any, events: list[dict[str, Any]]) -> list[float]:
    from hearth_dev.sam.functions import invoke

    times = []
    for event in events:
        started = time.perf_counter()
        answer = invoke(fn, event)
        times.append(time.perf_counter() - started)
        assert answer["statusCode"] == 200, answer
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def bench_inbound(account: str, token: str, count: int) -> None:
    from hearth_dev.sam.template import load_template

    handler = load_template(ROOT).functions["HooksSmsFunction"]
    senders = [f"+1415{2 + i % 8}{i:06d}" for i in range(count + 20)]
    warmup = [inbound_event(account, token, s, "warm up") for s in senders[:20]]
    timed(handler, warmup)
    events = [inbound_event(account, token, s, f"Message {i}") for i, s in enumerate(senders[20:])]
    full = timed(handler, events)
    again = timed(handler, events)  # the same deliveries: a duplicate stops at its receipt
    p50, p95 = percentile(full, 0.5), percentile(full, 0.95)
    d50, d95 = percentile(again, 0.5), percentile(again, 0.95)
    print(f"inbound SMS webhook, in process: {count} messages (new sender each: a person is created)")
    print(f"  signature -> commit:  p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"  duplicate (baseline): p50 {d50:.1f} ms, p95 {d95:.1f} ms (signature, org, receipt)")
    print(f"  ratio p50 to it:      {p50 / d50:.2f}")


def bench_sender(org_id: uuid.UUID, count: int, latency: float) -> None:
    from hearth_dev.sam import events
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    from hearth import db
    from hearth.telephony import store
    from hearth.telephony.sender import SmsSendMessage

    # The stand-in calls each message's StatusCallback back, as Twilio does; here the callbacks
    # go to a closed local port (refused at once), so that the stand-in's own callback threads do
    # not slow its API on this machine (Twilio's callbacks do not slow Twilio's API).
    os.environ["HEARTH_PUBLIC_BASE_URL"] = "http://127.0.0.1:9"
    from hearth.settings import settings

    settings.cache_clear()
    sender = load_template(ROOT).functions["SmsSenderFunction"]
    arn = "arn:aws:sqs:us-east-1:123456789012:hearth-bench-SmsSendQueue"
    with db.tenant_transaction(org_id) as conn:
        ids = [
            store.insert_outbound(
                conn,
                from_number=NUMBER,
                to_number=f"+1415{3 + i % 6}{i:06d}",
                phone_number_id=store.number_of(conn, NUMBER)["id"],  # type: ignore[index]
                person_id=None,
                body=f"Your order {i} is ready.",
                media_urls=[],
                sent_by="bench",
            )["id"]
            for i in range(count + BATCH * 2)
        ]

    def batch_event(batch: list[uuid.UUID]) -> dict[str, Any]:
        return events.sqs_event(
            [
                events.sqs_record(
                    {
                        "MessageId": str(uuid.uuid4()),
                        "ReceiptHandle": secrets.token_hex(16),
                        "Body": SmsSendMessage(org_id, m).body(),
                        "Attributes": {"ApproximateReceiveCount": "1"},
                    },
                    arn,
                )
                for m in batch
            ]
        )

    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    for batch in batches[:2]:  # connections, pools, imports: not measured
        invoke(sender, batch_event(batch))
    measured = [batch_event(b) for b in batches[2:]]
    started = time.perf_counter()
    failures = sum(len(invoke(sender, event)["batchItemFailures"]) for event in measured)
    elapsed = time.perf_counter() - started
    with db.tenant_transaction(org_id) as conn:
        done = conn.execute("SELECT count(*) AS n FROM sms_messages WHERE status = 'sending'").fetchone()
    assert failures == 0, f"{failures} records failed"
    assert done is not None
    assert done["n"] == len(ids), done
    sent = sum(len(b) for b in batches[2:])
    rate = sent / elapsed
    ideal = BATCH / latency
    baseline = send_only(len(measured), latency)
    print(f"SMS sender: {sent} messages in {elapsed:.2f} s, batches of {BATCH}, one process,")
    print(f"  Twilio stand-in answering after {latency * 1000:.0f} ms")
    print(f"  messages/s: {rate:.1f}")
    print(f"  ideal:      {ideal:.1f}/s (a batch of {BATCH} per provider latency)")
    print(f"  ratio:      {rate / ideal:.2f} (goal >= 0.8)")
    print(
        f"  send only:  {baseline:.1f}/s (same run: the same calls to the stand-in, ten threads, no database)"
    )
    print(f"  ratio to it: {rate / baseline:.2f}")
    print(f"  per batch:  {1000 * elapsed / len(measured):.1f} ms")


def send_only(batches: int, latency: float) -> float:
    """Messages per second for batches of ten sent to the stand-in as the sender sends them (the
    SDK with the account's credentials, ten threads), with no claim and no outcome stored: what
    this machine allows right now."""
    from hearth.batch import thread_pool
    from hearth.telephony import provider

    account = provider.Account(*ACCOUNT)

    def one(i: int) -> None:
        provider.send_message(
            account, to=f"+1415{2 + i % 8}{i:06d}", from_=NUMBER, body="x", status_callback=None
        )

    started = time.perf_counter()
    for b in range(batches):
        list(thread_pool(BATCH).map(one, range(b * BATCH, (b + 1) * BATCH)))
    return batches * BATCH / (time.perf_counter() - started)


ACCOUNT: list[str] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inbound", type=int, default=300)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()

    from hearth_dev.local import postgres
    from hearth_dev.migrate import migrate

    from hearth import db

    account, token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    ACCOUNT[:] = [account, token]
    server = postgres.server_for_tests(ROOT)
    name = f"hearth_bench_{secrets.token_hex(4)}"
    admin = postgres.create_database(server, name, exist_ok=False)
    ready_end, send_end = multiprocessing.Pipe(duplex=False)
    standin = multiprocessing.Process(
        target=serve, args=({account: token}, args.latency, send_end), daemon=True
    )
    standin.start()
    try:
        migrate(admin)
        os.environ["HEARTH_DATABASE_URL"] = postgres.role_url(admin, postgres.APP_ROLE)
        os.environ["HEARTH_SYSTEM_DATABASE_URL"] = postgres.role_url(admin, postgres.SYSTEM_ROLE)
        os.environ["HEARTH_TWILIO_API_BASE"] = ready_end.recv()
        org_id = prepare(admin, account, token)
        bench_inbound(account, token, args.inbound)
        bench_sender(org_id, args.messages, args.latency)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"machine: {os.cpu_count()} cores, load average {load:.1f} (a batch one after another: 1 s)")
    finally:
        standin.terminate()
        db.reset()
        postgres.drop_database(server, name)


if __name__ == "__main__":
    main()
