"""The messages of the events pipeline and how they are put on SQS.

Messages only wake a consumer up; the database says what is due (see migrations 0011). So a
message may be lost (the sweep and the dispatcher send it again) or repeated (the consumer finds
nothing left to do) without an event being lost or delivered twice::

    send(queue_url, [DispatchMessage(org_id, event_id)])            # -> the ones SQS accepted
    send(queue_url, [DeliveryMessage(org, delivery, 2, "retry")], delay=timedelta(seconds=5))

boto3 is imported on first send only: a function that never publishes never loads it.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, Union
from uuid import UUID

from hearth.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

Lane = Literal["main", "retry"]
MAX_DELAY_SECONDS = 900
_BATCH = 10


@dataclass(frozen=True, slots=True)
class DispatchMessage:
    """A committed domain event to fan out to the org's endpoints."""

    org_id: UUID
    event_id: UUID

    def body(self) -> str:
        return json.dumps({"org_id": str(self.org_id), "event_id": str(self.event_id)})

    @classmethod
    def parse(cls, body: str) -> DispatchMessage:
        data = json.loads(body)
        return cls(org_id=UUID(data["org_id"]), event_id=UUID(data["event_id"]))


@dataclass(frozen=True, slots=True)
class DeliveryMessage:
    """Attempt number ``attempt`` of a delivery is due."""

    org_id: UUID
    delivery_id: UUID
    attempt: int
    lane: Lane

    def body(self) -> str:
        return json.dumps(
            {
                "org_id": str(self.org_id),
                "delivery_id": str(self.delivery_id),
                "attempt": self.attempt,
                "lane": self.lane,
            }
        )

    @classmethod
    def parse(cls, body: str) -> DeliveryMessage:
        data = json.loads(body)
        lane = data.get("lane", "main")
        attempt = int(data["attempt"])
        if lane not in ("main", "retry") or attempt < 1:
            raise ValueError("not a delivery message")
        return cls(
            org_id=UUID(data["org_id"]), delivery_id=UUID(data["delivery_id"]), attempt=attempt, lane=lane
        )


Message = Union[DispatchMessage, DeliveryMessage]  # noqa: UP007 (a runtime alias)

_clients: dict[str, Any] = {}
_client_lock = threading.Lock()


def client() -> SQSClient:
    """The SQS client of this execution environment (short timeouts: the relay runs on the
    request path, after the commit)."""
    with _client_lock:
        if "sqs" not in _clients:
            import boto3
            from botocore.config import Config

            _clients["sqs"] = boto3.client(
                "sqs",
                config=Config(
                    connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"}
                ),
            )
        result: SQSClient = _clients["sqs"]
        return result


def reset_client() -> None:
    """Forget the client (tests that start a new moto mock)."""
    with _client_lock:
        _clients.clear()


def delay_seconds(wait: timedelta) -> int:
    """A wait as SQS DelaySeconds (rounded up, at most 15 minutes)."""
    return max(0, min(MAX_DELAY_SECONDS, math.ceil(wait.total_seconds())))


def send(queue_url: str, messages: Sequence[Message], *, delay: timedelta | None = None) -> list[Message]:
    """Send ``messages`` (in batches of ten); returns the ones SQS accepted. Failures are logged,
    never raised: what was not accepted stays due in the database."""
    accepted: list[Message] = []
    seconds = delay_seconds(delay) if delay is not None else 0
    for start in range(0, len(messages), _BATCH):
        chunk = messages[start : start + _BATCH]
        entries: list[Any] = [
            {"Id": str(i), "MessageBody": m.body(), **({"DelaySeconds": seconds} if seconds else {})}
            for i, m in enumerate(chunk)
        ]
        try:
            out = client().send_message_batch(QueueUrl=queue_url, Entries=entries)
        except Exception:
            logger.exception("sending to the queue failed; the database keeps the work due")
            continue
        for ok in out.get("Successful", []):
            accepted.append(chunk[int(ok["Id"])])
        for failed in out.get("Failed", []):
            logger.warning("the queue refused a message", extra={"code": failed.get("Code")})
    return accepted
