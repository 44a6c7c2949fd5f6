"""EventBridge schedules, locally: ``rate(...)`` and ``cron(...)`` expressions with AWS's
semantics, and a scheduler that invokes each scheduled function with a real payload::

    when = parse("cron(0/15 8-17 ? * MON-FRI *)").next_after(datetime.now(UTC))
    scheduler = Scheduler(template, invoke=run, every=None)
    scheduler.start(); ...; scheduler.stop()

AWS cron has six fields — minutes, hours, day of month, month, day of week, year — in UTC
(``ScheduleV2`` may name a time zone); day of month and day of week cannot both be given (one is
``?``); day of week counts 1-7 from Sunday (or SUN-SAT); ``L`` (last day of the month, or ``5L``
the last Thursday), ``W`` (``15W``, the weekday nearest the 15th; ``LW``) and ``#``
(``2#1``, the first Monday) are understood. ``every`` fires every schedule every so many seconds
instead, for demos.
"""

from __future__ import annotations

import calendar
import heapq
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from hearth_dev.local.workers import Deadline, Workers
from hearth_dev.sam import events
from hearth_dev.sam.template import FunctionSpec, ScheduleSource, Template

logger = logging.getLogger("hearth_dev.local")

_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")


class ScheduleError(ValueError):
    pass


class Expression(Protocol):
    def next_after(self, moment: datetime) -> datetime | None: ...


