"""``hearth local`` as a developer meets it: how long it takes from the command to a served
request and how much memory the whole stack holds (``startup``), and what it serves under load
(``load``): reads/s, writes/s and a write soak, through HTTP, on this machine.

    .venv/bin/python benchmarks/local_stack.py                  # startup, then load (short)
    .venv/bin/python benchmarks/local_stack.py startup --runs 3
    .venv/bin/python benchmarks/local_stack.py load             # 15 s phases, a 60 s soak
    .venv/bin/python benchmarks/local_stack.py load --soak 300  # the 5-minute write soak

Every run starts ``hearth local`` in a fresh interpreter with a fresh state folder (embedded
PostgreSQL created for the run, unless ``--database-url``), and stops it with SIGINT; the
time that stop takes is printed too.

``startup`` polls until ``GET /v1/orgs/current`` with the demo API key answers 200, then
measures the process tree. The first run creates the embedded server (initdb), applies the
migrations and seeds the demo tenant; later runs reuse the folder. RSS double-counts
PostgreSQL's shared memory; PSS shares it out and is the better total.

``load`` creates ``--orgs`` orgs (one user token each) and one company to read, then runs, each
for ``--duration`` seconds over keep-alive connections (a small asyncio HTTP/1.1 client in this
process):

- ``read c=1`` and ``read c=N``: ``GET /v1/companies/{id}`` with the demo API key;
- ``write``: ``--writers`` concurrent ``POST /v1/companies`` spread over the orgs;
- ``soak``: the same writes for ``--soak`` seconds, reported per ``--window`` (rate, p50, p95,
  messages waiting in the stack's queues, the outbox backlog), then the first and last windows
  compared.

Each phase prints one JSON line: requests/s, p50/p95/p99 in ms, non-2xx answers, and the CPU
seconds the stack's processes used (the stack's Python process, the moto process, PostgreSQL)
and this client used. The machine may be shared: the CPU figures tell how much of it the stack
got.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parents[1]
DEMO_KEY = "hk_DemoDemoDemoLocalOnlyKey0000000000000000"
DEMO_AUTH = f"Bearer {DEMO_KEY}"


def answered(url: str) -> bool:
    headers = {"authorization": DEMO_AUTH}
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


# -- one stack ----------------------------------------------------------------------------------


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    state_dir: Path
    info: dict[str, Any]
    ready_s: float
    log_path: Path

    @property
    def url(self) -> str:
        return str(self.info["url"])

    def stop(self) -> float:
        """SIGINT, as Ctrl-C; returns how long the stack took to exit."""
        started = time.perf_counter()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.perf_counter() - started


@contextlib.contextmanager
def running_stack(
    state: Path, database_url: str | None, *, env_extra: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[Stack]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_") and k != "DATABASE_URL"}
    env.update(env_extra or {})
    if database_url:
        env["DATABASE_URL"] = database_url
    log_path = log or Path(os.devnull)
    started = time.perf_counter()
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hearth_dev.cli", "local", "--port", "0", "--state-dir", str(state)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    state_file = state / "local-stack.json"
    stack: Stack | None = None
    try:
        deadline = time.monotonic() + 180
        while not state_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("hearth local did not start")
            time.sleep(0.05)
        info = json.loads(state_file.read_text())
        while not answered(info["url"]):
            time.sleep(0.05)
        stack = Stack(process, state, info, time.perf_counter() - started, log_path)
        yield stack
    finally:
        if process.poll() is None:
            if stack is not None:
                print(f"{'stop':>10}: {json.dumps({'stop_s': round(stack.stop(), 2)})}", flush=True)
            else:
                process.kill()
                process.wait()


def startup_once(state: Path, database_url: str | None) -> dict[str, float]:
    with running_stack(state, database_url) as stack:
        time.sleep(3)  # let the background warm-up load every function, as a session would
        for _ in range(20):
            answered(stack.url)
        procs = tree(stack.info["pid"], stack.info.get("postgres_pid"))
        rss = sum(p.memory_info().rss for p in procs)
        pss = sum(p.memory_full_info().pss for p in procs)
        python_rss = psutil.Process(stack.info["pid"]).memory_info().rss
        return {
            "ready_s": round(stack.ready_s, 2),
            "processes": len(procs),
            "rss_mb": round(rss / 2**20, 1),
            "pss_mb": round(pss / 2**20, 1),
            "python_rss_mb": round(python_rss / 2**20, 1),
        }


# -- a small HTTP/1.1 keep-alive client -----------------------------------------------------------


class Connection:
    """One keep-alive connection; requests one after another (no pipelining)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            lines.append(f"content-length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)  # one segment
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length, close = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


Request = Callable[[int], tuple[str, str, dict[str, str], bytes]]


@dataclass
class Sample:
    at: float
    seconds: float
    status: int


@dataclass
class Load:
    samples: list[Sample] = field(default_factory=list)
    errors: int = 0


async def drive(url: str, concurrency: int, seconds: float, make: Request) -> Load:
    """``concurrency`` clients, each on its own connection, for ``seconds``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    load = Load()
    stop_at = time.perf_counter() + seconds
    counter = iter(range(10**12))

    async def client() -> None:
        conn = Connection(host, port)
        try:
            while time.perf_counter() < stop_at:
                method, path, headers, body = make(next(counter))
                started = time.perf_counter()
                try:
                    status, _ = await conn.request(method, path, headers, body)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    load.errors += 1
                    conn.close()
                    await asyncio.sleep(0.05)
                    continue
                ended = time.perf_counter()
                load.samples.append(Sample(ended, ended - started, status))
        finally:
            conn.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return load


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figures(samples: list[Sample], seconds: float) -> dict[str, Any]:
    times = [s.seconds * 1000 for s in samples]
    return {
        "requests": len(samples),
        "per_s": round(len(samples) / seconds, 1),
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "non_2xx": sum(1 for s in samples if not 200 <= s.status < 300),
    }


# -- what the stack's processes use -------------------------------------------------------------


class Cpu:
    """CPU seconds of the stack's Python process, the moto process (its own, or none when moto
    runs inside the stack), PostgreSQL's processes, and this client."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.before = self.read()

    def read(self) -> dict[str, float]:
        main = psutil.Process(self.stack.info["pid"])
        moto_pid = self.stack.info.get("moto_pid")
        totals = {"stack": 0.0, "moto": 0.0, "postgres": 0.0, "client": 0.0}
        for proc in [main, *main.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                cpu = proc.cpu_times()
                key = "moto" if moto_pid and proc.pid == moto_pid else "stack"
                if "postgres" in proc.name():
                    key = "postgres"
                totals[key] += cpu.user + cpu.system
        pg = self.stack.info.get("postgres_pid")
        if pg:
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pg)
                for proc in [root, *root.children(recursive=True)]:
                    cpu = proc.cpu_times()
                    totals["postgres"] += cpu.user + cpu.system
        me = psutil.Process().cpu_times()
        totals["client"] = me.user + me.system
        return totals

    def since(self) -> dict[str, float]:
        now = self.read()
        used = {k: round(now[k] - self.before[k], 1) for k in now}
        self.before = now
        return used


