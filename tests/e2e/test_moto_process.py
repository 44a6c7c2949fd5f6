"""moto for ``hearth local``: a process of its own that ends with its parent, and an SQS receive
whose cost does not grow with the square of the queue's length."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import psutil
import pytest
from hearth_dev.local.aws import client
from hearth_dev.local.moto_process import MotoProcess, fast_retention_check
from moto import mock_aws
from moto.sqs import models

from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_moto_serves_from_its_own_process_and_stops() -> None:
    with MotoProcess() as moto:
        assert moto.pid is not None
        assert moto.pid != psutil.Process().pid
        sqs = client("sqs", moto.endpoint)
        url = sqs.create_queue(QueueName="own-process")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        assert [m["Body"] for m in got] == ["hello"]
        pid = moto.pid
    wait_for(lambda: gone(pid), 5, "moto to exit")


def test_moto_ends_when_its_parent_is_killed() -> None:
    script = (
        "import time\n"
        "from hearth_dev.local.moto_process import MotoProcess\n"
        "moto = MotoProcess().start()\n"
        "print(moto.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert not gone(child)
    finally:
        parent.kill()  # no chance to stop moto itself
        parent.wait()
    wait_for(lambda: gone(child), 10, "the orphaned moto to exit")


@pytest.fixture
def original_retention_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the test changes on moto's SQS backend is undone afterwards."""
    name = "is_message_valid_based_on_retention_period"
    monkeypatch.setattr(models.SQSBackend, name, getattr(models.SQSBackend, name))


@mock_aws
def test_receive_checks_retention_without_scanning_the_queue(
    original_retention_check: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs = client("sqs", "https://sqs.us-east-1.amazonaws.com")
    url = sqs.create_queue(QueueName="retention", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    backend: Any = models.sqs_backends["123456789012"]["us-east-1"]
    scans = 0
    attributes = models.Queue.attributes

    def counted(queue: Any) -> Any:
        nonlocal scans
        scans += 1
        return attributes.fget(queue)  # type: ignore[attr-defined]

    monkeypatch.setattr(models.Queue, "attributes", property(counted))

    def receive() -> list[str]:
        for n in range(20):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
        return [m.body for m in backend.receive_message("retention", 10, 0, 30)]

    assert len(receive()) == 10
    before = scans  # moto's own check: every queue attribute for every message returned
    assert before >= 10

    assert fast_retention_check()
    scans = 0
    assert len(receive()) == 10
    assert scans < before

    # still the same check: a message older than the retention period is not delivered
    expired = backend.get_queue("retention")
    for message in expired._messages:
        message.sent_timestamp = int((time.time() - 120) * 1000)
    assert backend.receive_message("retention", 10, 0, 30) == []
