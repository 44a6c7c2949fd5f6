"""Sending to SQS: messages that wake a consumer up, in batches of ten.

Messages only wake a consumer up; the database says what is due. So a message may be lost (a
sweep sends it again) or repeated (the consumer finds nothing left to do) without work being lost
or done twice::

    send(queue_url, [DispatchMessage(org_id, event_id)])          # -> the ones SQS accepted
    send(queue_url, [message], delay=timedelta(seconds=5))

boto3 is imported on first send only: a function that never sends never loads it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hearth import aws
from hearth.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

MAX_DELAY_SECONDS = 900
_BATCH = 10


class Message(Protocol):
    """Anything with a JSON body."""

    def body(self) -> str: ...


M = TypeVar("M", bound=Message)


def client() -> SQSClient:
    """The SQS client of this execution environment (short timeouts: the relay runs on the
    request path, after the commit)."""
    result: SQSClient = aws.client("sqs", read_timeout=5)
    return result


def reset_client() -> None:
    """Forget the client (tests that start a new moto mock)."""
    aws.reset("sqs")


def delay_seconds(wait: timedelta) -> int:
    """A wait as SQS DelaySeconds (rounded up, at most 15 minutes)."""
    return max(0, min(MAX_DELAY_SECONDS, math.ceil(wait.total_seconds())))


def send(queue_url: str, messages: Sequence[M], *, delay: timedelta | None = None) -> list[M]:
    """Send ``messages`` (in batches of ten); returns the ones SQS accepted. Failures are logged,
    never raised: what was not accepted stays due in the database."""
    accepted: list[M] = []
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


def url_of(queue_arn: str) -> str:
    """The URL of the queue ``arn:aws:sqs:<region>:<account>:<name>`` (an SQS record's
    ``eventSourceARN``): SQS takes it as ``QueueUrl`` wherever its endpoint is."""
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs":
        raise ValueError(f"not an SQS queue ARN: {queue_arn!r}")
    _, partition, _, region, account, name = parts
    domain = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return f"https://sqs.{region}.{domain}/{account}/{name}"
