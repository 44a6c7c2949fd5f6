"""Webhook throughput: deliveries per second from one sender process to a local receiver that
answers after 50 ms, in SQS batches of ten, next to the ideal of 200/s (ten deliveries per
receiver latency). Goal: a ratio of at least 0.85.

Two same-run figures tell the database's share from the machine's: the same batches signed and
POSTed with no claim and no record ("send only"), and the median time of a batch's claim and
record. On a shared machine the send-only rate falls below the ideal as much as the load makes it.

The sender is the real Lambda handler of ``WebhookSenderFunction`` (template.yaml), invoked
batch after batch in this process as Lambda would invoke one execution environment: claim,
sign, POST, log and health update per delivery, against a fresh PostgreSQL database. The
receiver runs in its own process so it does not compete with the sender for the GIL.

    .venv/bin/python benchmarks/webhook_throughput.py [--deliveries 1000] [--latency 0.05]

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

os.environ.update(
    HEARTH_STAGE="test",
    HEARTH_ROOT=str(ROOT),
    HEARTH_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
    HEARTH_API_KEY_PEPPER="bench",
    HEARTH_JWT_DEV_SECRET="bench-" + "x" * 40,
    HEARTH_JWT_ISSUER="hearth-local",
    HEARTH_JWT_AUDIENCE="hearth",
    POWERTOOLS_SERVICE_NAME="hearth",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_DISABLED="true",
    POWERTOOLS_TRACE_DISABLED="true",
    AWS_DEFAULT_REGION="us-east-1",
)
for name in ("EVENT_DISPATCH", "WEBHOOK_DELIVERY", "WEBHOOK_RETRY", "WEBHOOK_DEAD_LETTER"):
    os.environ.pop(f"HEARTH_{name}_QUEUE_URL", None)

BATCH = 10


def serve(latency: float, ready: Any) -> None:
    """The receiver: HTTP/1.1 keep-alive, every answer after ``latency`` seconds. A small asyncio
    server (in its own process), so that on a two-core machine the receiver takes as little CPU
    from the sender as a receiver on another machine would."""
    import asyncio

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                await asyncio.sleep(latency)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=64)
        ready.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def prepare(deliveries: int, port: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An org with one endpoint at the receiver and ``deliveries`` deliveries due."""
    from hearth import db, outbox, standard_webhooks
    from hearth.outbox.messages import DispatchMessage
    from hearth.webhooks.engine import fanout
    from hearth.webhooks.engine import secrets as endpoint_secrets
    from hearth.webhooks.store import endpoints

    org_id = uuid.uuid4()
    endpoint_id = uuid.uuid4()
    import psycopg

    with psycopg.connect(os.environ["HEARTH_BENCH_ADMIN_URL"], autocommit=True) as admin:
        admin.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Bench')", (org_id,))
    with db.tenant_transaction(org_id) as conn:
        endpoints.insert(
            conn,
            endpoint_id=endpoint_id,
            url=f"http://127.0.0.1:{port}/hook",
            description="bench",
            event_types=["*"],
            enabled=True,
            secret_ciphertext=endpoint_secrets.seal(org_id, endpoint_id, standard_webhooks.new_secret()),
            created_by="system:bench",
        )
        event_ids = [
            outbox.emit(
                conn,
                org_id=org_id,
                actor=("system", None),
                type="company.created",
                resource_type="company",
                resource_id=str(i),
                data={"name": f"Company {i}", "domain": f"c{i}.example", "employees": i},
            )
            for i in range(deliveries)
        ]
    for event_id in event_ids:
        fanout.dispatch(DispatchMessage(org_id, event_id))
    with db.tenant_transaction(org_id) as conn:
        rows = conn.execute("SELECT id FROM webhook_deliveries ORDER BY created_at, id").fetchall()
    with psycopg.connect(os.environ["HEARTH_BENCH_ADMIN_URL"], autocommit=True) as admin:
        # Fresh tables have no statistics yet; a live database has (autovacuum keeps them).
        admin.execute("ANALYZE")
    return org_id, [r["id"] for r in rows]


def sqs_event(org_id: uuid.UUID, delivery_ids: list[uuid.UUID]) -> dict[str, Any]:
    from hearth_dev.sam import events

    from hearth.webhooks.engine.messages import DeliveryMessage

    arn = "arn:aws:sqs:us-east-1:123456789012:hearth-bench-WebhookDeliveryQueue"
    records = [
        events.sqs_record(
            {
                "MessageId": str(uuid.uuid4()),
                "ReceiptHandle": secrets.token_hex(16),
                "Body": DeliveryMessage(org_id, d, 1, "main").body(),
                "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
            },
            arn,
        )
        for d in delivery_ids
    ]
    return events.sqs_event(records)


