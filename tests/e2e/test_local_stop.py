"""Ctrl-C ends ``hearth local`` within ten seconds, whatever its functions are doing: a request,
a queue consumer (waiting on a thread pool's thread, which the interpreter joins at exit) and a
schedule that each take a minute are left behind, not waited for; moto's process goes too."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
from hearth_dev.local.aws import client

from tests.e2e.conftest import start_stack, wait_for

pytestmark = pytest.mark.e2e

SLOW_STACK = Path(__file__).parent / "slow_stack"
STOP_LIMIT = 10.0


def test_ctrl_c_ends_the_stack_within_ten_seconds(database: dict[str, str], tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    with start_stack(
        tmp_path,
        "--template",
        str(SLOW_STACK / "template.yaml"),
        "--parameter-overrides",
        f"RecordDir={records}",
        "--schedules-every",
        "1",
        database_url=database["admin"],
    ) as stack:
        moto = psutil.Process(int(stack.state["moto_pid"]))
        assert moto.pid != stack.process.pid  # moto serves from a process of its own

        def slow_request() -> None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{stack.url}/slow", timeout=120)

        threading.Thread(target=slow_request, daemon=True).start()
        sqs = client("sqs", stack.state["aws_endpoint"])
        queue = sqs.get_queue_url(QueueName="hearth-local-SlowQueue")["QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"slow": True}))
        names = ("SlowRouteFunction", "SlowConsumerFunction", "SlowScheduleFunction")
        wait_for(
            lambda: all((records / f"{name}.started").exists() for name in names),
            60,
            "every slow function to be running",
        )

        started = time.monotonic()
        stack.process.send_signal(signal.SIGINT)
        code = stack.process.wait(60)
        took = time.monotonic() - started
        log = stack.log

    assert took < STOP_LIMIT, f"stopping took {took:.1f} s:\n{log}"
    assert code == 0, log
    assert "not waiting for invocations still running" in log
    assert log.rstrip().endswith("stopped")
    wait_for(lambda: not moto.is_running() or moto.status() == psutil.STATUS_ZOMBIE, 5, "moto to exit")
