"""The daily task reminders: every open task due today (in its org's timezone) or overdue reminds
its assignee (or, unassigned, its creator) once that day, ``task_due`` or ``task_overdue``. The
system role finds the orgs with such tasks; each org's reminders are read and written as that org,
each user's in a transaction naming them. Running twice the same day reminds nobody twice::

    reminders.run()    # ReminderReport(orgs=…, notified=…, failed_orgs=…)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hearth import clock, db
from hearth.notifications import store
from hearth.notifications.delivery import Draft, deliver
from hearth.observability import logger


@dataclass(frozen=True, slots=True)
class ReminderReport:
    orgs: int
    notified: int
    failed_orgs: int = 0


def _today(timezone: str, now: datetime) -> date:
    try:
        return now.astimezone(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.astimezone(ZoneInfo("UTC")).date()


def drafts(tasks: list[dict[str, object]], today: date) -> list[Draft]:
    """The reminders of ``today`` for tasks due on or before it."""
    out = []
    for task in tasks:
        due = task["due_date"]
        assert isinstance(due, date)
        kind = "task_due" if due >= today else "task_overdue"
        title = f"Due today: {task['title']}" if due >= today else f"Overdue since {due}: {task['title']}"
        task_id, user_id = task["id"], task["user_id"]
        assert isinstance(task_id, UUID)
        assert isinstance(user_id, UUID)
        out.append(Draft(user_id, kind, "task", task_id, title, None, source=f"{kind}:{task_id}:{today}"))
    return out


def remind_org(org_id: UUID, now: datetime) -> int:
    """Remind the users of one org of their tasks due today and overdue; returns how many
    reminders were delivered now."""
    with db.tenant_transaction(org_id) as conn:
        today = _today(store.org_timezone(conn), now)
        tasks = store.due_tasks(conn, today)
    by_user: dict[UUID, list[Draft]] = defaultdict(list)
    for draft in drafts(tasks, today):
        by_user[draft.user_id].append(draft)
    delivered = 0
    for user_id, theirs in by_user.items():
        with db.tenant_transaction(org_id, user_id=user_id) as conn:
            for draft in theirs:
                done = deliver(conn, org_id, draft)
                delivered += done.in_app or done.email_id is not None
    return delivered


def run() -> ReminderReport:
    """Remind every org's users (the daily ``TaskReminders`` schedule)."""
    now = clock.now()
    # The latest "today" of any timezone (UTC+14 at most) bounds the orgs worth opening.
    latest = (now + timedelta(days=1)).date()
    with db.system_transaction() as conn:
        orgs = store.orgs_with_due_tasks(conn, latest)
    notified = failed = 0
    for org_id in orgs:
        try:
            notified += remind_org(org_id, now)
        except Exception:
            # One org's failure does not stop the others'; the next run reminds it.
            failed += 1
            logger.exception("task reminders failed for an org", extra={"org_id": str(org_id)})
    if notified or failed:
        logger.info("task reminders", extra={"orgs": len(orgs), "notified": notified, "failed": failed})
    return ReminderReport(orgs=len(orgs), notified=notified, failed_orgs=failed)
