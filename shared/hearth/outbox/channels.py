"""Work queues fed by domain events: an event whose type is in :data:`CHANNELS` also becomes a
message on that type's work queue, sent by the event dispatch consumer once the event is
committed (the outbox keeps it until then, so no work is lost between a route's commit and the
queue). The message is JSON ``{"org_id": …, <key>: <the event's resource id>}``::

    CHANNELS["ai.run.queued"]                 # Channel(queue "ai_run_queue_url", key "run_id")
    route(org_id, "ai.run.queued", run_id)    # -> True (sent), False (no channel for the type)

A channel may take only some events of a type (``accepts(data)`` over the event's data: a task
update notifies only when its assignee changed), and may carry the event's id instead of its
resource's (``by_event``: the notification fan-out reads the whole event, its actor and data)::

    route(org_id, "task.updated", task_id, event_id=event_id, data=data)
    # -> {"org_id": …, "event_id": <event_id>} on the notification queue, if the assignee changed

A channel's consumer must be idempotent: the same event may be dispatched twice (a dispatch
message redelivered), and the database, not the message, says what is left to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from hearth import needs, queues
from hearth.needs import Need
from hearth.observability import logger
from hearth.settings import settings


@dataclass(frozen=True, slots=True)
class Channel:
    """Where events of one type go: the queue (the need that grants sending to it and the setting
    holding its URL) and the message's key for the event's resource id (or, ``by_event``, for the
    event's own id); ``accepts(data)``, when given, selects the events of the type that go."""

    need: Need
    setting: str
    key: str
    by_event: bool = False
    accepts: Callable[[Mapping[str, Any]], bool] | None = None


@dataclass(frozen=True, slots=True)
class WorkMessage:
    org_id: UUID
    key: str
    resource_id: UUID

    def body(self) -> str:
        return json.dumps({"org_id": str(self.org_id), self.key: str(self.resource_id)})


class ChannelUnavailable(RuntimeError):
    """The work queue did not take the message (the dispatch message is retried)."""


def _changed(*fields: str) -> Callable[[Mapping[str, Any]], bool]:
    """An update event whose ``changed_fields`` name one of ``fields``."""
    return lambda data: bool(set(data.get("changed_fields") or ()) & set(fields))


def _assigned(data: Mapping[str, Any]) -> bool:
    return bool((data.get("object") or {}).get("assignee_id"))


#: The notification fan-out reads each event whole (hearth.notifications.fanout).
_NOTIFY = Channel(needs.NOTIFICATION_QUEUE, "notification_queue_url", "event_id", by_event=True)

#: Event type -> its work queue.
CHANNELS: dict[str, Channel] = {
    "ai.run.queued": Channel(needs.AI_RUN_QUEUE, "ai_run_queue_url", "run_id"),
    "github.issue.sync_queued": Channel(needs.GITHUB_SYNC_QUEUE, "github_sync_queue_url", "task_id"),
    "sms.queued": Channel(needs.SMS_SEND_QUEUE, "sms_send_queue_url", "message_id"),
    "call.recording_available": Channel(needs.RECORDING_COPY_QUEUE, "recording_copy_queue_url", "call_id"),
    "task.created": replace(_NOTIFY, accepts=_assigned),
    "task.updated": replace(_NOTIFY, accepts=_changed("assignee_id")),
    "deal.won": _NOTIFY,
    "deal.lost": _NOTIFY,
    "note.created": _NOTIFY,
    "note.updated": replace(_NOTIFY, accepts=_changed("body")),
    "invitation.created": _NOTIFY,
    "export.completed": _NOTIFY,
    "email.queued": Channel(needs.EMAIL_SEND_QUEUE, "email_send_queue_url", "email_id"),
    "export.requested": Channel(needs.EXPORT_QUEUE, "export_queue_url", "export_id"),
    "email_campaign.queued": Channel(needs.EMAIL_CAMPAIGN_QUEUE, "email_campaign_queue_url", "campaign_id"),
    "org.deletion_finalising": Channel(
        needs.ORG_DELETION_QUEUE, "org_deletion_queue_url", "event_id", by_event=True
    ),
}

#: What a function that routes events needs (the event dispatch consumer declares them).
NEEDS: tuple[Need, ...] = tuple(dict.fromkeys(c.need for c in CHANNELS.values()))


def route(
    org_id: UUID,
    event_type: str,
    resource_id: object,
    *,
    event_id: UUID | None = None,
    data: Mapping[str, Any] | None = None,
) -> bool:
    """Send the work message of one committed event; ``False`` when its type has no channel (or
    the channel does not take this event). Raises :class:`ChannelUnavailable` when the queue did
    not accept it, so that the caller's message (the dispatch record) is retried rather than the
    work lost."""
    channel = CHANNELS.get(event_type)
    if channel is None or (channel.accepts is not None and not channel.accepts(data or {})):
        return False
    if channel.by_event:
        if event_id is None:
            raise ValueError(f"the {event_type} channel carries the event's id: pass event_id")
        resource_id = event_id
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
