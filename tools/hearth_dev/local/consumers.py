"""SQS event sources, locally: one poller per ``SQS`` event of the template, with the semantics
of the Lambda event source mapping.

A poller long-polls its queue, gathers a batch (up to ``BatchSize``; with a
``MaximumBatchingWindowInSeconds`` it keeps receiving until the batch is full or the window has
passed), invokes the consumer with a real SQS event, and then:

- the function succeeded: every message of the batch is deleted — except, with
  ``ReportBatchItemFailures``, the ones named in ``batchItemFailures``, which stay on the queue
  and come back after the visibility timeout. After ``maxReceiveCount`` receives the queue's
  redrive policy moves such a message to its dead-letter queue (moto does it, as SQS does);
- the function raised, or named a message that is not in the batch: nothing is deleted.

Batches are delivered by up to ``concurrency`` threads at once (the source's
``ScalingConfig.MaximumConcurrency``; one when it names none), as Lambda runs several batches of
one queue concurrently; they are received by one long poll, in order::

    poller = SqsPoller(fn, source, queue_url, queue_arn, sqs_client, invoke=run)
    poller.start(); ...; poller.stop()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hearth_dev.local.workers import Deadline, Workers
from hearth_dev.sam import events
from hearth_dev.sam.template import FunctionSpec, SqsSource

logger = logging.getLogger("hearth_dev.local")

MAX_RECEIVE = 10  # SQS returns at most ten messages per call
POLL_SECONDS = 1  # long-poll wait per call: short, so stopping is prompt


@dataclass
class BatchOutcome:
    received: int
    deleted: int
    failed: int
    error: str | None = None


def failed_ids(result: Any, batch_ids: set[str]) -> set[str] | None:
    """The message ids a ``ReportBatchItemFailures`` response names; ``None`` when the response
    fails the whole batch (an identifier that is empty or not in the batch)."""
    if not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures") or []
    ids: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in batch_ids:
            return None
        ids.add(str(identifier))
    return ids


class SqsPoller:
    def __init__(
        self,
        function: FunctionSpec,
        source: SqsSource,
        queue_url: str,
        queue_arn: str,
        sqs: Any,
        *,
        invoke: Callable[[FunctionSpec, Any], Any],
        on_batch: Callable[[SqsPoller, BatchOutcome, float], None] | None = None,
        concurrency: int = 1,
    ) -> None:
        self.function = function
        self.concurrency = max(1, concurrency)
        self.source = source
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.queue_name = queue_arn.rsplit(":", 1)[-1]
        self._sqs = sqs
        self._invoke = invoke
        self._on_batch = on_batch
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sqs-{function.logical_id}", daemon=True)
        # Batches are received one after another and delivered by up to `concurrency` threads
        # (the event source's MaximumConcurrency): one long poll per source, however many run.
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._workers = Workers(self.concurrency, f"sqs-{function.logical_id}")

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        """Receive no more batches (batches being delivered finish on their own)."""
        self._stop.set()

    def stop(self, timeout: float = 3.0) -> list[threading.Thread]:
        """Stop and wait up to ``timeout`` seconds in all; returns the threads of deliveries
        still running (daemons, left behind rather than waited for)."""
        deadline = Deadline(timeout)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(deadline.left())
        busy = self._workers.stop(deadline.left())
        return busy + ([self._thread] if self._thread.is_alive() else [])

    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(MAX_RECEIVE, count)),
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages") or []
        return messages

    def collect(self) -> list[dict[str, Any]]:
        """One batch, as the event source mapping would gather it (may be empty)."""
        size, window = self.source.batch_size, self.source.window_seconds
        batch = self._receive(size, POLL_SECONDS)
        if not batch or window <= 0:
            return batch
        deadline = time.monotonic() + window
        while len(batch) < size and not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            wait = min(POLL_SECONDS, int(left))
            got = self._receive(size - len(batch), wait)
            batch.extend(got)
            if not got and wait == 0:  # under a second left: poll gently until the window closes
                self._stop.wait(min(left, 0.1))
        return batch

    def deliver(self, batch: list[dict[str, Any]]) -> BatchOutcome:
        """Invoke the consumer with ``batch`` and delete what it handled."""
        event = events.sqs_event([events.sqs_record(m, self.queue_arn) for m in batch])
        by_id = {m["MessageId"]: m for m in batch}
        try:
            result = self._invoke(self.function, event)
        except Exception as exc:
            logger.exception("%s failed on a batch of %d", self.function.logical_id, len(batch))
            return BatchOutcome(len(batch), 0, len(batch), f"{type(exc).__name__}: {exc}")
        failed: set[str] | None = failed_ids(result, set(by_id)) if self.source.report_failures else set()
        if failed is None:
            return BatchOutcome(len(batch), 0, len(batch), "batchItemFailures named an unknown message")
        done = [m for mid, m in by_id.items() if mid not in failed]
        for start in range(0, len(done), MAX_RECEIVE):
            chunk = done[start : start + MAX_RECEIVE]
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        return BatchOutcome(len(batch), len(done), len(failed))

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=POLL_SECONDS):  # every delivery thread is busy
                continue
            try:
                batch = self.collect()
            except Exception:
                self._slots.release()
                if self._stop.is_set():
                    return
                logger.exception("receiving from %s failed; retrying", self.queue_name)
                self._stop.wait(1.0)
                continue
            if not batch:
                self._slots.release()
                continue
            try:
                self._workers.submit(self._deliver_and_report, batch)
            except RuntimeError:  # stopped meanwhile: the batch comes back after its visibility timeout
                self._slots.release()
                return

    def _deliver_and_report(self, batch: list[dict[str, Any]]) -> None:
        try:
            started = time.perf_counter()
            outcome = self.deliver(batch)
            if self._on_batch:
                self._on_batch(self, outcome, time.perf_counter() - started)
        except Exception:
            logger.exception("delivering a batch from %s failed", self.queue_name)
        finally:
            self._slots.release()
