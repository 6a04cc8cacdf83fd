"""Introductions: who is in this week's pool, how they are grouped, and what gets posted.

Pure: no Discord, no database; the time comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.intros.matching import Group, Pair, Person, match_people, pair_key

Frequency = Literal["weekly", "biweekly", "monthly"]
Outcome = Literal["pending", "talked", "not_yet", "skipped", "interacted", "ignored"]
Response = Literal["talked", "not_yet", "skipped"]

FREQUENCIES: tuple[Frequency, ...] = ("weekly", "biweekly", "monthly")
RESPONSES: tuple[Response, ...] = ("talked", "not_yet", "skipped")
FREQUENCY_DAYS: dict[str, int] = {"weekly": 7, "biweekly": 14, "monthly": 28}
DUE_SLACK = timedelta(hours=12)  # a round a little early in the week still counts as a week later


def as_frequency(value: str | None) -> Frequency:
    """A stored frequency as the typed value (anything unknown reads as weekly)."""
    for frequency in FREQUENCIES:
        if value == frequency:
            return frequency
    return "weekly"


def _int_in(value: Any, low: int, high: int, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return default
    return value


MAX_PER_ROUND_LIMIT = 10_000  # what `max_per_round` may be raised to (a big server's whole pool)


@dataclass(frozen=True, slots=True)
class IntroSettings:
    enabled: bool = True
    weekday: int = 0  # Monday = 0
    hour: int = 17  # in the server's time zone
    group_size: int = 2
    repeat_window_weeks: int = 12
    follow_up_days: int = 4
    max_ignored: int = 3
    max_per_round: int = 6  # introductions a round makes at most (the best matches; others wait)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> IntroSettings:
        """Parse `guild_settings.intros`; unknown keys are ignored, bad values fall back."""
        d = cls()
        if not data:
            return d
        enabled = data.get("enabled", d.enabled)
        return cls(
            enabled=enabled if isinstance(enabled, bool) else d.enabled,
            weekday=_int_in(data.get("weekday"), 0, 6, d.weekday),
            hour=_int_in(data.get("hour"), 0, 23, d.hour),
            group_size=_int_in(data.get("group_size"), 2, 3, d.group_size),
            repeat_window_weeks=_int_in(data.get("repeat_window_weeks"), 0, 520, d.repeat_window_weeks),
            follow_up_days=_int_in(data.get("follow_up_days"), 1, 30, d.follow_up_days),
            max_ignored=_int_in(data.get("max_ignored"), 1, 100, d.max_ignored),
            max_per_round=_int_in(data.get("max_per_round"), 1, MAX_PER_ROUND_LIMIT, d.max_per_round),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "weekday": self.weekday,
            "hour": self.hour,
            "group_size": self.group_size,
            "repeat_window_weeks": self.repeat_window_weeks,
            "follow_up_days": self.follow_up_days,
            "max_ignored": self.max_ignored,
            "max_per_round": self.max_per_round,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    user_id: int
    interests: frozenset[str] = frozenset()
    tz_offset_hours: float = 0.0
    frequency: Frequency = "weekly"
    last_intro_at: datetime | None = None
    paused_until: datetime | None = None
    in_guild: bool = True
    ignored_count: int = 0  # introductions ignored in a row


@dataclass(frozen=True, slots=True)
class RoundResult:
    groups: list[Group]
    removed: list[int] = field(default_factory=list)  # ignored too many: leave the pool (quietly)
    unmatched: list[int] = field(default_factory=list)  # eligible, but nobody left for them this round
    skipped: list[int] = field(default_factory=list)  # paused, departed or not due this round


def is_due(candidate: Candidate, now: datetime) -> bool:
    if candidate.last_intro_at is None:
        return True
    days = FREQUENCY_DAYS.get(candidate.frequency, 7)
    return now - candidate.last_intro_at >= timedelta(days=days) - DUE_SLACK


def blocked_pairs(history: Mapping[Pair, datetime], now: datetime, settings: IntroSettings) -> set[Pair]:
    """Pairs introduced inside the repeat window (keys need not be ordered)."""
    window = timedelta(weeks=settings.repeat_window_weeks)
    return {pair_key(*pair) for pair, at in history.items() if now - at < window}


def match_round(
    candidates: Iterable[Candidate],
    history_pairs_with_dates: Mapping[Pair, datetime],
    connected_pairs: Collection[Pair],
    now: datetime,
    settings: IntroSettings,
    seed: int = 0,
) -> RoundResult:
    pool: list[Person] = []
    removed: list[int] = []
    skipped: list[int] = []
    for c in candidates:
        if not c.in_guild or (c.paused_until is not None and c.paused_until > now):
            skipped.append(c.user_id)
        elif c.ignored_count >= settings.max_ignored:
            removed.append(c.user_id)
        elif not is_due(c, now):
            skipped.append(c.user_id)
        else:
            pool.append(Person(c.user_id, c.interests, c.tz_offset_hours))
    connected = {pair_key(*p) for p in connected_pairs}
    if len(pool) < 2:
        return RoundResult([], removed, [p.user_id for p in pool], skipped)
    groups, unmatched = match_people(
        pool,
        blocked=blocked_pairs(history_pairs_with_dates, now, settings),
        connected=connected,
        seed=seed,
        group_size=settings.group_size,
    )
    if len(groups) > settings.max_per_round:  # the strongest matches now; the rest wait a round
        ranked = sorted(groups, key=lambda g: -g.score)
        groups = [g for g in groups if g in ranked[: settings.max_per_round]]
        waiting = [m for g in ranked[settings.max_per_round :] for m in g.members]
        unmatched = [*unmatched, *waiting]
    return RoundResult(groups, removed, unmatched, skipped)


# ---- schedule ---------------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def tz_offset_hours(name: str | None, at: datetime) -> float:
    offset = at.astimezone(zone(name)).utcoffset()
    return 0.0 if offset is None else offset.total_seconds() / 3600.0


def round_key(now: datetime, tz_name: str | None) -> str:
    """The ISO week of `now` in the server's time zone, e.g. "2025-W03"."""
    year, week, _ = now.astimezone(zone(tz_name)).isocalendar()
    return f"{year}-W{week:02d}"


