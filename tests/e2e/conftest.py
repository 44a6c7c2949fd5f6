"""Starting ``hearth local`` as a subprocess, the way a developer does, and waiting until it is
ready (its state file appears); stopping it with Ctrl-C (SIGINT) and checking it exits cleanly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_STACK = Path(__file__).parent / "fixture_stack"
READY_TIMEOUT = 90.0
#: Variables of the test session that must not leak into a stack (it computes its own).
PRIVATE = ("HEARTH_DATABASE_URL", "HEARTH_SYSTEM_DATABASE_URL", "HEARTH_STAGE", "DATABASE_URL")


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


@dataclass
class RunningStack:
    process: subprocess.Popen[bytes]
    log_path: Path
    state_dir: Path
    state: dict[str, Any]
    env: dict[str, str]
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.state["url"], timeout=30)

    @property
    def url(self) -> str:
        return str(self.state["url"])

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> str:
        return str(wait_for(lambda: text in self.log and self.log, timeout, f"{text!r} in the stack's log"))

    def hearth(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run another ``hearth`` command against this stack's state and database."""
        return subprocess.run(
            [sys.executable, "-m", "hearth_dev.cli", *args, "--state-dir", str(self.state_dir)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def stop(self) -> int:
        """Ctrl-C, then wait for a clean exit."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("the stack did not stop within 60 s of Ctrl-C:\n" + self.log) from None
        return int(self.process.returncode)


def stack_env(database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE}
    env["PYTHONUNBUFFERED"] = "1"
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def start_fixture_stack(tmp: Path, database_url: str, *args: str) -> Iterator[RunningStack]:
    """``hearth local`` on the fixture stack (tests/e2e/fixture_stack), its functions recording
    into ``tmp/records`` (``RECORD_DIR`` in the running stack's env)."""
    records = tmp / "records"
    records.mkdir(parents=True, exist_ok=True)
    with start_stack(
        tmp,
        "--template",
        str(FIXTURE_STACK / "template.yaml"),
        "--parameter-overrides",
        f"RecordDir={records}",
        *args,
        database_url=database_url,
    ) as running:
        running.env["RECORD_DIR"] = str(records)
        yield running


@contextlib.contextmanager
def start_stack(
    tmp: Path, *args: str, database_url: str | None, state_dir: Path | None = None
) -> Iterator[RunningStack]:
    tmp.mkdir(parents=True, exist_ok=True)
    state_dir = state_dir or tmp / "state"
    log_path = tmp / "stack.log"
    env = stack_env(database_url)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hearth_dev.cli",
                "local",
                "--port",
                "0",
                "--state-dir",
                str(state_dir),
                *args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    state_file = state_dir / "local-stack.json"

    def ready() -> dict[str, Any] | None:
        if process.poll() is not None:
            raise AssertionError(f"hearth local exited with {process.returncode}:\n{log_path.read_text()}")
        if not state_file.exists():
            return None
        state: dict[str, Any] = json.loads(state_file.read_text(encoding="utf-8"))
        return state

    try:
        state = wait_for(ready, READY_TIMEOUT, "hearth local to be ready")
    except BaseException:
        process.kill()
        process.wait()
        raise
    stack = RunningStack(process, log_path, state_dir, state, env)
    try:
        yield stack
    finally:
        if stack.process.poll() is None:
            stack.stop()


@pytest.fixture
def fresh_database(database: dict[str, str]) -> Iterator[str]:
    """The admin URL of a new, empty database on the test server (dropped afterwards)."""
    import secrets

    from hearth_dev.local import postgres

    name = f"hearth_e2e_{secrets.token_hex(4)}"
    url = postgres.create_database(database["server"], name, exist_ok=False)
    try:
        yield url
    finally:
        postgres.drop_database(database["server"], name)
