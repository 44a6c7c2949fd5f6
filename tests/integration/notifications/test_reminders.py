"""The daily task reminders: open tasks due today remind their assignee (or, unassigned, their
creator) `task_due`, earlier ones `task_overdue`; done, cancelled, deleted and later tasks remind
nobody; once per task and day, again the next day; "today" is the org's, in its timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hearth import clock
from hearth.notifications import reminders
from tests.integration.crm.builders import Crm
from tests.integration.notifications.conftest import notifications

NOON = datetime(2031, 3, 10, 12, 0, tzinfo=UTC)


def _rows(admin_db, tenant):
    return [
        (str(r["user_id"]), r["type"], str(r["resource_id"]))
        for r in notifications(admin_db, tenant.org_id)
        if r["type"] in ("task_due", "task_overdue")
    ]


@pytest.fixture
def tasks(client, tenant):
    ada = client.add_member(tenant, "member")
    crm = Crm(client, tenant)
    made = {
        "today": crm.task(title="Today", due_date="2031-03-10", assignee_id=ada.user_id),
        "late": crm.task(title="Late", due_date="2031-03-01"),  # unassigned: its creator, the owner
        "tomorrow": crm.task(title="Tomorrow", due_date="2031-03-11", assignee_id=ada.user_id),
        "done": crm.task(title="Done", due_date="2031-03-01", status="done", assignee_id=ada.user_id),
        "cancelled": crm.task(title="Cancelled", due_date="2031-03-01", status="cancelled"),
        "deleted": crm.task(title="Deleted", due_date="2031-03-01", assignee_id=ada.user_id),
        "undated": crm.task(title="Whenever", assignee_id=ada.user_id),
    }
    assert client.delete(f"/v1/tasks/{made['deleted']['id']}", auth=tenant.key_auth).status == 204
    return ada, made


def test_tasks_due_today_and_overdue_remind_once_a_day(client, tenant, tasks, admin_db):
    ada, made = tasks
    with clock.frozen(NOON) as fake:
        report = reminders.run()
        assert report.failed_orgs == 0
        assert report.notified >= 2
        expected = {
            (ada.user_id, "task_due", made["today"]["id"]),
            (tenant.owner.user_id, "task_overdue", made["late"]["id"]),
        }
        assert set(_rows(admin_db, tenant)) == expected
        titles = {r["title"] for r in notifications(admin_db, tenant.org_id) if r["type"].startswith("task_")}
        assert titles == {"Due today: Today", "Overdue since 2031-03-01: Late"}
        # The same day again: nobody reminded twice.
        reminders.run()
        assert set(_rows(admin_db, tenant)) == expected
        assert len(_rows(admin_db, tenant)) == 2
        # The next day: today's task is overdue, tomorrow's is due, the late one is reminded again.
        fake.advance(timedelta(days=1))
        reminders.run()
        rows = _rows(admin_db, tenant)
        assert len(rows) == 5
        assert set(rows) == expected | {
            (ada.user_id, "task_overdue", made["today"]["id"]),
            (ada.user_id, "task_due", made["tomorrow"]["id"]),
            (tenant.owner.user_id, "task_overdue", made["late"]["id"]),
        }


def test_today_is_the_orgs_own(client, tenant, admin_db):
    admin_db.execute(
        "UPDATE orgs SET timezone = 'Pacific/Kiritimati' WHERE id = %s", (tenant.org_id,)
    )  # UTC+14
    task = Crm(client, tenant).task(title="Tomorrow in UTC", due_date="2031-03-11")
    with clock.frozen(NOON):  # 2031-03-11 02:00 in Kiritimati
        reminders.run()
    assert _rows(admin_db, tenant) == [(tenant.owner.user_id, "task_due", task["id"])]


def test_a_reminder_the_user_turned_off_is_not_written(client, tenant, admin_db):
    off = client.put(
        "/v1/notifications/preferences",
        auth=tenant.key_auth,
        json_body={"preferences": [{"type": "task_overdue", "in_app": False, "email": False}]},
    )
    assert off.status == 200, off.body
    Crm(client, tenant).task(title="Ignored", due_date="2031-03-01")
    due = Crm(client, tenant).task(title="Due", due_date="2031-03-10")
    with clock.frozen(NOON):
        reminders.run()
    assert _rows(admin_db, tenant) == [(tenant.owner.user_id, "task_due", due["id"])]


def test_the_schedule_function_runs_the_reminders(client, tenant, admin_db):
    from hearth_dev.sam.functions import invoke
    from hearth_dev.sam.template import load_template

    from tests.conftest import ROOT

    task = Crm(client, tenant).task(title="Via the schedule", due_date="2031-03-10")
    fn = load_template(ROOT).functions["TaskRemindersFunction"]
    import json

    with clock.frozen(NOON):
        result = invoke(fn, json.loads(fn.sample_event.read_text()))
    assert result["failed_orgs"] == 0
    assert (tenant.owner.user_id, "task_due", task["id"]) in _rows(admin_db, tenant)
