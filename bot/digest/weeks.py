"""ISO weeks in a server's time zone: keys like "2025-W03", their bounds, and when a digest is due.

Pure: no I/O, no wall clock (callers pass `now`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HISTORY_WEEKS = 8  # weeks shown in the chart, the digest week included
INPUT_WEEKS = HISTORY_WEEKS + 1  # the digest week and the 8 weeks before it


class Schedule(Protocol):
    """When a digest is posted: `weekday` (0 = Monday) at local `hour`."""

    @property
    def weekday(self) -> int: ...

    @property
    def hour(self) -> int: ...


def zone(name: str | None) -> ZoneInfo:
    """The server's time zone; an unknown or empty name falls back to UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def week_key_of(when: datetime, tz: str | None = "UTC") -> str:
    """The ISO week ("2025-W03") that `when` falls in, in the time zone `tz`."""
    year, week, _ = when.astimezone(zone(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def parse_week_key(key: str) -> tuple[int, int]:
    """(ISO year, ISO week) of "2025-W03"; ValueError if malformed or no such week."""
    try:
        year_text, week_text = key.strip().upper().split("-W")
        year, week = int(year_text), int(week_text)
        date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"not an ISO week like 2025-W03: {key!r}") from exc
    return year, week


def week_bounds(key: str, tz: str | None = "UTC") -> tuple[datetime, datetime]:
    """[start, end) of the week in UTC: Monday 00:00 to the next Monday 00:00, local time."""
    year, week = parse_week_key(key)
    monday = date.fromisocalendar(year, week, 1)
    local = zone(tz)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=local)
    nxt = monday + timedelta(days=7)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=local)
    return start.astimezone(UTC), end.astimezone(UTC)


def shift_week(key: str, weeks: int) -> str:
    """The week key `weeks` weeks after `key` (negative: before)."""
    year, week = parse_week_key(key)
    monday = date.fromisocalendar(year, week, 1) + timedelta(weeks=weeks)
    y, w, _ = monday.isocalendar()
    return f"{y}-W{w:02d}"


@dataclass(frozen=True, slots=True)
class WeekWindow:
    index: int  # 0 = the digest week, 1 = the week before, ...
    key: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


def week_windows(key: str, tz: str | None = "UTC", count: int = INPUT_WEEKS) -> list[WeekWindow]:
    """The digest week and the `count - 1` weeks before it, newest first."""
    windows = []
    for index in range(count):
        k = shift_week(key, -index)
        start, end = week_bounds(k, tz)
        windows.append(WeekWindow(index, k, start, end))
    return windows


def week_index(windows: Sequence[WeekWindow], when: datetime) -> int | None:
    """Which window (index) `when` falls in, or None."""
    for window in windows:
        if window.start <= when < window.end:
            return window.index
    return None


def post_time(key: str, tz: str | None, settings: Schedule) -> datetime:
    """When the digest of week `key` is due (UTC): the next week's weekday at the hour, local time."""
    _, end = week_bounds(key, tz)
    local_monday = end.astimezone(zone(tz)).date()
    day = local_monday + timedelta(days=settings.weekday)
    local = datetime(day.year, day.month, day.day, settings.hour, tzinfo=zone(tz))
    return local.astimezone(UTC)


def last_due_week(now: datetime, tz: str | None, settings: Schedule) -> str:
    """The newest week whose digest time has come by `now` (only the newest is ever posted)."""
    key = shift_week(week_key_of(now, tz), -1)
    if post_time(key, tz, settings) > now:
        key = shift_week(key, -1)
    return key


def last_complete_week(latest: datetime, tz: str | None = "UTC") -> str:
    """The last week that ended at or before `latest` (the default week of an offline digest)."""
    key = week_key_of(latest, tz)
    _, end = week_bounds(key, tz)
    return key if end <= latest else shift_week(key, -1)