def scheduled_at(now: datetime, tz_name: str | None, settings: IntroSettings) -> datetime:
    """This ISO week's round time (aware, in the server's zone)."""
    local = now.astimezone(zone(tz_name))
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=settings.weekday)
    return datetime(day.year, day.month, day.day, settings.hour, tzinfo=zone(tz_name))


def round_due(now: datetime, tz_name: str | None, settings: IntroSettings) -> str | None:
    """The round key to run now, or None. A missed round is caught up later the same week;
    the caller's unique (guild, round key) row makes it happen once."""
    if not settings.enabled or now < scheduled_at(now, tz_name, settings):
        return None
    return round_key(now, tz_name)


# ---- what gets posted -------------------------------------------------------------------

STARTERS: tuple[str, ...] = (
    "You both like {topic}: what got you into it?",
    "What is one thing about {topic} you wish more people knew?",
    "If you had a free afternoon for {topic}, how would you spend it?",
    "What is the best thing you have found lately about {topic}?",
    "How long have you been into {topic}, and what keeps you at it?",
)
GENERIC_STARTERS: tuple[str, ...] = (
    "What brought you to this server, and what keeps you around?",
    "What are you working on or looking forward to this week?",
    "What is something you learned recently that surprised you?",
)


def conversation_starter(shared_interests: tuple[str, ...], seed: int) -> str:
    if shared_interests:
        template = STARTERS[seed % len(STARTERS)]
        return template.format(topic=shared_interests[0])
    return GENERIC_STARTERS[seed % len(GENERIC_STARTERS)]


def _ids(values: Iterable[int]) -> list[str]:
    return [str(v) for v in values]


@dataclass(frozen=True, slots=True)
class IntroAction:
    at: datetime
    guild_id: int
    channel_id: int | None  # the intro channel (a private thread is opened in it), None = DMs
    introduction_id: int
    members: tuple[int, ...]
    shared_interests: tuple[str, ...]
    starter: str
    round_key: str = ""

    def to_record(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": "intro",
            "guild_id": str(self.guild_id),
            "channel_id": None if self.channel_id is None else str(self.channel_id),
            "targets": _ids(self.members),
            "introduction_id": str(self.introduction_id),
            "round": self.round_key,
            "shared_interests": list(self.shared_interests),
            "starter": self.starter,
        }


@dataclass(frozen=True, slots=True)
class IntroFollowUp:
    at: datetime
    guild_id: int
    channel_id: int | None  # the intro thread (or None: DM the members)
    introduction_id: int
    members: tuple[int, ...]
    outcome: Outcome  # "interacted": they already talked; "pending": ask with buttons; "ignored"

    def to_record(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": "intro_follow_up",
            "guild_id": str(self.guild_id),
            "channel_id": None if self.channel_id is None else str(self.channel_id),
            "targets": _ids(self.members),
            "introduction_id": str(self.introduction_id),
            "outcome": self.outcome,
        }


@dataclass(frozen=True, slots=True)
class IntroRemoved:
    """A member left the pool after ignoring several introductions: tell them kindly."""

    at: datetime
    guild_id: int
    user_id: int

    def to_record(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": "intro_removed",
            "guild_id": str(self.guild_id),
            "channel_id": None,
            "targets": [str(self.user_id)],
        }


IntroDue = IntroAction | IntroFollowUp | IntroRemoved


OUTCOMES: tuple[Outcome, ...] = ("pending", "talked", "not_yet", "skipped", "interacted", "ignored")


def as_outcome(value: str) -> Outcome:
    """A stored outcome as the typed value (anything unknown reads as pending)."""
    for outcome in OUTCOMES:
        if value == outcome:
            return outcome
    return "pending"


def outcome_from_responses(responses: Iterable[str | None]) -> Outcome:
    """The introduction's outcome from the members' button answers (talked wins)."""
    given = [r for r in responses if r]
    if "talked" in given:
        return "talked"
    if "not_yet" in given:
        return "not_yet"
    if given and all(r == "skipped" for r in given):
        return "skipped"
    return "pending"


def took(outcome: str) -> bool:
    """Whether an introduction led to a conversation (for the digest)."""
    return outcome in ("talked", "interacted")
