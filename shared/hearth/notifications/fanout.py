"""The notification fan-out: a committed event that concerns users (``hearth.outbox.channels``
routes them to the notification queue as ``{"org_id", "event_id"}``) becomes a notification for
each of them, delivered as their preferences say (``delivery``):

- ``task.created`` / ``task.updated`` (its assignee changed): the assignee, ``task_assigned``;
- ``deal.won`` / ``deal.lost``: the deal's owner, ``deal_won`` / ``deal_lost``;
- ``note.created`` / ``note.updated`` (its text changed): each member newly mentioned in the text
  (``@[user:<id>]``, ``hearth.notifications.mentions``), ``mention``; users who are not members
  of the org are ignored;
- ``invitation.created``: the account holding the invited address, verified, if any, ``invitation``;
- ``export.completed`` (data ``{"requested_by", "export_id"}``): the requester, ``export_ready``.

Nobody is notified of what they did themselves (the event's actor, or an API key's creator). The
same event delivered twice notifies nobody twice: each notification's id is made from the event
and the user::

    fanout.process(org_id, event_id)    # -> how many users were notified now
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from hearth import db
from hearth.db import Connection
from hearth.events import store as events_store
from hearth.notifications import mentions, store
from hearth.notifications.delivery import Draft, deliver
from hearth.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

Event = dict[str, Any]
Recipients = Callable[[Connection, Event, UUID | None], list[Draft]]

_EXCERPT = 200


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _draft(
    event: Event,
    user_id: UUID,
    type: str,
    resource_type: str,
    resource_id: UUID,
    title: str,
    body: str | None = None,
) -> Draft:
    return Draft(
        user_id=user_id,
        type=type,
        resource_type=resource_type,
        resource_id=resource_id,
        title=title,
        body=body,
        source=f"event:{event['id']}",
        event_id=event["id"],
    )


def _task_assigned(conn: Connection, event: Event, actor: UUID | None) -> list[Draft]:
    task = event["data"].get("object") or {}
    assignee = _uuid(task.get("assignee_id"))
    task_id = _uuid(task.get("id"))
    if assignee is None or task_id is None or assignee == actor:
        return []
    names = store.user_names(conn, [actor]) if actor else {}
    by = f" by {names[actor]}" if actor in names else ""
    title = f"{task.get('key', 'A task')}: {task.get('title', '')} was assigned to you{by}"
    due = task.get("due_date")
    return [_draft(event, assignee, "task_assigned", "task", task_id, title, f"Due {due}" if due else None)]


def _deal_closed(conn: Connection, event: Event, actor: UUID | None) -> list[Draft]:
    deal = event["data"].get("object") or {}
    owner = _uuid(deal.get("owner_id"))
    deal_id = _uuid(deal.get("id"))
    if owner is None or deal_id is None or owner == actor:
        return []
    won = event["type"] == "deal.won"
    title = f"Deal {'won' if won else 'lost'}: {deal.get('name', '')}"
    body = None if won else deal.get("lost_reason")
    return [_draft(event, owner, "deal_won" if won else "deal_lost", "deal", deal_id, title, body)]


def _mentioned(conn: Connection, event: Event, actor: UUID | None) -> list[Draft]:
    note = event["data"].get("object") or {}
    note_id = _uuid(note.get("id"))
    text = note.get("body")
    if note_id is None or not isinstance(text, str):
        return []
    previous = event["data"].get("previous_attributes") or {}
    before = previous.get("body") if event["type"] == "note.updated" else None
    wanted = mentions.added(before, text) - {actor}
    members = store.members_among(conn, sorted(wanted)) if wanted else set()
    if not members:
        return []
    names = store.user_names(conn, sorted(mentions.mentioned(text) | ({actor} if actor else set())))
    who = names.get(actor, "Someone") if actor else "Someone"
    excerpt = mentions.shown(text, names)
    excerpt = excerpt if len(excerpt) <= _EXCERPT else excerpt[: _EXCERPT - 1] + "…"
    return [
        _draft(event, user, "mention", "note", note_id, f"{who} mentioned you in a note", excerpt)
        for user in sorted(members)
    ]


def _invited(conn: Connection, event: Event, actor: UUID | None) -> list[Draft]:
    invitation_id = _uuid(event["resource_id"])
    invitee = store.invitee(conn, invitation_id) if invitation_id else None
    if invitation_id is None or invitee is None or invitee == actor:
        return []
    role = (event["data"].get("object") or {}).get("role", "member")
    title = f"You are invited to join {store.org_name(conn)} as {role}"
    return [_draft(event, invitee, "invitation", "invitation", invitation_id, title)]


def _export_ready(conn: Connection, event: Event, actor: UUID | None) -> list[Draft]:
    requester = _uuid(event["data"].get("requested_by"))
    export_id = _uuid(event["data"].get("export_id")) or _uuid(event["resource_id"])
    if requester is None or export_id is None:
        return []
    return [_draft(event, requester, "export_ready", "export", export_id, "Your export is ready to download")]


#: Event type -> who it notifies, and of what.
RECIPIENTS: dict[str, Recipients] = {
    "task.created": _task_assigned,
    "task.updated": _task_assigned,
    "deal.won": _deal_closed,
    "deal.lost": _deal_closed,
    "note.created": _mentioned,
    "note.updated": _mentioned,
    "invitation.created": _invited,
    "export.completed": _export_ready,
}


def _actor(conn: Connection, event: Event) -> UUID | None:
    """The user who caused the event (an API key's creator), if a user did."""
    if event["actor_type"] == "user":
        return _uuid(event["actor_id"])
    if event["actor_type"] == "api_key":
        return store.api_key_creator(conn, str(event["actor_id"]))
    return None


def drafts(org_id: UUID, event_id: UUID) -> list[Draft]:
    """The notifications one event of the org makes (none for an unknown event or type)."""
    with db.tenant_transaction(org_id) as conn:
        event = events_store.get(conn, event_id)
        if event is None:
            logger.warning("notification for an unknown event", extra={"event_id": str(event_id)})
            return []
        recipients = RECIPIENTS.get(event["type"])
        if recipients is None:
            return []
        return recipients(conn, event, _actor(conn, event))


def process(org_id: UUID, event_id: UUID) -> int:
    """Notify everyone ``event_id`` concerns, each in a transaction naming them; returns how many
    were notified now (in the app or by email)."""
    notified = 0
    for draft in drafts(org_id, event_id):
        with db.tenant_transaction(org_id, user_id=draft.user_id) as conn:
            done = deliver(conn, org_id, draft)
        notified += done.in_app or done.email_id is not None
    return notified


def process_record(record: SQSRecord) -> int:
    """One record of the notification queue (the consumer's record handler)."""
    message = json.loads(record.body)
    return process(UUID(message["org_id"]), UUID(message["event_id"]))
