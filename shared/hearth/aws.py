"""AWS service clients, one per service and execution environment, made on first use.

boto3 is imported by the first call only, so a function that never calls AWS never loads it;
timeouts are short and retries bounded (a client on the request path must not hold it up)::

    sqs = aws.client("sqs", read_timeout=5)
"""

from __future__ import annotations

import threading
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str, *, read_timeout: int) -> Any:
    """The ``service`` client of this execution environment."""
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            _clients[service] = boto3.client(
                service,  # type: ignore[call-overload]
                config=Config(
                    connect_timeout=2,
                    read_timeout=read_timeout,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
        return _clients[service]


def reset(service: str) -> None:
    """Forget the ``service`` client (tests that start a new moto mock)."""
    with _lock:
        _clients.pop(service, None)
