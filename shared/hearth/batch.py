"""SQS batches with partial batch failures (Powertools batch utility), one record at a time or
the whole batch at once.

Powertools' ``BatchProcessor`` hands records to a handler one after another. A consumer whose
records wait on the network and share database work (the webhook sender: one claim statement,
ten requests in flight together, one record statement) takes the whole batch instead:
:class:`WholeBatchProcessor` gives the handler every record and expects a result or an exception
per record; exceptions become ``batchItemFailures``, as with any Powertools processor::

    def record_handler(record: SQSRecord) -> None: ...
    def batch_handler(records: list[SQSRecord]) -> list[object | Exception]: ...

    process_sqs_batch(event, record_handler, context)          # one by one
    process_sqs_batch(event, batch_handler, context, whole=True)

:func:`thread_pool` is the environment's pool for concurrent work (each pool thread keeps its own
database connections, see ``hearth.db``).
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


class WholeBatchProcessor(BatchProcessor):
    """A ``BatchProcessor`` whose handler takes every record at once and answers per record."""

    def __init__(self) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False, logger=_LOGGER)

    def process(self) -> list[tuple[Any, ...]]:
        records = [self._to_batch_type(record=r, event_type=self.event_type) for r in self.records]
        try:
            results = list(self.handler(records))
            if len(results) != len(records):
                raise RuntimeError("the batch handler must answer every record")
        except Exception as exc:
            results = [exc] * len(records)
        entries = []
        for raw, record, result in zip(self.records, records, results, strict=True):
            if isinstance(result, Exception):
                entries.append(
                    self.failure_handler(
                        record=record, exception=(type(result), result, result.__traceback__)
                    )
                )
            else:
                entries.append(self.success_handler(record=raw, result=result))
        return entries


def process_sqs_batch(
    event: dict[str, Any],
    handler: Callable[..., Any],
    context: Any = None,
    *,
    whole: bool = False,
) -> PartialItemFailureResponse:
    """Run ``handler`` on the batch (per record, or on all records when ``whole``) and return the
    partial batch response. A processor per invocation: concurrent invocations in one process
    (the local stack) never share results."""
    processor: BatchProcessor = (
        WholeBatchProcessor()
        if whole
        else BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False, logger=_LOGGER)
    )
    return process_partial_response(event=event, record_handler=handler, processor=processor, context=context)
