"""moto in a process of its own, for ``hearth local``.

moto answers every AWS call in Python; under writes its SQS receive scans whole queues, and in
the stack's own process that work took over half of the process's time, all of it under the
one interpreter lock the functions need. Here it gets its own interpreter (and core)::

    with MotoProcess() as moto:      # returns when the server answers
        moto.endpoint                # http://127.0.0.1:<port>
        moto.pid

The child runs moto's threaded server on a free loopback port, writes the port on its standard
output, and then waits for its standard input to close: :meth:`MotoProcess.stop` closes it (then
terminates, then kills, within a few seconds), and a parent that dies without stopping it closes
it too, so no moto server outlives its stack. The child ignores SIGINT: Ctrl-C in a terminal
reaches the whole process group, and the stack stops moto itself, after its consumers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from types import TracebackType
from typing import Any

START_TIMEOUT = 60.0


class MotoProcess:
    """moto's threaded server in a child process on a free loopback port."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.endpoint = ""
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def launch(self) -> MotoProcess:
        """Start the child (it imports moto meanwhile); :meth:`ready` waits for it."""
        if self._process is None:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this package
                [sys.executable, "-m", "hearth_dev.local.moto_process", self.host],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        return self

    def ready(self, timeout: float = START_TIMEOUT) -> MotoProcess:
        """Wait until the child names its port."""
        process = self._process
        if process is None:
            raise RuntimeError("moto was not launched")
        if self.endpoint:
            return self
        stdout = process.stdout
        assert stdout is not None
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        text = line[0].decode().strip() if line else ""
        if not text.isdigit():
            self.stop()
            raise RuntimeError(f"moto did not start (exit code {process.poll()})")
        self.endpoint = f"http://{self.host}:{text}"
        return self

    def start(self) -> MotoProcess:
        return self.launch().ready()

    def stop(self, timeout: float = 3.0) -> None:
        """Close the child's input, then terminate it, then kill it."""
        process, self._process = self._process, None
        self.endpoint = ""
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(1.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> MotoProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def fast_retention_check() -> bool:
    """Make moto's SQS receive linear in the queue's length again.

    moto 5 checks each message it is about to return against the queue's retention period by
    computing *all* of the queue's attributes, three of which scan the whole queue: a receive
    cost O(n²), so a queue that fell behind slowed every call until it fell further behind (a
    write soak decayed from 31 to 9 writes/s). The same check, reading the one attribute it
    needs. ``False`` when this moto has no such method (then nothing is changed)."""
    from moto.sqs import models

    if not hasattr(models.SQSBackend, "is_message_valid_based_on_retention_period"):
        return False

    def is_message_valid_based_on_retention_period(
        self: models.SQSBackend, queue_name: str, message: models.Message
    ) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
        return bool(retention + message.sent_timestamp / 1000 > models.unix_time())  # type: ignore[operator]

    models.SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )
    return True


def ses_identities_verified_at_once() -> bool:
    """SES verifies a domain once its DKIM records are in DNS; locally there is no DNS, so every
    identity created in this moto is verified for sending at once (moto otherwise never verifies
    one, and no email could be sent locally). ``False`` when this moto has no such model."""
    try:
        from moto.ses.models import EmailIdentity
    except ImportError:
        return False
    created = EmailIdentity.__init__

    def verified_init(self: Any, *args: Any, **kwargs: Any) -> None:
        created(self, *args, **kwargs)
        self.verified_for_sending_status = True

    EmailIdentity.__init__ = verified_init  # type: ignore[method-assign]
    return True


def serve(host: str) -> None:
    """The child: serve until standard input closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per AWS call
    from moto.server import ThreadedMotoServer

    fast_retention_check()
    ses_identities_verified_at_once()

    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    sys.stdin.buffer.read()  # returns when the parent closes it or dies
    os._exit(0)  # moto keeps nothing worth a graceful stop; its open connections must not delay it


if __name__ == "__main__":
    serve(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1")
