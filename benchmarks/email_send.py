"""Email sender figures, against a fresh PostgreSQL database and moto's SES v2 in a process of
its own, answering each SendEmail after an injected latency (default 50 ms):

The email sender's emails per second: the real ``EmailSenderFunction`` handler (template.yaml),
in batches of ten (claim, MIME, SES, outcome and timeline, as deployed), next to the ideal for
its batch size (ten emails per SES latency: 200/s at 50 ms). Goal: ratio >= 0.8. Same-run
baseline: the same SES calls from ten threads with no database ("send only").

A campaign of ``--campaign`` people (default 10,000; 1 % of them suppressed): the real
``POST /v1/email/campaigns`` handler (``EmailCampaignsCreateFunction``, an API Gateway event
with the authorizer's principal) and then the real campaign worker (``EmailCampaignFunction``)
until every person has a queued email: time to accept, time to enqueue every email, and the
longest transaction PostgreSQL saw open meanwhile (``pg_stat_activity.xact_start`` of the
bench database's app connections, sampled every 10 ms from another connection). Goal: no
transaction over 1 s.

    .venv/bin/python benchmarks/email_send.py [--emails 300] [--latency 0.05] [--campaign 10000]

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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(ROOT / "tools"))

os.environ.update(
    HEARTH_STAGE="test",
    HEARTH_ROOT=str(ROOT),
    HEARTH_API_KEY_PEPPER="bench",
    HEARTH_JWT_DEV_SECRET="bench-" + "x" * 40,
    HEARTH_JWT_ISSUER="hearth-local",
    HEARTH_JWT_AUDIENCE="hearth",
    HEARTH_PUBLIC_BASE_URL="https://hearth.example.com",
    HEARTH_EMAIL_CONFIGURATION_SET="hearth-bench-email",
    HEARTH_EMAIL_UNSUBSCRIBE_KEY="bench-unsubscribe-" + "k" * 40,
    # the campaign is larger than the free plan's month of email
    HEARTH_PLANS='{"free": {"limits": {"emails_per_month": 1000000}}}',
    POWERTOOLS_SERVICE_NAME="hearth",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_DISABLED="true",
    POWERTOOLS_TRACE_DISABLED="true",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
)
for name in ("EVENT_DISPATCH", "EMAIL_SEND"):
    os.environ.pop(f"HEARTH_{name}_QUEUE_URL", None)

BATCH = 10
DOMAIN = "bench.example.com"


def serve(latency: float, ready: Any) -> None:
    """moto's threaded server with SES v2's SendEmail answering after ``latency`` (its own process:
    it does not compete with the sender for the interpreter lock)."""
    import logging

    from hearth_dev.local.moto_process import ses_identities_verified_at_once
    from moto.server import ThreadedMotoServer
    from moto.sesv2.responses import SESV2Response

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    ses_identities_verified_at_once()
    send_email = SESV2Response.send_email

    def slow_send_email(self: Any) -> str:
        time.sleep(latency)
        return send_email(self)

    SESV2Response.send_email = slow_send_email  # type: ignore[method-assign]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    ready.send(f"http://127.0.0.1:{server.get_host_and_port()[1]}")
    while True:
        time.sleep(3600)


def prepare(admin_url: str, count: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An org with a verified domain (and its SES identity), and ``count`` queued emails."""
    import psycopg

    from hearth import db
    from hearth.email import provider, store

    provider.create_identity(DOMAIN)
    org_id = uuid.uuid4()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Bench')", (org_id,))
    with db.tenant_transaction(org_id) as conn:
        store.insert_domain(conn, domain=DOMAIN, status="verified", dkim_records=[], created_by="bench")
        ids = []
        for i in range(count):
            row = store.insert_email(
                conn,
                {
                    "category": "transactional",
                    "from_address": f"hello@{DOMAIN}",
                    "to_addresses": [f"customer-{i}@example.org"],
                    "cc_addresses": [],
                    "bcc_addresses": [],
                    "subject": f"Your order {i}",
                    "text_body": f"Order {i} ships today.",
                    "html_body": f"<p>Order {i} ships today.</p>",
                    "sent_by": "bench",
                },
            )
            assert row is not None
            ids.append(row["id"])
    return org_id, ids


