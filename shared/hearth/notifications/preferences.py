"""Which channels a notification type reaches a user by: their choice in the org, else the
default. In the app: every type. By email: what asks something of the user or was waited for
(assigned a task, mentioned, invited, an export ready); not the daily reminders of due and overdue
tasks nor deals won or lost, which a busy user would receive many of::

    preferences.channels(conn, user_id, "mention")    # Channels(in_app=True, email=True)
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from hearth.db import Connection
from hearth.notifications import store
from hearth.notifications.models import TYPES

#: Types sent by email unless the user says otherwise.
EMAIL_BY_DEFAULT = frozenset({"task_assigned", "mention", "invitation", "export_ready"})


@dataclass(frozen=True, slots=True)
class Channels:
    in_app: bool
    email: bool


DEFAULTS: dict[str, Channels] = {t: Channels(in_app=True, email=t in EMAIL_BY_DEFAULT) for t in TYPES}


def all_of(conn: Connection, user_id: UUID) -> dict[str, Channels]:
    """Every type's channels for the user the transaction names (their choices over the defaults)."""
    chosen = store.preferences(conn, user_id)
    return {t: Channels(*chosen[t]) if t in chosen else DEFAULTS[t] for t in TYPES}


def channels(conn: Connection, user_id: UUID, type: str) -> Channels:
    return all_of(conn, user_id)[type]
