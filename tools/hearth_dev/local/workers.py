"""The local stack's invocation threads, and a stop that keeps to its time.

Each thread of a :class:`Workers` pool stands for one Lambda execution environment (its own
database connections and logging context). Unlike ``ThreadPoolExecutor``, whose threads the
interpreter joins at exit however long their work runs, these threads are daemons and
:meth:`Workers.stop` waits at most ``timeout``: an invocation still running then (a consumer
retrying a slow endpoint, a stuck request) is left behind, not waited for — Ctrl-C must end the
stack within seconds, whatever its functions do::

    pool = Workers(8, "invoke")
    future = pool.submit(run, event)
    busy = pool.stop(timeout=3.0)   # the threads still running when the time ran out
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_Item = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class Deadline:
    """A time budget shared by several waits."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self, at_most: float | None = None) -> float:
        remaining = max(0.0, self.at - time.monotonic())
        return remaining if at_most is None else min(remaining, at_most)


class Workers(Executor):
    """``size`` daemon threads taking work from one queue (an ``Executor``, so asyncio's
    ``run_in_executor`` can use it)."""

    def __init__(self, size: int, name: str) -> None:
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(max(1, size))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new work after shutdown")
            self._queue.put((future, fn, args, kwargs))
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.stop(timeout=None if wait else 0.0, cancel_futures=cancel_futures)

    def stop(self, timeout: float | None, *, cancel_futures: bool = True) -> list[threading.Thread]:
        """Take no more work; cancel what has not started (``cancel_futures``); wait for the
        threads up to ``timeout`` seconds (``None``: for ever). Returns the threads still busy."""
        with self._lock:
            if not self._closed:
                self._closed = True
                if cancel_futures:
                    while True:
                        try:
                            item = self._queue.get_nowait()
                        except queue.Empty:
                            break
                        if item is not None:
                            item[0].cancel()
                for _ in self._threads:
                    self._queue.put(None)
        deadline = Deadline(timeout) if timeout is not None else None
        for thread in self._threads:
            thread.join(deadline.left() if deadline is not None else None)
        return [t for t in self._threads if t.is_alive()]
