"""Logging, metrics and tracing from Powertools, configured once per execution environment.

Every log line carries the request id (as ``correlation_id``) and the org id; every request
emits EMF metrics with an ``org_id`` dimension. Tracing (X-Ray) is loaded only when it is
enabled, because the X-Ray SDK costs a quarter of a second of cold start::

    from hearth.observability import logger, metrics
    logger.info("deal won", extra={"deal_id": deal_id})
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "hearth")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Hearth")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


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