def bench_sender(org_id: uuid.UUID, ids: list[uuid.UUID], latency: float) -> None:
    from hearth_dev.sam import events
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    from hearth import db
    from hearth.email.sender import EmailSendMessage

    sender = load_template(ROOT).functions["EmailSenderFunction"]
    arn = "arn:aws:sqs:us-east-1:123456789012:hearth-bench-EmailSendQueue"

    def batch_event(batch: list[uuid.UUID]) -> dict[str, Any]:
        return events.sqs_event(
            [
                events.sqs_record(
                    {
                        "MessageId": str(uuid.uuid4()),
                        "ReceiptHandle": secrets.token_hex(16),
                        "Body": EmailSendMessage(org_id, e).body(),
                        "Attributes": {"ApproximateReceiveCount": "1"},
                    },
                    arn,
                )
                for e in batch
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
        done = conn.execute("SELECT count(*) AS n FROM emails WHERE status = 'sending'").fetchone()
    assert failures == 0, f"{failures} records failed"
    assert done is not None
    assert done["n"] == len(ids), done
    sent = sum(len(b) for b in batches[2:])
    rate = sent / elapsed
    ideal = BATCH / latency
    baseline = send_only(len(measured), latency)
    print(f"email sender: {sent} emails in {elapsed:.2f} s, batches of {BATCH}, one process,")
    print(f"  moto's SES v2 answering SendEmail after {latency * 1000:.0f} ms")
    print(f"  emails/s:   {rate:.1f}")
    print(f"  ideal:      {ideal:.1f}/s (a batch of {BATCH} per SES latency)")
    print(f"  ratio:      {rate / ideal:.2f} (goal >= 0.8)")
    print(f"  send only:  {baseline:.1f}/s (same run: the same SES calls, ten threads, no database)")
    print(f"  ratio to it: {rate / baseline:.2f}")
    print(f"  per batch:  {1000 * elapsed / len(measured):.1f} ms")


class LongestTransaction:
    """The longest age of an open transaction of the app role in database ``name``, as
    PostgreSQL reports it, sampled every ``every`` seconds on a thread of its own."""

    def __init__(self, admin_url: str, name: str, every: float = 0.01) -> None:
        import threading

        self.admin_url, self.name, self.every = admin_url, name, every
        self.longest = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0)"
                    " FROM pg_stat_activity WHERE datname = %s AND usename = %s AND xact_start IS NOT NULL",
                    (self.name, self.app_role),
                ).fetchone()
                assert row is not None
                self.longest = max(self.longest, float(row[0]))
                self.samples += 1
                time.sleep(self.every)

    def __enter__(self) -> LongestTransaction:
        from hearth_dev.local import postgres

        self.app_role = postgres.APP_ROLE
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bench_campaign(admin_url: str, name: str, org_id: uuid.UUID, people: int) -> None:
    """A campaign to ``people`` tagged people: accepted by the route, expanded by the worker."""
    import json

    import psycopg
    from hearth_dev.sam import events
    from hearth_dev.sam.functions import LambdaContext, handler_of, invoke
    from hearth_dev.sam.template import load_template

    from hearth import db, rbac
    from hearth.email import store
    from hearth.principal import Principal

    user = uuid.uuid4()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("INSERT INTO users (id, idp_subject) VALUES (%s, 'bench')", (user,))
        admin.execute(
            "INSERT INTO org_members (org_id, user_id, role) VALUES (%s, %s, 'owner')", (org_id, user)
        )
        with admin.cursor().copy("COPY people (org_id, first_name, email, tags) FROM STDIN") as copy:
            for i in range(people):
                copy.write_row((org_id, f"Person {i}", f"person-{i}@example.org", ["newsletter"]))
        admin.execute(
            "INSERT INTO email_suppressions (org_id, address, reason, created_by)"
            " SELECT %s, 'person-' || n || '@example.org', 'bounce', 'bench'"
            " FROM generate_series(0, %s, 100) n",
            (org_id, people - 1),
        )
        admin.execute("ANALYZE people")
    with db.tenant_transaction(org_id) as conn:
        store.put_settings(
            conn, {"from_address": f"hello@{DOMAIN}", "from_name": "Bench", "reply_to": None}, "bench"
        )
        template = store.insert_template(
            conn,
            {
                "name": "Newsletter",
                "subject": "News for {{ person.first_name }}",
                "text_body": "Hello {{ person.first_name }}, {{ offer }}.",
                "html_body": "<p>Hello {{ person.first_name }}, {{ offer }}.</p>",
            },
            "bench",
        )
    functions = load_template(ROOT).functions
    route = functions["EmailCampaignsCreateFunction"]
    principal = Principal(
        kind="user", user_id=user, api_key_id=None, org_id=org_id, role=rbac.Role.OWNER, rate_limit=10**9
    )
    body = {
        "name": "Bench",
        "template_id": str(template["id"]),
        "tag": "newsletter",
        "variables": {"offer": "10 % off"},
    }
    event = events.http_event(
        "POST",
        "/v1/email/campaigns",
        route_key="POST /v1/email/campaigns",
        headers={
            "authorization": "Bearer hk_bench",
            "content-type": "application/json",
            "user-agent": "bench",
        },
        body=json.dumps(body).encode(),
        authorizer=dict(principal.to_context()),
    )
    worker = functions["EmailCampaignFunction"]
    with LongestTransaction(admin_url, name) as longest:
        started = time.perf_counter()
        answer = handler_of(route)(event, LambdaContext(route))
        accepted = time.perf_counter() - started
        assert answer["statusCode"] == 202, answer
        campaign = json.loads(answer["body"])
        sample = json.loads((ROOT / "events" / "EmailCampaignFunction.json").read_text())
        sample["Records"][0]["body"] = json.dumps({"org_id": str(org_id), "campaign_id": campaign["id"]})
        assert invoke(worker, sample) == {"batchItemFailures": []}
        enqueued = time.perf_counter() - started
    with db.tenant_transaction(org_id) as conn:
        row = conn.execute(
            "SELECT status, recipients, suppressed, (SELECT count(*) FROM emails WHERE campaign_id = c.id"
            " AND status = 'queued') AS emails FROM email_campaigns c WHERE id = %s",
            (campaign["id"],),
        ).fetchone()
    assert row is not None
    assert row["status"] == "expanded", row
    suppressed = len(range(0, people, 100))
    assert (row["recipients"], row["suppressed"], row["emails"]) == (
        people - suppressed,
        suppressed,
        people - suppressed,
    ), row
    print(f"campaign: {people} people tagged, {suppressed} suppressed, template rendered per person")
    print(f"  accepted (POST, one transaction): {accepted * 1000:.0f} ms")
    print(f"  every email queued (worker):      {enqueued:.2f} s ({row['emails'] / enqueued:.0f} emails/s)")
    print(
        f"  longest transaction:              {longest.longest * 1000:.0f} ms"
        f" (goal <= 1000; {longest.samples} samples of pg_stat_activity)"
    )