@dataclass(frozen=True)
class Rate:
    period: timedelta

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.period


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """The values of one cron field: ``*``, ``a``, ``a-b``, ``a/n``, ``a-b/n``, ``*/n``, lists."""
    values: set[int] = set()

    def number(token: str) -> int:
        token = token.upper()
        if names and token in names:
            return names[token]
        if not token.isdigit():
            raise ScheduleError(f"{token!r} is not a value of this field")
        return int(token)

    for item in text.split(","):
        part, step, stepped = item, 1, "/" in item
        if stepped:
            part, step_text = item.split("/", 1)
            step = number(step_text)
            if step < 1:
                raise ScheduleError("a step must be at least 1")
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = number(a), number(b)
        else:
            start = number(part)
            end = high if stepped else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"{text!r} is outside {low}-{high}")
        if start <= end:
            values.update(range(start, end + 1, step))
        else:  # a range that wraps (e.g. FRI-MON)
            span = list(range(start, high + 1)) + list(range(low, end + 1))
            values.update(span[::step])
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: str  # kept as text: L, W and ? need the month to be known
    months: frozenset[int]
    day_of_week: str
    years: frozenset[int] | None
    tz: ZoneInfo | None = None

    @classmethod
    def parse(cls, body: str, timezone: str | None = None) -> Cron:
        fields = body.split()
        if len(fields) != 6:
            raise ScheduleError(
                f"cron needs six fields (minutes hours day-of-month month day-of-week year): {body!r}"
            )
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ScheduleError("exactly one of day-of-month and day-of-week must be '?'")
        cron = cls(
            minutes=_field(minute, 0, 59),
            hours=_field(hour, 0, 23),
            day_of_month=dom.upper(),
            months=_field(month, 1, 12, _MONTHS),
            day_of_week=dow.upper(),
            years=None if year in ("*", "?") else _field(year, 1970, 2199),
            tz=ZoneInfo(timezone) if timezone else None,
        )
        cron._day_matches(date(2026, 1, 1))  # validates the day fields
        return cron

    def _day_matches(self, day: date) -> bool:  # noqa: PLR0911
        last = calendar.monthrange(day.year, day.month)[1]
        if self.day_of_week == "?":
            spec = self.day_of_month
            if spec == "L":
                return day.day == last
            if spec == "LW":
                target = date(day.year, day.month, last)
                while target.weekday() >= 5:
                    target -= timedelta(days=1)
                return day == target
            if spec.endswith("W"):
                return day == _nearest_weekday(day.year, day.month, int(spec[:-1]))
            return day.day in _field(spec, 1, 31)
        spec = self.day_of_week
        aws_dow = (day.weekday() + 1) % 7 + 1  # Monday=2 ... Sunday=1
        if spec.endswith("L") and spec != "L":
            weekday = _DAYS.get(spec[:-1]) or int(spec[:-1])
            return aws_dow == weekday and day.day + 7 > last
        if spec == "L":
            return aws_dow == 7
        if "#" in spec:
            weekday_text, nth = spec.split("#", 1)
            weekday = _DAYS.get(weekday_text) or int(weekday_text)
            return aws_dow == weekday and (day.day - 1) // 7 + 1 == int(nth)
        return aws_dow in _field(spec, 1, 7, _DAYS)

    def next_after(self, moment: datetime) -> datetime | None:
        """The first firing time strictly after ``moment`` (``None`` when there is none)."""
        tz = self.tz or UTC
        local = moment.astimezone(tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = local.date()
        first = True
        for _ in range(366 * 30):
            in_range = (self.years is None or day.year in self.years) and day.month in self.months
            if in_range and self._day_matches(day):
                for hour in sorted(self.hours):
                    if first and hour < local.hour:
                        continue
                    for minute in sorted(self.minutes):
                        if first and hour == local.hour and minute < local.minute:
                            continue
                        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                        return candidate.astimezone(UTC)
            if self.years is not None and day.year > max(self.years):
                return None
            day += timedelta(days=1)
            first = False
        return None


def _nearest_weekday(year: int, month: int, dom: int) -> date:
    last = calendar.monthrange(year, month)[1]
    target = date(year, month, min(dom, last))
    if target.weekday() == 5:  # Saturday -> Friday, unless that leaves the month
        return target - timedelta(days=1) if target.day > 1 else target + timedelta(days=2)
    if target.weekday() == 6:  # Sunday -> Monday, unless that leaves the month
        return target + timedelta(days=1) if target.day < last else target - timedelta(days=2)
    return target


def parse(expression: str, timezone: str | None = None) -> Expression:
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if value < 1:
            raise ScheduleError("a rate must be at least 1")
        return Rate(timedelta(**{f"{unit}s": value}))
    cron = _CRON.match(text)
    if cron:
        return Cron.parse(cron.group(1), timezone)
    raise ScheduleError(f"not a schedule expression: {expression!r}")


# -- the scheduler ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheduled:
    function: FunctionSpec
    source: ScheduleSource
    expression: Expression

    @property
    def name(self) -> str:
        return f"{self.function.logical_id}{self.source.name}"

    def payload(self, fired_at: datetime) -> Any:
        """What the function receives: the ``Input`` if given, else the service's default."""
        if self.source.kind == "ScheduleV2":
            if self.source.input is None:
                return {}
            text = events.scheduler_input(
                self.source.input,
                schedule=events.schedule_arn(self.name),
                scheduled_time=fired_at,
                execution_id=uuid.uuid4().hex[:16],
            )
            return json.loads(text)
        if self.source.payload is not None:
            return self.source.payload
        return events.scheduled_event(events.rule_arn(self.name), now=fired_at)


def scheduled_functions(template: Template) -> list[Scheduled]:
    found = []
    for fn in sorted(template.functions.values(), key=lambda f: f.logical_id):
        for source in fn.schedules:
            if source.enabled:
                found.append(Scheduled(fn, source, parse(source.expression, source.timezone)))
    return found


Invoke = Callable[[FunctionSpec, Any], Any]


class Scheduler:
    """Fires each schedule at its times (or every ``every`` seconds) on a small thread pool, so
    a slow function does not hold back the others."""

    def __init__(
        self,
        template: Template,
        invoke: Invoke,
        *,
        every: float | None = None,
        workers: int = 4,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.schedules = scheduled_functions(template)
        self.every = every
        self._invoke = invoke
        self._clock = clock
        self._stop = threading.Event()
        self._pool = Workers(workers, "schedule")
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self.fired = 0

    def _next(self, item: Scheduled, after: datetime) -> datetime | None:
        if self.every:
            return after + timedelta(seconds=self.every)
        return item.expression.next_after(after)

    def upcoming(self) -> list[tuple[str, str, datetime | None]]:
        now = self._clock()
        return [(s.name, s.source.expression, self._next(s, now)) for s in self.schedules]

    def start(self) -> None:
        if self.schedules:
            self._thread.start()

    def _run(self) -> None:
        queue: list[tuple[datetime, int, Scheduled]] = []
        now = self._clock()
        for index, item in enumerate(self.schedules):
            when = self._next(item, now)
            if when is not None:
                heapq.heappush(queue, (when, index, item))
        while queue and not self._stop.is_set():
            when, index, item = queue[0]
            wait = (when - self._clock()).total_seconds()
            if wait > 0:
                self._stop.wait(min(wait, 60.0))  # re-checks the clock at least every minute
                continue
            heapq.heappop(queue)
            try:
                self._pool.submit(self._fire, item, when)
            except RuntimeError:  # stopped meanwhile
                return
            following = self._next(item, max(when, self._clock()) if self.every else when)
            if following is not None:
                heapq.heappush(queue, (following, index, item))

    def _fire(self, item: Scheduled, when: datetime) -> None:
        self.fired += 1
        try:
            self._invoke(item.function, item.payload(when))
        except Exception:
            logger.exception("scheduled invocation of %s failed", item.function.logical_id)

    def stop(self, timeout: float = 3.0) -> list[threading.Thread]:
        """Fire nothing more and wait up to ``timeout`` seconds in all for the invocations
        under way; returns the threads of those still running (left behind: they are daemons,
        so a long-running function does not hold up the stack's exit)."""
        deadline = Deadline(timeout)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(deadline.left())
        return self._pool.stop(deadline.left())
