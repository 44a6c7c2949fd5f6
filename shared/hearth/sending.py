"""What the provider senders share (the SMS sender, ``hearth.telephony.sender``, and the email
sender, ``hearth.email.sender``): a batch of queued messages claimed with one transaction per org,
sent concurrently, recorded with one statement per org, each record answering its own outcome;
temporary refusals retried by SQS after a backoff (the record's visibility moved)::

    send_batch(records, parse=SmsSendMessage.parse, claim=claim, send=send, record=record,
               threads=10, what="SMS")

An attempt is anything with ``message.org_id``, ``row`` (set by ``claim`` when the message is
still to be sent) and ``outcome`` (a value, or the exception that fails its record).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar
from uuid import UUID

from psycopg import sql

from hearth import queues
from hearth.batch import thread_pool
from hearth.db import Connection
from hearth.observability import logger

#: Backoff after a temporary failure: doubling from this, at most the cap (SQS: 12 hours max).
BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 900


class TryAgain(Exception):
    """The message is not sent yet; SQS delivers it again after ``wait`` seconds."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


def backoff(attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> int:
    """Seconds before attempt ``attempt + 1``: 5, 10, 20… (±20 %), at most the cap, and at least
    what the provider asked for (Retry-After), itself capped."""
    doubling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    wait = float(doubling) * (rng or random).uniform(0.8, 1.2)
    if retry_after is not None:
        wait = max(wait, min(retry_after, float(BACKOFF_CAP_SECONDS)))
    return max(1, round(wait))


class _Message(Protocol):
    @property
    def org_id(self) -> UUID: ...


class Attempt(Protocol):
    @property
    def message(self) -> _Message: ...

    row: Any
    outcome: object


A = TypeVar("A", bound=Attempt)


def send_batch(
    records: Sequence[Any],
    *,
    attempt: Callable[[str], A],
    claim: Callable[[UUID, list[A]], None],
    send: Callable[[A], None],
    record: Callable[[UUID, list[A]], None],
    threads: int,
    what: str,
) -> list[object | Exception]:
    """The whole-batch handler of a sender: ``attempt(body)`` per record (a body that does not
    parse fails that record alone), ``claim`` per org, ``send`` per claimed attempt (concurrently),
    ``record`` per org; returns each record's outcome, postponing the records to retry later."""
    attempts: list[A | Exception] = []
    for r in records:
        try:
            attempts.append(attempt(r.body))
        except (ValueError, KeyError) as exc:
            attempts.append(exc)
    by_org: dict[UUID, list[A]] = {}
    for a in attempts:
        if not isinstance(a, Exception):
            by_org.setdefault(a.message.org_id, []).append(a)
    for org_id, mine in by_org.items():
        try:
            claim(org_id, mine)
        except Exception as exc:
            logger.exception(f"{what} claim failed")
            for a in mine:
                a.outcome = exc
    claimed = [a for a in attempts if not isinstance(a, Exception) and a.row is not None]
    if len(claimed) > 1:
        list(thread_pool(threads).map(send, claimed))
    elif claimed:
        send(claimed[0])
    for org_id, mine in by_org.items():
        record(org_id, mine)
    results: list[object | Exception] = []
    for r, a in zip(records, attempts, strict=True):
        outcome = a if isinstance(a, Exception) else a.outcome
        if isinstance(outcome, TryAgain) and outcome.wait is not None:
            postpone(r, outcome.wait, what)
        results.append(outcome)
    return results


def postpone(record: Any, wait: float, what: str) -> None:
    """Make the record's message visible again in ``wait`` seconds (SQS's backoff)."""
    try:
        queue_url = queues.url_of(record.event_source_arn)
        queues.client().change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=record.receipt_handle, VisibilityTimeout=int(wait)
        )
    except Exception:  # the queue's own visibility timeout applies instead
        logger.warning(f"could not postpone the {what} message", exc_info=True)


# -- the queued rows a sender claims ---------------------------------------------------------------


def claim_queued(
    conn: Connection, table: str, columns: str, ids: list[UUID], lease_seconds: float
) -> list[dict[str, Any]]:
    """Count an attempt at each of these queued rows of ``table`` (``sms_messages``, ``emails``)
    that no other attempt holds (none, or one older than the lease: its sender was stopped);
    the ones claimed, as ``columns`` (a select list over ``r``)."""
    query = sql.SQL(
        """
        WITH r AS (
          UPDATE {table} SET attempts = attempts + 1, claimed_at = now()
          WHERE id = ANY(%s) AND status = 'queued'
            AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => %s))
          RETURNING *
        )
        SELECT {columns} FROM r
        """
    ).format(table=sql.Identifier(table), columns=sql.SQL(columns))
    return conn.execute(query, (ids, lease_seconds)).fetchall()


def still_queued(conn: Connection, table: str, ids: list[UUID]) -> set[UUID]:
    """Which of these rows are still queued (held by another attempt)."""
    query = sql.SQL("SELECT id FROM {table} WHERE id = ANY(%s) AND status = 'queued'").format(
        table=sql.Identifier(table)
    )
    return {row["id"] for row in conn.execute(query, (ids,)).fetchall()}
