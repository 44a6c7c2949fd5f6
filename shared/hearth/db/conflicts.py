"""Telling a transaction that lost a conflict, and waiting before trying it again."""

from __future__ import annotations

import random
import time

import psycopg

#: SQLSTATEs of a transaction that lost a deadlock or a serialization failure: nothing it did was
#: kept, and running it again may succeed. (psycopg's DeadlockDetected and SerializationFailure
#: are not subclasses of its TransactionRollback, so they are told by their SQLSTATE.)
_CONFLICT_STATES = frozenset({"40001", "40P01"})


def is_transaction_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is a deadlock or a serialization failure (worth running the whole
    transaction again)."""
    return isinstance(exc, psycopg.Error) and exc.sqlstate in _CONFLICT_STATES


def pause_after_conflict(attempt: int) -> None:
    """A short, jittered wait before running a transaction again after its ``attempt``-th try
    lost a conflict (so that the two sides do not collide again at once)."""
    time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 (jitter, not a secret)
