"""AWS schedule expressions (rate and cron with ?, L, W, #, names, ranges, steps, years, time
zones), the payloads schedules deliver, and the scheduler's `--schedules-every` mode."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hearth_dev.local.schedules import Cron, Rate, Scheduled, ScheduleError, Scheduler, parse
from hearth_dev.sam.template import load_template

FIXTURE = Path(__file__).parent / "fixture_stack"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("rate(5 minutes)", "2026-01-15T09:30:00", "2026-01-15T09:35:00"),
        ("rate(1 hour)", "2026-01-15T09:30:00", "2026-01-15T10:30:00"),
        ("rate(2 days)", "2026-01-15T09:30:00", "2026-01-17T09:30:00"),
        ("cron(0 3 * * ? *)", "2026-01-15T09:30:00", "2026-01-16T03:00:00"),
        ("cron(0 3 * * ? *)", "2026-01-15T02:59:59", "2026-01-15T03:00:00"),
        ("cron(0 3 * * ? *)", "2026-01-15T03:00:00", "2026-01-16T03:00:00"),  # strictly after
        ("cron(0/15 * * * ? *)", "2026-01-15T09:31:00", "2026-01-15T09:45:00"),
        ("cron(5,35 8-9 * * ? *)", "2026-01-15T09:36:00", "2026-01-16T08:05:00"),
        # Friday 2026-01-16 17:00 -> the next weekday 08:00 is Monday the 19th
        ("cron(0 8 ? * MON-FRI *)", "2026-01-16T17:00:00", "2026-01-19T08:00:00"),
        ("cron(0 8 ? * 2-6 *)", "2026-01-16T17:00:00", "2026-01-19T08:00:00"),  # 1 is Sunday
        ("cron(0 12 ? * 1 *)", "2026-01-15T00:00:00", "2026-01-18T12:00:00"),  # Sunday
        ("cron(0 0 L * ? *)", "2026-02-03T00:00:00", "2026-02-28T00:00:00"),  # last day
        ("cron(0 0 ? * 6L *)", "2026-01-01T00:00:00", "2026-01-30T00:00:00"),  # last Friday
        ("cron(0 0 ? * 2#1 *)", "2026-01-15T00:00:00", "2026-02-02T00:00:00"),  # first Monday
        ("cron(0 0 15W * ? *)", "2026-02-01T00:00:00", "2026-02-16T00:00:00"),  # Sun 15th -> Mon
        ("cron(0 0 1W * ? *)", "2026-02-02T00:00:00", "2026-03-02T00:00:00"),  # Sun 1st -> Mon 2nd
        ("cron(0 0 LW * ? *)", "2026-01-01T00:00:00", "2026-01-30T00:00:00"),  # Sat 31st -> Fri
        ("cron(0 0 1 JAN,JUL ? *)", "2026-01-15T00:00:00", "2026-07-01T00:00:00"),
        ("cron(0 0 1 1 ? 2028)", "2026-01-15T00:00:00", "2028-01-01T00:00:00"),
    ],
)
def test_next_firing_time(expression: str, after: str, expected: str) -> None:
    assert parse(expression).next_after(at(after)) == at(expected)


def test_a_schedule_that_has_ended_never_fires() -> None:
    assert parse("cron(0 0 1 1 ? 2020)").next_after(at("2026-01-01T00:00:00")) is None


def test_cron_in_a_time_zone() -> None:
    # 09:00 in New York (EST, UTC-5) is 14:00 UTC
    cron = parse("cron(0 9 * * ? *)", "America/New_York")
    assert cron.next_after(at("2026-01-15T10:00:00")) == at("2026-01-15T14:00:00")


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(5 weeks)",
        "cron(0 3 * * *)",  # five fields
        "cron(0 3 * * * *)",  # neither day field is ?
        "cron(0 3 ? * ? *)",  # both are
        "cron(61 3 * * ? *)",
        "cron(0 3 * FOO ? *)",
        "every day",
    ],
)
def test_invalid_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        parse(expression)


def test_types() -> None:
    assert isinstance(parse("rate(1 minute)"), Rate)
    assert isinstance(parse("cron(* * * * ? *)"), Cron)


def test_payloads() -> None:
    template = load_template(FIXTURE)
    scheduler = Scheduler(template, invoke=lambda fn, event: None)
    by_name = {s.source.name: s for s in scheduler.schedules}
    fired = at("2026-01-15T03:00:00")

    rule = by_name["EveryMinute"].payload(fired)
    assert rule["detail-type"] == "Scheduled Event"
    assert rule["source"] == "aws.events"
    assert rule["time"] == "2026-01-15T03:00:00Z"
    assert rule["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/TickFunctionEveryMinute"]
    assert rule["detail"] == {}

    scheduler_v2: Scheduled = by_name["Nightly"]
    assert scheduler_v2.payload(fired) == {"job": "nightly", "at": "2026-01-15T03:00:00Z"}


def test_schedules_every_fires_each_schedule_repeatedly() -> None:
    template = load_template(FIXTURE)
    seen: list[str] = []
    enough = threading.Event()

    def invoke(fn: object, event: dict[str, object]) -> None:
        seen.append("rule" if "detail-type" in event else "scheduler")
        if seen.count("rule") >= 2 and seen.count("scheduler") >= 2:
            enough.set()

    scheduler = Scheduler(template, invoke=invoke, every=0.2)
    scheduler.start()
    try:
        assert enough.wait(10), seen
    finally:
        scheduler.stop()
    assert scheduler.fired >= 4


def test_real_times_are_used_without_every() -> None:
    template = load_template(FIXTURE)
    now = at("2026-01-15T09:30:20")
    scheduler = Scheduler(template, invoke=lambda fn, event: None, clock=lambda: now)
    upcoming = {name: when for name, _, when in scheduler.upcoming()}
    assert upcoming["TickFunctionEveryMinute"] == now + timedelta(minutes=1)
    assert upcoming["TickFunctionNightly"] == at("2026-01-16T03:00:00")
