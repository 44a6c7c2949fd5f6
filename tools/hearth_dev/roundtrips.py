"""Count a connection's round trips to PostgreSQL, from libpq's own protocol trace.

A round trip is the client sending messages and then waiting for the server's answer: in the
trace, a run of frontend (``F``) messages followed by backend (``B``) ones. Pipelined statements
sent before one wait count once; a statement, its Sync and the COMMIT sent one after another
with a wait in between count three times. Linux only (libpq's trace needs a file stream)::

    with count_round_trips(conn) as counted:
        conn.execute("SELECT 1").fetchone()
    counted.trips   # 1
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from psycopg import pq

_MESSAGE = re.compile(r"^([FB])\t\d+\t(\w+)")


@dataclass
class Counted:
    trips: int = 0
    #: The protocol messages, in order, as (direction, type): ("F", "Parse"), ("B", "DataRow"), …
    messages: list[tuple[str, str]] = field(default_factory=list)


def round_trips(messages: list[tuple[str, str]]) -> int:
    """The number of waits in a message sequence (a frontend run followed by a backend one)."""
    trips, previous = 0, None
    for direction, _ in messages:
        if direction == "B" and previous == "F":
            trips += 1
        previous = direction
    return trips


@contextmanager
def count_round_trips(conn: Any) -> Iterator[Counted]:
    """Trace ``conn`` (a psycopg connection) for the block; the result is filled in at its end."""
    counted = Counted()
    fd, path = tempfile.mkstemp(prefix="hearth-pqtrace-")
    conn.pgconn.trace(fd)
    conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
    try:
        yield counted
    finally:
        conn.pgconn.untrace()  # flushes the trace stream
        with open(path, encoding="utf-8", errors="replace") as trace:
            for line in trace:
                found = _MESSAGE.match(line)
                if found:
                    counted.messages.append((found.group(1), found.group(2)))
        os.unlink(path)
        counted.trips = round_trips(counted.messages)
