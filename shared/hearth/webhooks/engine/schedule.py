"""When to try a delivery again.

Eight automatic attempts: immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h,
each wait with ±20 % jitter. A ``Retry-After`` on 429 or 503 is honoured, clamped to between
1x and 2x the scheduled wait, so a receiver can slow Hearth down but not stall or rush it::

    wait = next_wait(1, rng)                     # ~5 s (4 s to 6 s)
    wait = honour_retry_after(wait, "120", now)  # 120 s clamped into [wait, 2 * wait]
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

#: The wait before attempt n+1, after attempt n failed (index n-1).
WAITS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(WAITS) + 1
JITTER = 0.2
#: SQS delays a message by at most 15 minutes; longer waits are held in the database.
MAX_QUEUE_DELAY = timedelta(minutes=15)


def next_wait(failed_attempt: int, rng: random.Random | None = None) -> timedelta | None:
    """The jittered wait after automatic attempt ``failed_attempt`` failed; ``None`` when that was
    the last one."""
    if failed_attempt < 1 or failed_attempt >= MAX_ATTEMPTS:
        return None
    base = WAITS[failed_attempt - 1]
    factor = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return base * factor


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as a wait: delay-seconds or an HTTP date; ``None`` when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(timedelta(0), when - now)


def honour_retry_after(scheduled: timedelta, retry_after: timedelta | None) -> timedelta:
    """The receiver's ``Retry-After``, clamped to between 1x and 2x the scheduled wait."""
    if retry_after is None:
        return scheduled
    return min(max(retry_after, scheduled), scheduled * 2)
