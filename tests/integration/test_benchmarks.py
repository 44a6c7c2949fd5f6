"""Every benchmark still runs: each script in ``benchmarks/`` with the smallest arguments that go
through all of its code (a few samples, a few deliveries), checked for a clean exit and for the
figures it promises. Nothing here is timed; a benchmark that no longer runs is the failure.

A new benchmark needs its smoke arguments here (the test of the folder fails without them).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from hearth_dev.local import postgres

ROOT = Path(__file__).resolve().parents[2]

#: benchmark -> (smoke arguments, text its report must contain)
SMOKE: dict[str, tuple[list[str], str]] = {
    # Every function once: each must import with the settings a deployment gives it (ENV there).
    "cold_start": (["--runs", "1"], "vs baseline"),
    "crm_get_invoke": (["--samples", "20"], "ratio kit / raw"),
    "crm_list_rls": (["--orgs", "3", "--companies", "5", "--samples", "5"], "ratio"),
    "webhook_throughput": (["--deliveries", "30"], "ratio:"),
    "stripe_webhook": (["--samples", "10"], "floor:"),
    "sms": (["--inbound", "10", "--messages", "30", "--latency", "0.02"], "ratio to it:"),
    "email_send": (["--emails", "30", "--latency", "0.02", "--campaign", "300"], "longest transaction:"),
    "export": (["--records", "500"], "vs baseline"),
    "local_stack": (
        [
            "load",
            "--duration",
            "1",
            "--soak",
            "2",
            "--window",
            "1",
            "--readers",
            "2",
            "--writers",
            "2",
            "--orgs",
            "1",
            "--database-url",
            "{server}",
        ],
        "soak",
    ),
    "purge": (
        ["--rows", "5000", "--orgs", "5", "--live", "50", "--writers", "2", "--baseline", "1"],
        "ratio p95",
    ),
}


def test_every_benchmark_has_smoke_arguments() -> None:
    scripts = {p.stem for p in (ROOT / "benchmarks").glob("*.py")}
    assert scripts == set(SMOKE), "benchmarks without smoke arguments (or gone): " + ", ".join(
        sorted(scripts ^ set(SMOKE))
    )


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_benchmark_runs(name: str) -> None:
    arguments, promised = SMOKE[name]
    server = postgres.server_for_tests(ROOT)
    # A benchmark that is handed a database migrates it: a fresh one each run, never the server's own.
    dbname = f"hearth_bench_smoke_{secrets.token_hex(4)}"
    database = postgres.create_database(server, dbname, exist_ok=False)
    command = [sys.executable, str(ROOT / "benchmarks" / f"{name}.py")]
    command += [a.format(server=database) for a in arguments]
    env = {**os.environ, "HEARTH_TEST_DATABASE_URL": server}
    try:
        done = subprocess.run(
            command, check=False, capture_output=True, text=True, env=env, timeout=600, cwd=ROOT
        )
    finally:
        postgres.drop_database(server, dbname)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert promised in done.stdout, done.stdout[-3000:]
