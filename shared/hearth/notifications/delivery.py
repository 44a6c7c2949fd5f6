"""Delivering one notification to one user: in the app (a row of ``notifications``) and by
email (the system email sender), as the user's preferences say, in a transaction that names the
user (``db.tenant_transaction(org_id, user_id=...)``)::

    delivery.deliver(conn, org_id, Draft(user_id=..., type="mention", resource_type="note",
                     resource_id=note_id, title="Ada mentioned you in a note", body=None,
                     source=f"event:{event_id}", event_id=event_id))

Delivering the same draft again changes nothing: its id comes from (org, user, source), the row is
written once, and the email is sent only with the row's first writing (or, with the app channel
off, under the dedupe key ``notification:<id>``, which the sender keeps once).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from hearth.db import Connection
from hearth.notifications import preferences, store


@dataclass(frozen=True, slots=True)
class Draft:
    """A notification for one user: what it is about and says, and its source (what makes it
    once: ``event:<id>``, ``task_due:<task>:<day>``)."""

    user_id: UUID
    type: str
    resource_type: str
    resource_id: UUID
    title: str
    body: str | None
    source: str
    event_id: UUID | None = None

    @property
    def link(self) -> str:
        """The API path of what it is about (the front end maps it to its page)."""
        plural = {"task": "tasks", "deal": "deals", "note": "notes", "invitation": "invitations"}
        return f"/v1/{plural.get(self.resource_type, self.resource_type + 's')}/{self.resource_id}"


@dataclass(frozen=True, slots=True)
class Delivered:
    notification_id: UUID
    in_app: bool  # written now (False: off, or written before)
    email_id: UUID | None  # the email queued now, if any


def deliver(conn: Connection, org_id: UUID, draft: Draft) -> Delivered:
    """Write and send ``draft`` as its user's preferences say (the transaction names the user)."""
    notification_id = store.key(org_id, draft.user_id, draft.source)
    wanted = preferences.channels(conn, draft.user_id, draft.type)
    written = False
    if wanted.in_app:
        written = store.insert(
            conn,
            notification_id=notification_id,
            user_id=draft.user_id,
            type=draft.type,
            resource_type=draft.resource_type,
            resource_id=draft.resource_id,
            title=draft.title,
            body=draft.body,
            event_id=draft.event_id,
        )
    email_id = None
    if wanted.email and (written or not wanted.in_app):
        email_id = send_email(
            conn,
            org_id=org_id,
            user_id=draft.user_id,
            notification_id=notification_id,
            title=draft.title,
            body=draft.body,
            link=draft.link,
        )
    return Delivered(notification_id, written, email_id)


def send_email(
    conn: Connection,
    *,
    org_id: UUID,
    user_id: UUID,
    notification_id: UUID,
    title: str,
    body: str | None,
    link: str,
) -> UUID | None:
    """Queue the notification's email to the user through the system email sender (its
    ``notification`` template; suppression and the user's verified address are the sender's to
    check). ``None`` when the sender sends nothing (no verified address, suppressed, sent before)."""
    # The email sender is imported only here, where an email is sent.
    from hearth.email.system import send_system_email

    email_id: UUID | None = send_system_email(
        conn,
        org_id=org_id,
        user_id=user_id,
        template="notification",
        # The template needs a body: a notification without one repeats its title.
        variables={"title": title, "body": body or title, "link": link},
        dedupe_key=f"notification:{notification_id}",
    )
    return email_id