# -- the load phases ------------------------------------------------------------------------------


def mint_token(state: Path, subject: str, org_id: str | None) -> str:
    """A development token signed with the stack's secret (as ``hearth token`` makes)."""
    os.environ.setdefault("HEARTH_STAGE", "local")
    sys.path.insert(0, str(ROOT / "shared"))
    from hearth.auth.tokens import mint_dev_token

    secrets_file = json.loads((state / "local-secrets.json").read_text())
    return mint_dev_token(
        subject,
        email=f"{subject.replace('|', '-')}@bench.example",
        name=subject,
        org_id=org_id,
        ttl_seconds=3 * 3600,
        secret=secrets_file["jwt_dev_secret"],
        issuer="hearth-local",
        audience="hearth",
        extra={"email_verified": True},
    )


def call(url: str, method: str, path: str, auth: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"authorization": auth, "content-type": "application/json"}
    request = urllib.request.Request(f"{url}{path}", data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:  # loopback only
        return json.loads(response.read() or b"null")


def queue_depths(endpoint: str) -> dict[str, int]:
    """Messages waiting (visible + in flight) per queue of the stack's moto."""
    import boto3

    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    depths: dict[str, int] = {}
    for queue_url in sqs.list_queues().get("QueueUrls", []):
        attrs = sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = int(attrs["ApproximateNumberOfMessages"]) + int(
            attrs["ApproximateNumberOfMessagesNotVisible"]
        )
        if waiting:
            depths[queue_url.rsplit("/", 1)[-1].removeprefix("hearth-local-")] = waiting
    return depths


def outbox_backlog(state: Path, database_url: str | None) -> int | None:
    """Domain events not yet published (``None`` if the database cannot be reached here)."""
    import psycopg

    url = database_url or f"host={state / 'pg'} user=postgres dbname=hearth"
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM domain_events WHERE published_at IS NULL").fetchone()
            return int(row[0]) if row else None
    except psycopg.Error:
        return None


def report(label: str, values: dict[str, Any]) -> None:
    print(f"{label:>10}: {json.dumps(values)}", flush=True)


def load(args: argparse.Namespace, tmp: Path) -> None:
    state = tmp / "state"
    env = {"HEARTH_RATE_LIMIT_PER_MINUTE": str(10**9)}
    log = tmp / "stack.log"
    with running_stack(state, args.database_url, env_extra=env, log=log) as stack:
        url = stack.url
        company = call(url, "POST", "/v1/companies", DEMO_AUTH, {"name": "Read Me"})
        read_path = f"/v1/companies/{company['id']}"
        writers: list[str] = []
        for n in range(args.orgs):
            subject = f"bench|owner{n}"
            org = call(
                url,
                "POST",
                "/v1/orgs",
                f"Bearer {mint_token(state, subject, None)}",
                {"name": f"Bench {n}"},
            )
            writers.append(f"Bearer {mint_token(state, subject, str(org['id']))}")
        time.sleep(3)  # the background warm-up
        run = uuid.uuid4().hex[:6]

        def read(_: int) -> tuple[str, str, dict[str, str], bytes]:
            return "GET", read_path, {"authorization": DEMO_AUTH}, b""

        def write(n: int) -> tuple[str, str, dict[str, str], bytes]:
            body = json.dumps({"name": f"Bench {run} {n}", "tags": ["bench"]}).encode()
            headers = {"authorization": writers[n % len(writers)], "content-type": "application/json"}
            return "POST", "/v1/companies", headers, body

        cpu = Cpu(stack)
        for label, concurrency, make in (
            ("read c=1", 1, read),
            (f"read c={args.readers}", args.readers, read),
            (f"write c={args.writers}", args.writers, write),
        ):
            result = asyncio.run(drive(url, concurrency, args.duration, make))
            report(
                label,
                {**figures(result.samples, args.duration), "errors": result.errors, "cpu_s": cpu.since()},
            )

        if args.soak <= 0:
            return
        started = time.perf_counter()
        windows: list[dict[str, Any]] = []
        cpu.since()

        # windows are cut afterwards from the samples; the queue and backlog are read meanwhile
        depth_log: list[tuple[float, dict[str, int], int | None]] = []

        def watch(stop: list[bool]) -> None:
            while not stop[0]:
                depth_log.append(
                    (
                        time.perf_counter(),
                        queue_depths(stack.info["aws_endpoint"]),
                        outbox_backlog(state, args.database_url),
                    )
                )
                time.sleep(args.window)

        stop = [False]
        watcher = threading.Thread(target=watch, args=(stop,), daemon=True)
        watcher.start()
        result = asyncio.run(drive(url, args.writers, args.soak, write))
        stop[0] = True
        samples = result.samples
        soak_cpu = cpu.since()
        for index in range(int(args.soak // args.window)):
            low, high = started + index * args.window, started + (index + 1) * args.window
            in_window = [s for s in samples if low <= s.at < high]
            depth = next((d for t, d, _ in depth_log if t >= high), depth_log[-1][1] if depth_log else {})
            backlog = next((b for t, _, b in depth_log if t >= high), None)
            window = {"t_s": round(high - started), **figures(in_window, args.window)}
            window.update(queued=depth, outbox_backlog=backlog)
            windows.append(window)
            report("soak", window)
        if windows:
            first, last = windows[0], windows[-1]
            summary = {
                **figures(samples, args.soak),
                "errors": result.errors,
                "first_per_s": first["per_s"],
                "last_per_s": last["per_s"],
                "first_p95_ms": first["p95_ms"],
                "last_p95_ms": last["p95_ms"],
                "cpu_s": soak_cpu,
            }
            report(f"soak {args.soak:.0f}s", summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", choices=["all", "startup", "load"], default="all")
    parser.add_argument("--database-url", help="use this server instead of the embedded one")
    parser.add_argument("--runs", type=int, default=3, help="startup: runs (the first creates the folder)")
    parser.add_argument("--duration", type=float, default=15, help="load: seconds per phase")
    parser.add_argument("--soak", type=float, default=60, help="load: seconds of the write soak (300: 5 min)")
    parser.add_argument("--window", type=float, default=10, help="load: soak report interval, seconds")
    parser.add_argument("--readers", type=int, default=16, help="load: concurrent readers")
    parser.add_argument("--writers", type=int, default=50, help="load: concurrent writers")
    parser.add_argument("--orgs", type=int, default=5, help="load: orgs the writers spread over")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    if args.what in ("all", "startup"):
        with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
            for run in range(args.runs):
                result = startup_once(Path(tmp) / "state", args.database_url)
                report("first run" if run == 0 else "later run", result)
    if args.what in ("all", "load"):
        with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
            load(args, Path(tmp))
    print(f"machine: load average {os.getloadavg()[0]:.1f} at end", flush=True)


if __name__ == "__main__":
    main()
