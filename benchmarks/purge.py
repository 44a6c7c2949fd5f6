"""The retention purge beside a live write load: rows purged per second, the longest lock the
purge held, and what it costs the writes around it.

A database of its own (migrated) is loaded with ``--rows`` expired Idempotency-Key replies over
``--orgs`` orgs, plus live ones. Writers (``--writers`` threads, the app role, one tenant
transaction each: insert a live reply, update another) run twice in the same run:

* baseline: ``--baseline`` seconds without the purge;
* purge: while the expired-rows purge (``hearth.lifecycle.purge``, the system role, batches of
  ``--batch`` rows, FOR UPDATE SKIP LOCKED, lock_timeout) deletes every expired row.

Prints the purge's rows/s (goal >= 100,000/s), its longest batch — a batch is one transaction,
so the longest any row lock it took was held — (goal < 1 s), the p95 of the writes in both phases
and their ratio (goal <= 1.2x), and checks that every live row is still there::

    .venv/bin/python benchmarks/purge.py [--rows 1000000] [--orgs 100] [--writers 4] [--batch 5000]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
os.environ.setdefault("HEARTH_STAGE", "test")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

import psycopg  # noqa: E402
from hearth_dev.local import postgres  # noqa: E402
from hearth_dev.migrate import migrate  # noqa: E402


def load(admin: str, orgs: int, rows: int, live_per_org: int) -> list[str]:
    started = time.perf_counter()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute(
            "INSERT INTO orgs (id, name) SELECT gen_random_uuid(), 'Org ' || g FROM generate_series(1, %s) g",
            (orgs,),
        )
        ids = [str(r[0]) for r in conn.execute("SELECT id FROM orgs ORDER BY id").fetchall()]
        conn.execute(
            """
            INSERT INTO idempotency_keys (org_id, credential, key, request_hash, status, body, expires_at)
            SELECT o.id, 'bench', 'old-' || g, '\\x00', 201, repeat('x', 200),
                   now() - interval '1 day' - g * interval '1 millisecond'
            FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM orgs) o
            JOIN generate_series(1, %s) g ON g %% %s = o.n
            """,
            (rows, orgs),
        )
        conn.execute(
            """
            INSERT INTO idempotency_keys (org_id, credential, key, request_hash, status, body, expires_at)
            SELECT o.id, 'bench', 'live-' || g, '\\x00', 201, repeat('x', 200), now() + interval '1 day'
            FROM orgs o CROSS JOIN generate_series(1, %s) g
            """,
            (live_per_org,),
        )
        conn.execute("VACUUM ANALYZE idempotency_keys")
        expired = conn.execute("SELECT count(*) FROM idempotency_keys WHERE expires_at < now()").fetchone()
    print(
        f"loaded {expired[0] if expired else 0} expired and {orgs * live_per_org} live rows over {orgs} orgs"
        f" in {time.perf_counter() - started:.1f} s"
    )
    return ids


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Writers:
    """Live traffic: each thread, in a tenant transaction as the app role, inserts a live reply
    and updates one of its org's live replies; the latency of each transaction is kept."""

    def __init__(self, app: str, orgs: list[str], threads: int, live_per_org: int) -> None:
        self.app, self.orgs, self.threads, self.live = app, orgs, threads, live_per_org
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.inserted: dict[str, list[str]] = {}
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()

    def _run(self, n: int) -> None:
        own: list[float] = []
        keys: list[str] = []
        try:
            with psycopg.connect(self.app, prepare_threshold=None) as conn:
                i = 0
                while not self.stop.is_set():
                    org = self.orgs[(n + i * self.threads) % len(self.orgs)]
                    key = f"new-{uuid.uuid4().hex}"
                    t = time.perf_counter()
                    with conn.transaction():
                        conn.execute("SELECT set_config('app.org_id', %s, true)", (org,))
                        conn.execute(
                            "INSERT INTO idempotency_keys"
                            " (org_id, credential, key, request_hash, status, expires_at)"
                            " VALUES (%s, 'bench', %s, '\\x00', 201, now() + interval '1 day')",
                            (org, key),
                        )
                        conn.execute(
                            "UPDATE idempotency_keys SET status = 200"
                            " WHERE credential = 'bench' AND key = %s",
                            (f"live-{1 + i % self.live}",),
                        )
                    own.append((time.perf_counter() - t) * 1000)
                    keys.append(f"{org}:{key}")
                    i += 1
        except BaseException as exc:  # reported by the caller
            self.errors.append(exc)
        with self._lock:
            self.latencies.extend(own)
            self.inserted[str(n)] = keys

    def __enter__(self) -> Writers:
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(self.threads)]
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self._threads:
            t.join()
        if self.errors:
            raise RuntimeError(f"a writer failed: {self.errors[0]!r}")


