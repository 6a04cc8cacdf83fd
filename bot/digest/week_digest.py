"""The weekly digest: settings, inputs, results and the action (weeks: `bot.digest.weeks`).

The figures are computed by `bot.digest.metrics.compute_week`; the headline and the
plain-text summary by `bot.digest.wording`. Everything here is pure: no I/O, no wall clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from bot.digest.weeks import (
    HISTORY_WEEKS,
    INPUT_WEEKS,
    WeekWindow,
    last_complete_week,
    last_due_week,
    parse_week_key,
    post_time,
    shift_week,
    week_bounds,
    week_index,
    week_key_of,
    week_windows,
    zone,
)

LATE_AFTER = timedelta(minutes=15)  # posted later than this after its time: "posted late"
Number = int | float


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """The `guild_settings.digest` JSON dict; unknown keys are ignored, missing keys are defaults."""

    enabled: bool = True
    weekday: int = 0  # 0 = Monday: the day the digest of the week before is posted
    hour: int = 9  # local hour (server time zone)
    top_helpers: int = 5
    quiet_threshold: int = 10  # fewer interactions than this in the week: a quiet week

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DigestSettings:
        data = data or {}
        default = cls()

        def _int(key: str, low: int, high: int, fallback: int) -> int:
            value = data.get(key, fallback)
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                return fallback
            try:
                number = int(value)
            except ValueError:
                return fallback
            return number if low <= number <= high else fallback

        enabled = data.get("enabled", default.enabled)
        return cls(
            enabled=enabled if isinstance(enabled, bool) else default.enabled,
            weekday=_int("weekday", 0, 6, default.weekday),
            hour=_int("hour", 0, 23, default.hour),
            top_helpers=_int("top_helpers", 0, 25, default.top_helpers),
            quiet_threshold=_int("quiet_threshold", 0, 1_000_000, default.quiet_threshold),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "weekday": self.weekday,
            "hour": self.hour,
            "top_helpers": self.top_helpers,
            "quiet_threshold": self.quiet_threshold,
        }


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    channel_id: int
    message_id: int
    asked_at: datetime
    link: str
    asker_id: int | None = None
    snippet: str | None = None  # the stored snippet (raw: render it with `bot.digest.markdown`)
    parent_channel_id: int | None = None  # the channel a thread belongs to


@dataclass(frozen=True, slots=True)
class ActivityStats:
    """Introductions and nudges of one week (from the intros and nudges areas)."""

    intros_made: int = 0
    intros_took: int = 0
    nudges_sent: int = 0
    nudges_answered: int = 0


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """The aggregate counts of one week (see `bot.digest.definitions` for their exact definitions)."""

    interactions: int = 0
    member_interactions: int = 0
    new_connections: int = 0
    active_connections: int = 0
    active_members: int = 0
    connected_members: int = 0
    questions_asked: int = 0
    questions_answered_by_members: int = 0
    questions_open: int = 0
    target_judged: int = 0  # questions whose response target has passed or was met
    answered_within_target: int = 0
    median_first_response_minutes: float | None = None
    newcomers: int = 0
    newcomers_replied: int = 0
    member_answers: int = 0  # (question, member responder) pairs
    top3_answers: int = 0  # of those, by the three members with the most
    top1_answers: int = 0  # by the one member with the most
    top2_answers: int = 0  # by the two members with the most
    activity: ActivityStats = ActivityStats()

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "activity"}
        data["activity"] = {f.name: getattr(self.activity, f.name) for f in fields(self.activity)}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WeekCounts:
        names = {f.name for f in fields(cls)} - {"activity"}
        activity = ActivityStats(**{k: v for k, v in dict(data.get("activity") or {}).items()})
        return cls(**{k: v for k, v in data.items() if k in names}, activity=activity)

    def numbers(self) -> dict[str, Number | None]:
        a = self.activity
        return {
            "interactions": self.interactions,
            "new_connections": self.new_connections,
            "active_connections": self.active_connections,
            "active_members": self.active_members,
            "connected_members": self.connected_members,
            "connected_member_share": _share(self.connected_members, self.active_members),
            "community_ratio": _share(self.member_interactions, self.interactions),
            "questions_asked": self.questions_asked,
            "questions_answered_by_members": self.questions_answered_by_members,
            "questions_open": self.questions_open,
            "median_first_response_minutes": self.median_first_response_minutes,
            "answered_within_target_share": _share(self.answered_within_target, self.target_judged),
            "newcomers": self.newcomers,
            "newcomers_replied": self.newcomers_replied,
            "member_answers": self.member_answers,
            "top3_answer_share": _share(self.top3_answers, self.member_answers),
            "top1_answer_share": _share(self.top1_answers, self.member_answers),
            "top2_answer_share": _share(self.top2_answers, self.member_answers),
            "intros_made": a.intros_made,
            "intros_took": a.intros_took,
            "nudges_sent": a.nudges_sent,
            "nudges_answered": a.nudges_answered,
        }


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class WeekInputs:
    """What the digest of one week is computed from: counts per week and the week's details.

    `weeks[0]` is the digest week, `weeks[i]` the i-th week before it (up to `INPUT_WEEKS`).
    `helper_ranking` is (member, answers) best first; `tie_edges` the member pairs of the
    week's interaction graph (for bridges); members in `opted_out_ids` are never listed.
    """

    guild_id: int
    week_key: str
    timezone: str = "UTC"
    weeks: Sequence[WeekCounts] = ()
    helper_ranking: Sequence[tuple[int, int]] = ()
    helped: Sequence[tuple[int, int, int]] = ()  # (helper, asker, answers)
    tie_edges: Sequence[tuple[int, int]] = ()
    open_questions: Sequence[OpenQuestion] = ()
    unanswered_newcomers: Sequence[int] = ()  # members who joined in the week and got no reply
    opted_out_ids: Collection[int] = frozenset()
    response_target_minutes: int = 30
    settings: DigestSettings = field(default_factory=DigestSettings)
    partial: bool = False  # the week is not over yet (a preview)
    as_of: datetime | None = None  # a preview's "now" (None: the week is over)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Helper:
    user_id: int
    answers: int  # questions of the week this member responded to (not their own)


@dataclass(frozen=True, slots=True)
class Bridge:
    user_id: int
    separated: int  # members who would lose their link to the largest group without them
    groups: int  # separate groups (of two or more members) this member joins


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    week_key: str
    new_connections: int
    active_connections: int
    community_ratio: float | None
    median_first_response_minutes: float | None


# The numeric figures that get a week-over-week delta, in display order.
NUMERIC_FIGURES: tuple[str, ...] = (
    "interactions",
    "new_connections",
    "active_connections",
    "active_members",
    "connected_members",
    "connected_member_share",
    "community_ratio",
    "questions_asked",
    "questions_answered_by_members",
    "questions_open",
    "median_first_response_minutes",
    "answered_within_target_share",
    "newcomers",
    "newcomers_replied",
    "member_answers",
    "top3_answer_share",
    "top1_answer_share",
    "top2_answer_share",
    "intros_made",
    "intros_took",
    "nudges_sent",
    "nudges_answered",
)


@dataclass(frozen=True)
class WeekDigest:
    guild_id: int
    week_key: str
    timezone: str
    start: datetime
    end: datetime
    numbers: Mapping[str, Number | None]  # every name in NUMERIC_FIGURES
    previous: Mapping[str, Number | None]  # the same names for the week before
    deltas: Mapping[str, Number | None]  # numbers - previous (None when either is None)
    open_questions: tuple[OpenQuestion, ...]
    top_helpers: tuple[Helper, ...]
    bridges: tuple[Bridge, ...]
    helped: tuple[tuple[int, int, int], ...]  # (helper, asker, answers) for the who-helped-whom picture
    history: tuple[HistoryPoint, ...]  # oldest first, the digest week last
    headline: str
    quiet: bool
    response_target_minutes: int = 30
    partial: bool = False
    late: bool = False
    compared: bool = True  # there is an earlier week to compare with (else no trends are shown)
    unanswered_newcomers: tuple[int, ...] = ()  # named in the digest (opted-out members left out)
    as_of: datetime | None = None  # a preview's "now"; None: figures stand at the week's end

    @property
    def cut(self) -> datetime:
        """When the figures stand: the week's end, or a preview's "now"."""
        return self.end if self.as_of is None else min(self.end, self.as_of)

    def with_open_questions(self, keep: Callable[[OpenQuestion], bool]) -> WeekDigest:
        """The same digest listing only the open questions `keep` admits (the count of open
        questions stays: the rest show as "… and N more")."""
        return replace(self, open_questions=tuple(q for q in self.open_questions if keep(q)))

    def number(self, name: str) -> Number | None:
        """One numeric figure by name (see NUMERIC_FIGURES)."""
        return self.numbers.get(name)

    def figures(self) -> dict[str, Any]:
        """Every figure by name, JSON-able (ids as strings)."""
        out: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "week": self.week_key,
            "timezone": self.timezone,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "partial": self.partial,
            "late": self.late,
            "quiet": self.quiet,
            "headline": self.headline,
            "response_target_minutes": self.response_target_minutes,
        }
        out.update({name: _rounded(self.numbers.get(name)) for name in NUMERIC_FIGURES})
        out["open_question_links"] = [q.link for q in self.open_questions]
        out["top_helpers"] = [{"user_id": str(h.user_id), "answers": h.answers} for h in self.top_helpers]
        out["bridges"] = [
            {"user_id": str(b.user_id), "separated": b.separated, "groups": b.groups} for b in self.bridges
        ]
        out["deltas"] = {name: _rounded(self.deltas.get(name)) for name in NUMERIC_FIGURES}
        out["previous"] = {name: _rounded(self.previous.get(name)) for name in NUMERIC_FIGURES}
        out["history"] = [
            {
                "week": p.week_key,
                "new_connections": p.new_connections,
                "active_connections": p.active_connections,
                "community_ratio": _rounded(p.community_ratio),
                "median_first_response_minutes": _rounded(p.median_first_response_minutes),
            }
            for p in self.history
        ]
        return out


def _rounded(value: Number | None) -> Number | None:
    if isinstance(value, float):
        return round(value, 4)
    return value


# --------------------------------------------------------------------------- the action


@dataclass(frozen=True, slots=True)
class DigestAction:
    """One digest to post: claimed (a `digests` row written) before it is posted."""

    at: datetime
    guild_id: int
    channel_id: int | None
    week_key: str
    late: bool
    digest_id: int | None = None
    figures: Mapping[str, Any] = field(default_factory=dict)
    digest: WeekDigest | None = field(default=None, compare=False, repr=False)  # for rendering

    def to_record(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": "digest",
            "guild_id": str(self.guild_id),
            "channel_id": None if self.channel_id is None else str(self.channel_id),
            "targets": [],
            "week": self.week_key,
            "late": self.late,
            "figures": dict(self.figures),
        }


def stored_figures(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The figures kept in the `digests` row: the same, but naming no member (lists keep counts)."""
    out = dict(figures)
    out["top_helpers"] = [{"answers": h.get("answers")} for h in figures.get("top_helpers", [])]
    out["bridges"] = [
        {"separated": b.get("separated"), "groups": b.get("groups")} for b in figures.get("bridges", [])
    ]
    return out


__all__ = [
    "HISTORY_WEEKS",
    "INPUT_WEEKS",
    "LATE_AFTER",
    "NUMERIC_FIGURES",
    "ActivityStats",
    "Bridge",
    "DigestAction",
    "DigestSettings",
    "Helper",
    "HistoryPoint",
    "Number",
    "OpenQuestion",
    "WeekCounts",
    "WeekDigest",
    "WeekInputs",
    "WeekWindow",
    "last_complete_week",
    "last_due_week",
    "parse_week_key",
    "post_time",
    "shift_week",
    "stored_figures",
    "week_bounds",
    "week_index",
    "week_key_of",
    "week_windows",
    "zone",
]