def send_only(batches: int, latency: float) -> float:
    """Emails per second for batches of ten sent to SES as the sender sends them (a MIME message
    each, ten threads), with no claim and no outcome stored: what this machine allows right now."""
    from hearth.batch import thread_pool
    from hearth.email import mime, provider

    def one(i: int) -> None:
        row = {
            "from_address": f"hello@{DOMAIN}",
            "to_addresses": [f"baseline-{i}@example.org"],
            "cc_addresses": [],
            "bcc_addresses": [],
            "reply_to": None,
            "subject": f"Your order {i}",
            "text_body": f"Order {i} ships today.",
            "html_body": f"<p>Order {i} ships today.</p>",
        }
        provider.send_raw(
            mime.message(row),
            from_=row["from_address"],
            destinations=row["to_addresses"],
            tags={"hearth_org": "bench", "hearth_email": str(i)},
            configuration_set="hearth-bench-email",
        )

    started = time.perf_counter()
    for b in range(batches):
        list(thread_pool(BATCH).map(one, range(b * BATCH, (b + 1) * BATCH)))
    return batches * BATCH / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--campaign", type=int, default=10_000, help="people in the campaign (0: none)")
    args = parser.parse_args()

    from hearth_dev.local import postgres
    from hearth_dev.migrate import migrate

    from hearth import db

    server = postgres.server_for_tests(ROOT)
    name = f"hearth_bench_{secrets.token_hex(4)}"
    admin = postgres.create_database(server, name, exist_ok=False)
    ready_end, send_end = multiprocessing.Pipe(duplex=False)
    moto = multiprocessing.Process(target=serve, args=(args.latency, send_end), daemon=True)
    moto.start()
    try:
        migrate(admin)
        os.environ["HEARTH_DATABASE_URL"] = postgres.role_url(admin, postgres.APP_ROLE)
        os.environ["HEARTH_SYSTEM_DATABASE_URL"] = postgres.role_url(admin, postgres.SYSTEM_ROLE)
        os.environ["AWS_ENDPOINT_URL"] = ready_end.recv()
        org_id, ids = prepare(admin, args.emails + BATCH * 2)
        bench_sender(org_id, ids, args.latency)
        if args.campaign:
            bench_campaign(admin, name, org_id, args.campaign)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"machine: {os.cpu_count()} cores, load average {load:.1f}")
    finally:
        moto.terminate()
        db.reset()
        postgres.drop_database(server, name)


if __name__ == "__main__":
    main()