def timed_batches() -> list[float]:
    """Wrap the purge's batch to time each one (its transaction, from BEGIN to COMMIT)."""
    from hearth.lifecycle import purge

    durations: list[float] = []
    real = purge._batch

    def batch(kind, now, limit, after=purge.START):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return real(kind, now, limit, after)
        finally:
            durations.append(time.perf_counter() - t)

    purge._batch = batch  # type: ignore[assignment]
    return durations


def check(admin: str, args: argparse.Namespace, baseline: Writers, during: Writers) -> None:
    """Every expired row is gone; every live row, and every row written during the run, stays."""
    with psycopg.connect(admin) as conn:
        left = conn.execute("SELECT count(*) FROM idempotency_keys WHERE expires_at < now()").fetchone()
        live = conn.execute("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'live-%%'").fetchone()
        new = conn.execute("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'new-%%'").fetchone()
    written = sum(len(v) for v in (*baseline.inserted.values(), *during.inserted.values()))
    if not (left and left[0] == 0):
        raise SystemExit(f"{left} expired rows left")
    if not (live and live[0] == args.orgs * args.live):
        raise SystemExit(f"live rows lost: {live}")
    if not (new and new[0] == written):
        raise SystemExit(f"rows written during the run lost: {new} of {written}")


def report(
    args: argparse.Namespace,
    baseline: Writers,
    during: Writers,
    purged: int,
    elapsed: float,
    durations: list[float],
) -> None:
    p95_base, p95_during = percentile(baseline.latencies, 0.95), percentile(during.latencies, 0.95)
    print(
        f"\npurge of {purged} expired rows in {elapsed:.2f} s,"
        f" batches of {args.batch}, {args.writers} writers"
    )
    print(f"  throughput               {purged / elapsed:12,.0f} rows/s   (goal >= 100,000/s)")
    print(
        f"  longest batch (lock held) {max(durations) * 1000:10.1f} ms      (goal < 1000 ms;"
        f" median {statistics.median(durations) * 1000:.1f} ms, {len(durations)} batches)"
    )
    for label, writes, p95 in (("without", baseline, p95_base), ("beside ", during, p95_during)):
        print(
            f"  writes {label} the purge p50 {statistics.median(writes.latencies):7.3f} ms"
            f"   p95 {p95:7.3f} ms   ({len(writes.latencies)} writes)"
        )
    print(f"  ratio p95 beside / without {p95_during / p95_base:8.3f}       (goal <= 1.2)")
    print("  every live row and every row written during the run is still there")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="expired rows to purge")
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--live", type=int, default=1000, help="live rows per org")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of writes without the purge")
    args = parser.parse_args()

    server = postgres.server_for_tests(ROOT)
    name = f"hearth_bench_{secrets.token_hex(4)}"
    admin = postgres.create_database(server, name, exist_ok=False)
    try:
        migrate(admin)
        orgs = load(admin, args.orgs, args.rows, args.live)
        app = postgres.role_url(admin, postgres.APP_ROLE)
        os.environ["HEARTH_DATABASE_URL"] = app
        os.environ["HEARTH_SYSTEM_DATABASE_URL"] = postgres.role_url(admin, postgres.SYSTEM_ROLE)
        from hearth.lifecycle import purge
        from hearth.lifecycle.retention import policy

        kind = policy()["idempotency_keys"]

        with Writers(app, orgs, args.writers, args.live) as baseline:
            time.sleep(args.baseline)
        durations = timed_batches()
        with Writers(app, orgs, args.writers, args.live) as during:
            started = time.perf_counter()
            purged = purge.run_kind(kind, batch=args.batch, max_batches=10**9)
            elapsed = time.perf_counter() - started

        check(admin, args, baseline, during)
        report(args, baseline, during, purged, elapsed, durations)
    finally:
        from hearth import db

        db.reset()
        postgres.drop_database(server, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
