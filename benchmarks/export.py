"""An org export of 100,000 records: time, rows per second and peak memory (goal <= 256 MB).

The export worker's build step (``hearth.lifecycle.export_worker.write_zip``: every table of the
org's plan through server-side cursors into a zip in a temporary file) runs in a child process
of its own for the loaded org, and again for an empty org of the same database: the same-run
baseline (the interpreter, the imports, the connection). Each child reports its time and its
peak resident set (``ru_maxrss``); the figure is the loaded org's peak, and its excess over the
baseline is what the rows cost. The upload to S3 is not part of it (boto3 streams the file in
8 MB parts). The records are spread over companies, people, deals, tasks and notes (their audit
rows and events are not loaded: they would only add rows of the same kind).

The script makes its own database (migrated, loaded with generate_series) on the server of
``HEARTH_TEST_DATABASE_URL`` / ``DATABASE_URL`` (an administrative user), else 127.0.0.1:5432, and
drops it afterwards::

    .venv/bin/python benchmarks/export.py [--records 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
os.environ.setdefault("HEARTH_STAGE", "test")

import psycopg  # noqa: E402
from hearth_dev.local import postgres  # noqa: E402
from hearth_dev.migrate import migrate  # noqa: E402

GOAL_MB = 256
#: How the records are spread over the tables (shares of --records).
SPREAD = {"companies": 0.3, "people": 0.3, "deals": 0.15, "tasks": 0.15, "notes": 0.1}


def load(admin: str, records: int) -> tuple[str, str, str]:
    """The loaded org, an empty org, and the user who asks for both exports."""
    started = time.perf_counter()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        user = conn.execute(
            "INSERT INTO users (idp_subject, email, name, email_verified_at)"
            " VALUES ('bench|owner', 'owner@example.com', 'Owner', now())"
            " RETURNING id"
        ).fetchone()
        orgs = conn.execute("INSERT INTO orgs (name) VALUES ('Loaded'), ('Empty') RETURNING id").fetchall()
        assert user is not None
        loaded, empty = str(orgs[0][0]), str(orgs[1][0])
        for org in (loaded, empty):
            conn.execute(
                "INSERT INTO org_members (org_id, user_id, role) VALUES (%s, %s, 'owner')", (org, user[0])
            )
        n = {table: int(records * share) for table, share in SPREAD.items()}
        n["companies"] += records - sum(n.values())
        conn.execute(
            "INSERT INTO companies (org_id, name, domain, industry, employee_count, tags, properties)"
            " SELECT %s, 'Company ' || g, 'c' || g || '.example.com', 'Software', g %% 1000,"
            " ARRAY['customer'], jsonb_build_object('source', 'benchmark', 'rank', g)"
            " FROM generate_series(1, %s) g",
            (loaded, n["companies"]),
        )
        conn.execute(
            "INSERT INTO people (org_id, first_name, last_name, email, job_title)"
            " SELECT %s, 'Person', 'Number ' || g, 'person' || g || '@example.com', 'Buyer'"
            " FROM generate_series(1, %s) g",
            (loaded, n["people"]),
        )
        pipeline = conn.execute(
            "SELECT p.id AS pipeline, s.id AS stage FROM pipelines p JOIN pipeline_stages s"
            " ON s.org_id = p.org_id AND s.pipeline_id = p.id WHERE p.org_id = %s"
            " ORDER BY s.position LIMIT 1",
            (loaded,),
        ).fetchone()
        assert pipeline is not None, "every org has a default pipeline"
        conn.execute(
            "INSERT INTO deals (org_id, name, amount, currency, pipeline_id, stage_id)"
            " SELECT %s, 'Deal ' || g, g * 100, 'EUR', %s, %s FROM generate_series(1, %s) g",
            (loaded, pipeline[0], pipeline[1], n["deals"]),
        )
        conn.execute("SELECT set_config('app.org_id', %s, false)", (loaded,))
        conn.execute(
            "INSERT INTO tasks (org_id, title, body, status, priority)"
            " SELECT %s, 'Task ' || g, 'Call back about the offer', 'open', 'normal'"
            " FROM generate_series(1, %s) g",
            (loaded, n["tasks"]),
        )
        conn.execute(
            "INSERT INTO notes (org_id, body)"
            " SELECT %s, 'Met at the fair; wants a demo in spring (' || g || ')'"
            " FROM generate_series(1, %s) g",
            (loaded, n["notes"]),
        )
        conn.execute("VACUUM ANALYZE")
    print(
        f"loaded {records} records ({', '.join(f'{t} {c}' for t, c in n.items())})"
        f" in {time.perf_counter() - started:.1f} s"
    )
    return loaded, empty, str(user[0])


def child(org_id: str, user_id: str) -> int:
    """Build the org's export into a temporary file; print time, rows, size and peak RSS (JSON)."""
    from hearth import db
    from hearth.lifecycle import export_plan, export_worker

    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, db.tenant_transaction(org_id, user_id=user_id) as conn:
        plan = export_plan.build(conn, "org")
        counts = export_worker.write_zip(
            conn, out, plan=plan, params={"user": user_id, "project": None}, head={}
        )
        size = out.tell()
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "rows": sum(counts.values()), "bytes": size, "peak_kb": peak_kb}))
    return 0


def run_child(app_url: str, org_id: str, user_id: str) -> dict[str, float]:
    env = {**os.environ, "HEARTH_DATABASE_URL": app_url, "HEARTH_STAGE": "test"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", org_id, user_id],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("ORG", "USER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    server = postgres.server_for_tests(ROOT)
    name = f"hearth_bench_{secrets.token_hex(4)}"
    admin = postgres.create_database(server, name, exist_ok=False)
    try:
        migrate(admin)
        loaded, empty, user = load(admin, args.records)
        app = postgres.role_url(admin, postgres.APP_ROLE)
        baseline = run_child(app, empty, user)
        export = run_child(app, loaded, user)
    finally:
        postgres.drop_database(server, name)
    peak, base = export["peak_kb"] / 1024, baseline["peak_kb"] / 1024
    verdict = "met" if peak <= GOAL_MB else "NOT met"
    print(f"\norg export of {args.records} records ({int(export['rows'])} rows in every table of the plan)")
    print(
        f"  time            {export['seconds']:8.2f} s   ({export['rows'] / export['seconds']:,.0f} rows/s)"
    )
    print(f"  zip             {export['bytes'] / 1e6:8.2f} MB")
    print(f"  peak memory     {peak:8.1f} MB   (goal <= {GOAL_MB} MB: {verdict})")
    print(
        f"  baseline        {base:8.1f} MB   (the same export of an empty org, {baseline['seconds']:.2f} s)"
    )
    print(f"  vs baseline     {peak - base:+8.1f} MB   for the rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
