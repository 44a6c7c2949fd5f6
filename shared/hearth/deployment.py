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
and IAM statements).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hearth import needs as needs_


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
