"""The GitHub sync consumer's work: one message of the GitHub sync queue (``{"org_id",
"task_id"}``, from ``github.issue.sync_queued`` events) brings the task's linked issues in step
with it (``hearth.github.issues.sync``)::

    process_record(record)

What GitHub says is temporary is retried: a rate limit (429, or 403 with ``Retry-After`` /
``x-ratelimit-reset``) sends the message again delayed by the time GitHub names (at most SQS's 15
minutes; up to :data:`MAX_RATE_LIMITED` times, then the record fails to its DLQ), a 5xx or an
unreachable GitHub fails the record (SQS redelivers it after the visibility timeout, then the
DLQ). A permanent refusal (404: the issue or repository is gone, 410, 422) ends the message with
the provider's status logged: retrying would change nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from hearth import db, queues
from hearth.github import issues
from hearth.github.app import GitHubError, RateLimited
from hearth.observability import logger
from hearth.settings import settings

MAX_RATE_LIMITED = 8


@dataclass(frozen=True, slots=True)
class SyncMessage:
    org_id: UUID
    task_id: UUID
    rate_limited: int = 0

    @classmethod
    def parse(cls, body: str) -> SyncMessage:
        data: dict[str, Any] = json.loads(body)
        return cls(UUID(str(data["org_id"])), UUID(str(data["task_id"])), int(data.get("rate_limited", 0)))

    def body(self) -> str:
        return json.dumps(
            {"org_id": str(self.org_id), "task_id": str(self.task_id), "rate_limited": self.rate_limited}
        )


def process_record(record: Any) -> None:
    process(SyncMessage.parse(record.body))


def process(message: SyncMessage) -> None:
    try:
        with db.tenant_transaction(message.org_id) as conn:
            sent = issues.sync(conn, message.task_id)
        logger.info("github issues synced", extra={"task_id": str(message.task_id), "sent": sent})
    except RateLimited as exc:
        if message.rate_limited + 1 >= MAX_RATE_LIMITED:
            raise
        again = SyncMessage(message.org_id, message.task_id, message.rate_limited + 1)
        queue_url = settings().github_sync_queue_url
        if not queue_url or not queues.send(queue_url, [again], delay=timedelta(seconds=exc.retry_after)):
            raise  # not re-queued: the record fails and SQS redelivers it
        logger.warning(
            "github rate limited: sent again later",
            extra={"task_id": str(message.task_id), "retry_after": exc.retry_after, "status": exc.status},
        )
    except GitHubError as exc:
        if exc.temporary or exc.status == 401:
            raise
        logger.warning(
            "github refused an issue update: not retried",
            extra={"task_id": str(message.task_id), "status": exc.status, "github_message": exc.message},
        )
