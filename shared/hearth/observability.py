"""Logging, metrics and tracing from Powertools, configured once per execution environment.

Every log line carries the request id (as ``correlation_id``) and the org id; every request
emits EMF metrics with an ``org_id`` dimension. Tracing (X-Ray) is loaded only when it is
enabled, because the X-Ray SDK costs a quarter of a second of cold start.

The keys an invocation appends (``inject_lambda_context``, ``append_keys``, the correlation id)
belong to the thread that appends them: on Lambda that is the execution environment's one
thread, as before; locally, where each thread of one process stands for an execution
environment, concurrent invocations no longer write each other's request id into their logs::

    from hearth.observability import logger, metrics
    logger.info("deal won", extra={"deal_id": deal_id})
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "hearth")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Hearth")


class ThreadKeysFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with its keys (``log_format``, which Powertools reads,
    updates and replaces per invocation) kept per thread. A thread starts from the keys the
    logger was configured with (service, level, location, timestamp...)."""

    def __init__(self, **kwargs: Any) -> None:
        self._keys = threading.local()
        self._base: dict[str, Any] = {}
        super().__init__(**kwargs)
        self._base = dict(self.log_format)

    @property
    def log_format(self) -> dict[str, Any]:
        keys: dict[str, Any] | None = getattr(self._keys, "format", None)
        if keys is None:
            keys = self._keys.format = dict(self._base)
        return keys

    @log_format.setter
    def log_format(self, value: dict[str, Any]) -> None:
        self._keys.format = value

    def configured(self) -> None:
        """Take this thread's keys as the ones every thread starts from."""
        self._base = dict(self.log_format)


_formatter = ThreadKeysFormatter()
logger = Logger(service=SERVICE, logger_formatter=_formatter)
_formatter.configured()
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


HttpHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def http_handler(handle: HttpHandler) -> HttpHandler:
    """An API Gateway (payload 2.0) function's handler: traced when tracing is on, and logging
    with the request's id as the correlation id, its keys cleared between invocations (the
    route kit's and the webhook kit's functions alike)."""
    from aws_lambda_powertools.logging import correlation_paths

    traced = tracer()
    if traced is not None:
        handle = traced.capture_lambda_handler(handle)
    wrapped: HttpHandler = logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
    )(handle)
    return wrapped


_request_metrics = threading.local()


def emit_request_metrics(
    route: str, org: str, status: int, seconds: float, counts: dict[str, int] | None = None
) -> None:
    """One EMF record per request, with route and org as dimensions (plus ``counts``, e.g. a
    webhook's outcome). Each thread (an execution environment, locally) keeps one provider,
    which flushing empties: concurrent invocations in one process cannot mix, and the
    provider's set-up is paid once, not per request."""
    provider: EphemeralMetrics | None = getattr(_request_metrics, "provider", None)
    if provider is None:
        provider = _request_metrics.provider = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    provider.add_dimension(name="route", value=route)
    provider.add_dimension(name="org_id", value=org)
    provider.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    provider.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=int(status >= 500))
    provider.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=int(400 <= status < 500))
    provider.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=seconds * 1000)
    for name, value in (counts or {}).items():
        provider.add_metric(name=name, unit=MetricUnit.Count, value=value)
    try:
        provider.flush_metrics()
    finally:
        provider.clear_metrics()  # flushing does not empty it when metrics are disabled


def tracing_enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true")
    return not disabled and bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


@lru_cache(maxsize=1)
def tracer() -> Tracer | None:
    """The X-Ray tracer, or ``None`` when tracing is off (outside Lambda, or disabled)."""
    if not tracing_enabled():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)
