"""Work queues fed by domain events: an event whose type is in :data:`CHANNELS` also becomes a
message on that type's work queue, sent by the event dispatch consumer once the event is
committed (the outbox keeps it until then, so no work is lost between a route's commit and the
queue). The message is JSON ``{"org_id": …, <key>: <the event's resource id>}``::

    CHANNELS["ai.run.queued"]                 # Channel(queue "ai_run_queue_url", key "run_id")
    route(org_id, "ai.run.queued", run_id)    # -> True (sent), False (no channel for the type)

A channel's consumer must be idempotent: the same event may be dispatched twice (a dispatch
message redelivered), and the database, not the message, says what is left to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

from hearth import needs, queues
from hearth.needs import Need
from hearth.observability import logger
from hearth.settings import settings


@dataclass(frozen=True, slots=True)
class Channel:
    """Where events of one type go: the queue (the need that grants sending to it and the setting
    holding its URL) and the message's key for the event's resource id."""

    need: Need
    setting: str
    key: str


@dataclass(frozen=True, slots=True)
class WorkMessage:
    org_id: UUID
    key: str
    resource_id: UUID

    def body(self) -> str:
        return json.dumps({"org_id": str(self.org_id), self.key: str(self.resource_id)})


class ChannelUnavailable(RuntimeError):
    """The work queue did not take the message (the dispatch message is retried)."""


#: Event type -> its work queue.
CHANNELS: dict[str, Channel] = {
    "ai.run.queued": Channel(needs.AI_RUN_QUEUE, "ai_run_queue_url", "run_id"),
    "github.issue.sync_queued": Channel(needs.GITHUB_SYNC_QUEUE, "github_sync_queue_url", "task_id"),
    "sms.queued": Channel(needs.SMS_SEND_QUEUE, "sms_send_queue_url", "message_id"),
    "call.recording_available": Channel(needs.RECORDING_COPY_QUEUE, "recording_copy_queue_url", "call_id"),
    "export.requested": Channel(needs.EXPORT_QUEUE, "export_queue_url", "export_id"),
}

#: What a function that routes events needs (the event dispatch consumer declares them).
NEEDS: tuple[Need, ...] = tuple(dict.fromkeys(c.need for c in CHANNELS.values()))


def route(org_id: UUID, event_type: str, resource_id: object) -> bool:
    """Send the work message of one committed event; ``False`` when its type has no channel.
    Raises :class:`ChannelUnavailable` when the queue did not accept it, so that the caller's
    message (the dispatch record) is retried rather than the work lost."""
    channel = CHANNELS.get(event_type)
    if channel is None:
        return False
    queue_url = getattr(settings(), channel.setting)
    if not queue_url:
        if settings().is_local:
            logger.debug("no work queue configured", extra={"event_type": event_type})
            return False
        raise ChannelUnavailable(f"{channel.need.name}: no queue configured for {event_type}")
    message = WorkMessage(org_id, channel.key, UUID(str(resource_id)))
    if not queues.send(queue_url, [message]):
        raise ChannelUnavailable(f"the {channel.need.name} queue did not accept the {event_type} message")
    return True
