"""Webhook throughput: deliveries per second from one sender process to a local receiver that
answers after 50 ms, in SQS batches of ten, next to the ideal of 200/s (ten deliveries per
receiver latency). Goal: a ratio of at least 0.8.

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
    from hearth import db, outbox
    from hearth.outbox.messages import DispatchMessage
    from hearth.webhooks.engine import fanout, signing
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
            secret_ciphertext=endpoint_secrets.seal(org_id, endpoint_id, signing.new_secret()),
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
        ideal = BATCH / args.latency
        rate = sent / elapsed
        print(f"webhook throughput: {sent} deliveries in {elapsed:.2f} s, batches of {BATCH},")
        print(f"receiver latency {args.latency * 1000:.0f} ms, one sender process")
        print(f"deliveries/s: {rate:.1f}")
        print(f"ideal:        {ideal:.1f}/s (a batch of {BATCH} per receiver latency)")
        print(f"ratio:        {rate / ideal:.2f} (goal >= 0.8)")
    finally:
        receiver.terminate()
        db.reset()
        postgres.drop_database(server, name)


if __name__ == "__main__":
    main()
