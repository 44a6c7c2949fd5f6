"""How a queue consumer or a scheduled function is deployed, declared in its own module (a route
declares itself with ``hearth.http.Api``)::

    consumer = Consumer(
        queue="EventDispatchQueue",
        description="Fans committed domain events out to the org's webhook endpoints.",
        needs=[needs.APP_DB, needs.WEBHOOK_DELIVERY_QUEUE],
        batch_size=10, window_seconds=1, reserved_concurrency=5,
    )

    schedule = Schedule(
        rate="rate(1 minute)", name="EveryMinute", description="Outbox sweep", needs=[needs.SYSTEM_DB]
    )

Declaring checks the needs at cold start (``hearth.needs``); ``hearth template`` writes the
function's template section from the declaration (its event source, concurrency, environment
and IAM statements). The declaration also makes the handler, so a function module is the
declaration and one line::

    handler = consumer.handler(record_handler)            # partial batch failures reported
    handler = schedule.handler(dispatcher.run)            # returns what run() returns
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hearth import needs as needs_
from hearth.batch import process_sqs_batch
from hearth.observability import logger

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True, slots=True)
class Throttle:
    """API Gateway's limit on one route, below the stage's: a token bucket refilled at ``rate``
    requests per second holding at most ``burst``. It counts every caller together (the
    per-credential limit is the kit's rate limiter); excess requests answer 429 at the gateway,
    before any function runs. ``hearth template`` writes it into the stage's ``RouteSettings``."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if not self.rate > 0 or self.burst < 1:
            raise ValueError("a throttle needs rate > 0 and burst >= 1")


@dataclass(frozen=True)
class Consumer:
    """A function fed by an SQS queue of the root template (reporting partial batch failures)."""

    queue: str  # the queue's logical id in template.yaml
    description: str
    needs: Iterable[needs_.Need] = ()
    batch_size: int = 10
    window_seconds: int = 0
    #: Reserved concurrency: a burst cannot take more database connections than this.
    reserved_concurrency: int | None = None
    timeout: int | None = None
    declared: tuple[needs_.Need, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "declared", needs_.declared(self.needs))

    def handler(self, work: Callable[..., Any], *, whole: bool = False) -> Handler:
        """The Lambda handler: ``work(record)`` per record, or ``work(records)`` once for the
        whole batch (one result or exception per record); failures become
        ``batchItemFailures`` (``hearth.batch``)."""

        @logger.inject_lambda_context(clear_state=True)
        def handle(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
            return process_sqs_batch(event, work, context, whole=whole)

        return handle


@dataclass(frozen=True)
class Schedule:
    """A function an EventBridge schedule rule invokes."""

    rate: str  # rate(...) or cron(...)
    name: str  # the event's name in the template, e.g. EveryMinute
    description: str
    needs: Iterable[needs_.Need] = ()
    reserved_concurrency: int | None = 1
    timeout: int | None = None
    declared: tuple[needs_.Need, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "declared", needs_.declared(self.needs))

    def handler(self, run: Callable[[], Any]) -> Handler:
        """The Lambda handler: ``run()`` on every scheduled event; a dataclass result is
        answered as a dict."""
        from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

        @logger.inject_lambda_context(clear_state=True)
        @event_source(data_class=EventBridgeEvent)
        def handle(event: EventBridgeEvent, context: Any) -> Any:
            result = run()
            if dataclasses.is_dataclass(result) and not isinstance(result, type):
                return dataclasses.asdict(result)
            return result

        return handle
