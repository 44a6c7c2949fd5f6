"""The time the delivery engine decides by (due attempts, rotation windows, disable rules).

Code asks :func:`now`; tests replace the clock to move through retry schedules without
sleeping::

    with clock.frozen(start) as fake:
        fake.advance(minutes=5)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta


def _system() -> datetime:
    return datetime.now(UTC)


_sources: list[Callable[[], datetime]] = [_system]


def now() -> datetime:
    """The current time (timezone-aware UTC)."""
    return _sources[-1]()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self._now += delta if delta is not None else timedelta(**kwargs)
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when


@contextlib.contextmanager
def frozen(start: datetime | None = None) -> Iterator[FakeClock]:
    """Replace the clock with a :class:`FakeClock` for the duration of the block."""
    fake = FakeClock(start or datetime.now(UTC))
    _sources.append(fake)
    try:
        yield fake
    finally:
        _sources.remove(fake)
