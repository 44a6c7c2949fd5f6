"""SQS batches processed concurrently, with partial batch failures (Powertools batch utility).

Powertools' ``BatchProcessor`` handles records one after another; a consumer whose records wait
on the network (a webhook sender) wants them in flight together, so a batch of ten to a slow
receiver takes about one receiver latency. :class:`ConcurrentBatchProcessor` runs the same
record handling on a thread pool that lives as long as the execution environment (each pool
thread keeps its own database connections, see ``hearth.db``)::

    def record_handler(record: SQSRecord) -> None: ...

    def handler(event, context):
        return process_sqs_batch(event, record_handler, context, concurrency=10)

A record whose handler raises is reported in ``batchItemFailures``; the others are deleted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hearth.observability import logger

# Powertools' Logger is not a logging.Logger by type, but logs record failures just the same.
_LOGGER: Any = logger
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def thread_pool(size: int) -> ThreadPoolExecutor:
    """The environment's pool of ``size`` threads (created on first use, then reused)."""
    with _pools_lock:
        pool = _pools.get(size)
        if pool is None:
            pool = _pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"batch{size}")
        return pool


class ConcurrentBatchProcessor(BatchProcessor):
    """A ``BatchProcessor`` whose records are handled at the same time on a thread pool."""

    def __init__(self, concurrency: int = 10) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False, logger=_LOGGER)
        self.concurrency = concurrency

    def process(self) -> list[tuple[Any, ...]]:
        if len(self.records) <= 1:
            return super().process()
        pool = thread_pool(self.concurrency)
        return list(pool.map(self._process_record, self.records))


def process_sqs_batch(
    event: dict[str, Any],
    record_handler: Callable[..., Any],
    context: Any = None,
    *,
    concurrency: int = 1,
) -> PartialItemFailureResponse:
    """Run ``record_handler`` on every record (concurrently when ``concurrency`` > 1) and return
    the partial batch response. A processor per invocation: concurrent invocations in one process
    (the local stack) never share results."""
    processor: BatchProcessor = (
        ConcurrentBatchProcessor(concurrency)
        if concurrency > 1
        else BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False, logger=_LOGGER)
    )
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
