"""What the route kit costs on a read: a warm in-process invoke of ``GET /v1/companies/{id}``
against a raw psycopg round trip of the same SELECT, on the same PostgreSQL, in the same run.

The invoke is the function's own handler (functions/crm/companies/get.py) called with an API
Gateway v2 event that carries the authorizer's principal, as Lambda would call a warm
environment: principal, rate-limit count, tenant setting, the SELECT and the commit (one
pipelined round trip), the ETag, response shaping, the log line and the EMF metrics (written to
/dev/null here). The raw side is ``conn.execute(<the same SELECT>).fetchone()`` on an open
connection with the tenant already set. Prints p50 of both, the ratio (goal: <= 2.5) and the
round trips per request of each side, counted from libpq's protocol trace.

A third, same-run figure tells the database's share from the kit's Python: the kit's own
statements (tenant setting, the SELECT, the request count) sent from psycopg in one pipeline,
with no kit around them ("statements alone")::

    .venv/bin/python benchmarks/crm_get_invoke.py [--samples 3000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="after the run, profile N invokes and print the top",
    )
    args = parser.parse_args()

    from hearth_dev.local import postgres
    from hearth_dev.migrate import migrate

    server = postgres.server_for_tests(ROOT)
    name = f"hearth_bench_{secrets.token_hex(4)}"
    admin = postgres.create_database(server, name, exist_ok=False)
    try:
        migrate(admin)
        os.environ.update(
            HEARTH_STAGE="test",
            HEARTH_DATABASE_URL=postgres.role_url(admin, postgres.APP_ROLE),
            HEARTH_SYSTEM_DATABASE_URL=postgres.role_url(admin, postgres.SYSTEM_ROLE),
            HEARTH_RATE_LIMIT_PER_MINUTE=str(10**9),
            HEARTH_ROOT=str(ROOT),
            POWERTOOLS_SERVICE_NAME="hearth",
            POWERTOOLS_METRICS_NAMESPACE="Hearth",
            POWERTOOLS_TRACE_DISABLED="true",
            POWERTOOLS_LOG_LEVEL="INFO",
            AWS_DEFAULT_REGION="us-east-1",
        )
        import psycopg
        from hearth_dev.roundtrips import count_round_trips
        from hearth_dev.sam import events
        from hearth_dev.sam.functions import LambdaContext, handler_of
        from hearth_dev.sam.template import load_template
        from psycopg.rows import dict_row

        from hearth import db, rbac
        from hearth.principal import Principal

        org, user, company = (uuid.uuid4() for _ in range(3))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Bench')", (org,))
            conn.execute("INSERT INTO users (id, idp_subject) VALUES (%s, 'bench')", (user,))
            conn.execute(
                "INSERT INTO org_members (org_id, user_id, role) VALUES (%s, %s, 'owner')", (org, user)
            )
            conn.execute(
                "INSERT INTO companies (org_id, id, name, domain, industry, employee_count, tags, properties)"
                " VALUES (%s, %s, 'Acme GmbH', 'acme.example', 'Retail', 120, %s, %s)",
                (org, company, ["customer"], '{"tier": "gold"}'),
            )
        principal = Principal(
            kind="user", user_id=user, api_key_id=None, org_id=org, role=rbac.Role.OWNER, rate_limit=10**9
        )
        fn = load_template(ROOT).functions["CompaniesGetFunction"]
        handler = handler_of(fn)
        path = f"/v1/companies/{company}"
        event = events.http_event(
            "GET",
            path,
            route_key="GET /v1/companies/{company_id}",
            headers={"authorization": "Bearer hk_bench", "user-agent": "bench"},
            path_parameters={"company_id": str(company)},
            authorizer=dict(principal.to_context()),
        )
        context = LambdaContext(fn)

        select = "SELECT r.* FROM companies r WHERE r.id = %s AND r.deleted_at IS NULL"
        raw = psycopg.connect(
            os.environ["HEARTH_DATABASE_URL"], autocommit=True, row_factory=dict_row, prepare_threshold=None
        )
        raw.execute("SELECT set_config('app.org_id', %s, false)", (str(org),))
        alone = psycopg.connect(
            os.environ["HEARTH_DATABASE_URL"], autocommit=True, row_factory=dict_row, prepare_threshold=None
        )
        from hearth.db.transactions import _ASYNC_COMMIT, _OPEN_SQL
        from hearth.http import ratelimit

        opening = {"org": str(org), "user": str(user), "audit": "", "timeout": "5000"}
        count = ratelimit.prelude(org, user, principal.credential)

        def statements_alone() -> dict[str, object] | None:
            """What the kit sends for this read, in the order it sends it, from psycopg."""
            with alone.pipeline():
                alone.execute(_OPEN_SQL + _ASYNC_COMMIT, opening)
                found = alone.execute(select, (company,))
                alone.execute(count.sql, count.params)
            return found.fetchone()

        invoke_ms: list[float] = []
        raw_ms: list[float] = []
        alone_ms: list[float] = []
        invoke_cpu_ms = raw_cpu_ms = 0.0  # this process's CPU (Python and syscalls), not the server's
        warmup = args.samples // 10
        from hearth.observability import logger

        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            logger.registered_handler.setStream(null)  # the log lines are written, to nowhere
            for i in range(args.samples + warmup):
                t, c = time.perf_counter(), time.process_time()
                response = handler(event, context)
                invoked, invoked_cpu = time.perf_counter() - t, time.process_time() - c
                assert response["statusCode"] == 200, response
                t, c = time.perf_counter(), time.process_time()
                row = raw.execute(select, (company,)).fetchone()
                direct, direct_cpu = time.perf_counter() - t, time.process_time() - c
                assert row is not None
                t = time.perf_counter()
                assert statements_alone() is not None
                by_statements = time.perf_counter() - t
                if i >= warmup:
                    invoke_ms.append(invoked * 1000)
                    raw_ms.append(direct * 1000)
                    alone_ms.append(by_statements * 1000)
                    invoke_cpu_ms += invoked_cpu * 1000
                    raw_cpu_ms += direct_cpu * 1000
            # Round trips, counted apart from the timed samples (tracing costs time).
            traced = 50
            with count_round_trips(db.database("app").connection()) as kit_trips:
                for _ in range(traced):
                    assert handler(event, context)["statusCode"] == 200
            with count_round_trips(raw) as raw_trips:
                for _ in range(traced):
                    raw.execute(select, (company,)).fetchone()
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile(time.process_time)  # CPU, not waiting
                profiler.enable()
                for _ in range(args.profile):
                    handler(event, context)
                profiler.disable()
        if args.profile:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        raw.close()
        alone.close()
        db.reset()
        p50_invoke, p50_raw = statistics.median(invoke_ms), statistics.median(raw_ms)
        print(f"GET /v1/companies/{{id}}, {args.samples} warm samples each, interleaved")
        p95_invoke = percentile(invoke_ms, 0.95)
        print(f"  kit invoke (in process)   p50 {p50_invoke:7.3f} ms   p95 {p95_invoke:7.3f} ms")
        print(f"  raw psycopg SELECT        p50 {p50_raw:7.3f} ms   p95 {percentile(raw_ms, 0.95):7.3f} ms")
        print(f"  ratio kit / raw           p50 {p50_invoke / p50_raw:7.3f}   (goal <= 2.5)")
        p50_alone = statistics.median(alone_ms)
        print(
            f"  kit's statements alone    p50 {p50_alone:7.3f} ms   ratio to raw {p50_alone / p50_raw:.3f}"
            " (the database's share; the rest is the kit's Python)"
        )
        n = len(invoke_ms)
        print(f"  client CPU per request    kit {invoke_cpu_ms / n:6.3f} ms   raw {raw_cpu_ms / n:6.3f} ms")
        kit_rt, raw_rt = kit_trips.trips / traced, raw_trips.trips / traced
        print(f"  round trips per request   kit {kit_rt:5.2f}   raw {raw_rt:5.2f}")
    finally:
        postgres.drop_database(server, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
