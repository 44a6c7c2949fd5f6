"""How long ``hearth local`` takes from the command to a served request, and how much memory the
whole stack holds (the Python process with its threads, and the embedded PostgreSQL's processes).

    .venv/bin/python benchmarks/local_stack.py            # embedded PostgreSQL in a new folder
    .venv/bin/python benchmarks/local_stack.py --runs 3   # the first run and two later runs

Each run starts ``hearth local`` in a fresh interpreter, polls until ``GET /v1/orgs/current``
with the demo API key answers 200, measures the process tree, then stops it with SIGINT. The
first run creates the embedded server (initdb), applies the migrations and seeds the demo
tenant; later runs reuse the folder. RSS double-counts PostgreSQL's shared memory; PSS shares
it out and is the better total.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DEMO_KEY = "hk_DemoDemoDemoLocalOnlyKey0000000000000000"


def answered(url: str) -> bool:
    headers = {"authorization": f"Bearer {DEMO_KEY}"}
    request = urllib.request.Request(f"{url}/v1/orgs/current", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # loopback only
            return bool(response.status == 200)
    except OSError:
        return False


def tree(pid: int, postgres_pid: int | None) -> list[psutil.Process]:
    roots = [psutil.Process(pid)] + ([psutil.Process(postgres_pid)] if postgres_pid else [])
    procs: dict[int, psutil.Process] = {}
    for root in roots:
        for proc in [root, *root.children(recursive=True)]:
            procs[proc.pid] = proc
    return list(procs.values())


def run_once(state: Path, database_url: str | None) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_") and k != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "hearth_dev.cli", "local", "--port", "0", "--state-dir", str(state)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state_file = state / "local-stack.json"
    try:
        deadline = time.monotonic() + 180
        while not state_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("hearth local did not start")
            time.sleep(0.05)
        info = json.loads(state_file.read_text())
        while not answered(info["url"]):
            time.sleep(0.05)
        ready = time.perf_counter() - started
        time.sleep(3)  # let the background warm-up load every function, as a session would
        for _ in range(20):
            answered(info["url"])
        procs = tree(info["pid"], info.get("postgres_pid"))
        rss = sum(p.memory_info().rss for p in procs)
        pss = sum(p.memory_full_info().pss for p in procs)
        python_rss = psutil.Process(info["pid"]).memory_info().rss
        return {
            "ready_s": round(ready, 2),
            "processes": len(procs),
            "rss_mb": round(rss / 2**20, 1),
            "pss_mb": round(pss / 2**20, 1),
            "python_rss_mb": round(python_rss / 2**20, 1),
        }
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="use this server instead of the embedded one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
        for run in range(args.runs):
            result = run_once(Path(tmp) / "state", args.database_url)
            label = "first run" if run == 0 else "later run"
            print(f"{label:>10}: {json.dumps(result)}", flush=True)


if __name__ == "__main__":
    main()