def send_only(org_id: uuid.UUID, batches: list[list[uuid.UUID]]) -> float:
    """Deliveries per second for the same batches signed and POSTed as the sender does (same
    checks, pool and threads), without claiming or recording them."""
    from hearth import clock, db
    from hearth.webhooks.engine import sender

    with db.tenant_transaction(org_id) as conn:
        found = conn.execute(
            """
            SELECT d.id, d.org_id, d.endpoint_id, d.event_id, d.attempts, d.pending_trigger,
                   d.lease_until, e.url, e.secret_ciphertext, e.previous_secret_ciphertext,
                   e.previous_secret_expires_at, e.degraded_at, e.failing_since, ev.type AS event_type,
                   ev.occurred_at, ev.payload, ev.actor_type, ev.actor_id, ev.resource_type, ev.resource_id
            FROM webhook_deliveries d
            JOIN webhook_endpoints e ON e.org_id = d.org_id AND e.id = d.endpoint_id
            JOIN domain_events ev ON ev.org_id = d.org_id AND ev.id = d.event_id
            WHERE d.id = ANY(%s)
            """,
            ([d for batch in batches for d in batch],),
        ).fetchall()
    rows = {row["id"]: row for row in found}
    config = sender.SenderConfig.from_settings()
    started = time.perf_counter()
    for batch in batches:
        claimed = dict(enumerate(rows[d] for d in batch))
        results = sender._send(list(claimed), claimed, config, clock.now(), BATCH)
        assert all(not isinstance(r, Exception) and r.ok for r in results), results
    return sum(len(b) for b in batches) / (time.perf_counter() - started)


class Phases:
    """The wall time of each batch's claim and record (the database's share of a batch)."""

    def __init__(self) -> None:
        from hearth.webhooks.store import deliveries

        self.times: dict[str, list[float]] = {"claim": [], "record_alone": []}
        for name in self.times:
            setattr(deliveries, name, self._timed(name, getattr(deliveries, name)))

    def _timed(self, name: str, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.times[name].append(time.perf_counter() - started)

        return timed

    def median_ms(self, name: str) -> float:
        values = sorted(self.times[name])
        return values[len(values) // 2] * 1000 if values else float("nan")


def report(sent: int, elapsed: float, batches: int, latency: float, baseline: float, phases: Phases) -> None:
    ideal = BATCH / latency
    rate = sent / elapsed
    claim, record = phases.median_ms("claim"), phases.median_ms("record_alone")
    print(f"webhook throughput: {sent} deliveries in {elapsed:.2f} s, batches of {BATCH},")
    print(f"receiver latency {latency * 1000:.0f} ms, one sender process")
    print(f"deliveries/s: {rate:.1f}")
    print(f"ideal:        {ideal:.1f}/s (a batch of {BATCH} per receiver latency)")
    print(f"ratio:        {rate / ideal:.2f} (goal >= 0.85)")
    print(f"send only:    {baseline:.1f}/s (same run: signed and POSTed, no claim, no record)")
    print(f"ratio to it:  {rate / baseline:.2f}")
    per_batch = 1000 * elapsed / batches
    print(f"per batch:    {per_batch:.1f} ms; claim {claim:.1f} ms, record {record:.1f} ms (medians)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()

    from hearth_dev.local import postgres
    from hearth_dev.migrate import migrate

    from hearth import db

    server = postgres.server_for_tests(ROOT)
    name = f"hearth_bench_{secrets.token_hex(4)}"
    admin = postgres.create_database(server, name, exist_ok=False)
    receiver_end, sender_end = multiprocessing.Pipe(duplex=False)
    receiver = multiprocessing.Process(target=serve, args=(args.latency, sender_end), daemon=True)
    receiver.start()
    try:
        migrate(admin)
        os.environ["HEARTH_BENCH_ADMIN_URL"] = admin
        os.environ["HEARTH_DATABASE_URL"] = postgres.role_url(admin, postgres.APP_ROLE)
        os.environ["HEARTH_SYSTEM_DATABASE_URL"] = postgres.role_url(admin, postgres.SYSTEM_ROLE)
        port = receiver_end.recv()

        from hearth_dev.sam.functions import invoke
        from hearth_dev.sam.template import load_template

        sender = load_template(ROOT).functions["WebhookSenderFunction"]
        warmup = BATCH * 3
        org_id, deliveries = prepare(args.deliveries + warmup, port)
        batches = [deliveries[i : i + BATCH] for i in range(0, len(deliveries), BATCH)]
        for batch in batches[: warmup // BATCH]:  # connections, pools, imports: not measured
            invoke(sender, sqs_event(org_id, batch))
        measured = batches[warmup // BATCH :]
        events = [sqs_event(org_id, batch) for batch in measured]
        phases = Phases()
        started = time.perf_counter()
        failures = 0
        for event in events:
            failures += len(invoke(sender, event)["batchItemFailures"])
        elapsed = time.perf_counter() - started

        with db.tenant_transaction(org_id) as conn:
            done = conn.execute(
                "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'"
            ).fetchone()
        sent = sum(len(b) for b in measured)
        assert failures == 0, f"{failures} records failed"
        assert done is not None
        assert done["n"] == len(deliveries), done
        report(sent, elapsed, len(measured), args.latency, send_only(org_id, measured), phases)
    finally:
        receiver.terminate()
        db.reset()
        postgres.drop_database(server, name)


if __name__ == "__main__":
    main()
