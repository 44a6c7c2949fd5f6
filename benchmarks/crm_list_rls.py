"""The price of row-level security on a CRM list page, at 1,000 orgs x 1,000 companies.

Both sides run the same list engine (shared/hearth/http/listing.py) and so the same SQL — a
filtered, sorted first page of companies — in the same run, interleaved:

* RLS: as ``hearth_app`` (NOBYPASSRLS) in a tenant transaction, the org chosen by
  ``set_config('app.org_id', …, true)`` and the rows by the forced policies, as the routes do;
* explicit: as a role with BYPASSRLS, with ``WHERE r.org_id = %s`` added to the same query.

Prints p50/p95 of both and the ratio (goal: RLS / explicit <= 1.15). The script makes its own
database (migrated, loaded with generate_series) on the server of ``HEARTH_TEST_DATABASE_URL`` /
``DATABASE_URL`` (an administrative user), else 127.0.0.1:5432, and drops it afterwards::

    .venv/bin/python benchmarks/crm_list_rls.py [--orgs 1000] [--companies 1000] [--samples 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
os.environ.setdefault("HEARTH_STAGE", "test")

import psycopg  # noqa: E402
from hearth_dev.local import postgres  # noqa: E402
from hearth_dev.migrate import migrate  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402

from hearth.crm.companies.store import LISTING  # noqa: E402

NO_RLS_ROLE = "hearth_bench_bypass"
SCENARIOS = {
    "filter industry + employees >= 100, sort -created_at": (
        [("filter[industry]", "Retail"), ("filter[employee_count][gte]", "100")],
        "-created_at",
    ),
    "tag contains customer, sort name": ([("filter[tags][contains]", "customer")], "name"),
}


def load(admin: str, orgs: int, per_org: int) -> list[str]:
    started = time.perf_counter()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute(
            "INSERT INTO orgs (id, name) SELECT gen_random_uuid(), 'Org ' || g FROM generate_series(1, %s) g",
            (orgs,),
        )
        # Load without the secondary indexes, then build them once (the migration's own
        # definitions, read back from the catalog).
        indexes = [
            (r[0], r[1])
            for r in conn.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
                " WHERE indrelid = 'companies'::regclass AND NOT indisprimary"
            ).fetchall()
        ]
        for index, _definition in indexes:
            conn.execute(f"DROP INDEX {index}")
        conn.execute(
            """
            INSERT INTO companies (org_id, name, domain, industry, employee_count, tags, created_at)
            SELECT o.id,
                   'Company ' || g,
                   CASE WHEN g %% 3 = 0 THEN 'c' || g || '.example' END,
                   (ARRAY['Retail', 'Energy', 'Software', 'Health', 'Logistics'])[g %% 5 + 1],
                   (g * 37) %% 1000,
                   CASE WHEN g %% 4 = 0 THEN ARRAY['customer'] ELSE ARRAY['prospect'] END,
                   now() - g * interval '1 minute'
            FROM orgs o CROSS JOIN generate_series(1, %s) g
            """,
            (per_org,),
        )
        for _index, definition in indexes:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE companies")
        conn.execute(f"DROP ROLE IF EXISTS {NO_RLS_ROLE}")
        conn.execute(f"CREATE ROLE {NO_RLS_ROLE} NOLOGIN BYPASSRLS")
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {NO_RLS_ROLE}")
        conn.execute(f"GRANT SELECT ON companies TO {NO_RLS_ROLE}")
        ids = [str(r[0]) for r in conn.execute("SELECT id FROM orgs").fetchall()]
        total = conn.execute("SELECT count(*) FROM companies").fetchone()
    count = total[0] if total else 0
    print(f"loaded {len(ids)} orgs, {count} companies in {time.perf_counter() - started:.1f} s")
    return ids


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    admin: str, app: str, orgs: list[str], samples: int, pairs: list[tuple[str, str]], sort: str
) -> None:
    query = LISTING.parse(pairs, sort=sort)
    rls_times: list[float] = []
    explicit_times: list[float] = []
    rng = random.Random(7)
    with (
        psycopg.connect(app, row_factory=dict_row, prepare_threshold=None) as as_app,
        psycopg.connect(admin, row_factory=dict_row, prepare_threshold=None) as bypass,
    ):
        bypass.execute(f"SET ROLE {NO_RLS_ROLE}")
        bypass.commit()
        for i in range(samples + samples // 10):
            org = rng.choice(orgs)
            # RLS: the tenant set for the transaction, as the route kit does.
            as_app.execute("SELECT set_config('app.org_id', %s, true)", (org,))
            t = time.perf_counter()
            rls_rows, _ = LISTING.page(as_app, query, limit=50, cursor=None)
            rls = time.perf_counter() - t
            as_app.commit()
            # Explicit: the same query with the tenant in the WHERE clause, no policies.
            t = time.perf_counter()
            explicit_rows, _ = LISTING.page(
                bypass, query, limit=50, cursor=None, where=[("r.org_id = %s", [org])]
            )
            explicit = time.perf_counter() - t
            bypass.commit()
            assert [r["id"] for r in rls_rows] == [r["id"] for r in explicit_rows]
            assert rls_rows, "the scenario should match some rows"
            if i >= samples // 10:  # the first tenth warms the caches
                rls_times.append(rls * 1000)
                explicit_times.append(explicit * 1000)
    p50_rls, p95_rls = statistics.median(rls_times), percentile(rls_times, 0.95)
    p50_exp, p95_exp = statistics.median(explicit_times), percentile(explicit_times, 0.95)
    print(f"  RLS (hearth_app)         p50 {p50_rls:7.3f} ms   p95 {p95_rls:7.3f} ms")
    print(f"  explicit WHERE, no RLS   p50 {p50_exp:7.3f} ms   p95 {p95_exp:7.3f} ms")
    ratio50, ratio95 = p50_rls / p50_exp, p95_rls / p95_exp
    print(f"  ratio RLS / explicit     p50 {ratio50:7.3f}      p95 {ratio95:7.3f}   (goal <= 1.15)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--companies", type=int, default=1000, help="per org")
    parser.add_argument("--samples", type=int, default=2000, help="per side and scenario")
    args = parser.parse_args()

    server = postgres.server_for_tests(ROOT)
    name = f"hearth_bench_{secrets.token_hex(4)}"
    admin = postgres.create_database(server, name, exist_ok=False)
    try:
        migrate(admin)
        orgs = load(admin, args.orgs, args.companies)
        app = postgres.role_url(admin, postgres.APP_ROLE)
        for label, (pairs, sort) in SCENARIOS.items():
            print(f"\n{label} (first page of 50, {args.samples} samples each, interleaved)")
            measure(admin, app, orgs, args.samples, pairs, sort)
    finally:
        postgres.drop_database(server, name)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {NO_RLS_ROLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
