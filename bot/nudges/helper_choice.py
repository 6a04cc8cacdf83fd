"""Choosing which helpers to invite to an open question.

Pure logic: candidates come in as `HelperProfile`s, the nudge history as times per
helper, and the time from the caller. Nobody is chosen who is the asker, already took
part, opted out, is paused, is outside their waking hours, or has reached a cap.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.conversation.facts import QuestionFact

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class HelperProfile:
    """What the choice needs to know about one possible helper."""

    user_id: int
    topics: frozenset[str] = frozenset()  # declared topics (lowercase)
    timezone: str = "UTC"
    opted_in: bool = True
    paused_until: datetime | None = None
    active_start_hour: int | None = None  # own waking hours; None = the server's quiet hours
    active_end_hour: int | None = None
    answers_by_channel: Mapping[int, int] = field(default_factory=dict)
    answers_by_topic: Mapping[str, int] = field(default_factory=dict)
    last_active_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChoiceLimits:
    """The part of the nudge settings the choice uses."""

    helpers_per_nudge: int = 2
    daily_cap: int = 2
    weekly_cap: int = 3
    quiet_start_hour: int = 22
    quiet_end_hour: int = 8
    min_helper_gap_hours: int = 6


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def hour_in_window(hour: int, start: int, end: int) -> bool:
    """True when `hour` lies in [start, end) on a 24 h circle (start == end means all day)."""
    start, end = start % 24, end % 24
    if start == end:
        return True
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def is_awake(profile: HelperProfile, now: datetime, limits: ChoiceLimits) -> bool:
    """Whether it is within the helper's local waking hours."""
    local_hour = now.astimezone(_zone(profile.timezone)).hour
    if profile.active_start_hour is not None and profile.active_end_hour is not None:
        return hour_in_window(local_hour, profile.active_start_hour, profile.active_end_hour)
    if limits.quiet_start_hour % 24 == limits.quiet_end_hour % 24:
        return True
    return not hour_in_window(local_hour, limits.quiet_start_hour, limits.quiet_end_hour)


def within_caps(times: Sequence[datetime], now: datetime, limits: ChoiceLimits) -> bool:
    """Rolling caps: at most `daily_cap` in any 24 h and `weekly_cap` in any 7 days."""
    last_day = sum(1 for t in times if now - DAY < t <= now)
    last_week = sum(1 for t in times if now - WEEK < t <= now)
    if last_day >= limits.daily_cap or last_week >= limits.weekly_cap:
        return False
    gap = timedelta(hours=limits.min_helper_gap_hours)
    return not any(now - gap < t <= now for t in times)


def is_eligible(
    question: QuestionFact,
    profile: HelperProfile,
    times: Sequence[datetime],
    now: datetime,
    limits: ChoiceLimits,
) -> bool:
    if not profile.opted_in:
        return False
    if profile.user_id == question.asker_id or profile.user_id in question.responder_ids:
        return False
    if profile.paused_until is not None and profile.paused_until > now:
        return False
    if not is_awake(profile, now, limits):
        return False
    return within_caps(times, now, limits)


def question_topics(question: QuestionFact) -> frozenset[str]:
    return frozenset(t.lower() for t in question.topics if t)


def relevance(question: QuestionFact, profile: HelperProfile) -> float:
    """How likely the helper knows about this question; 0 means no sign at all."""
    score = 0.0
    channels = {question.channel_id}
    if question.parent_channel_id is not None:
        channels.add(question.parent_channel_id)
    in_channel = sum(profile.answers_by_channel.get(c, 0) for c in channels)
    score += 2.0 * math.log1p(in_channel)
    topics = question_topics(question)
    for topic in topics:
        answered = profile.answers_by_topic.get(topic, 0)
        if answered:
            score += 1.5 * math.log1p(answered)
    declared = topics & profile.topics
    score += 2.5 * len(declared)
    return score


def activity_bonus(profile: HelperProfile, now: datetime) -> float:
    """Up to 1.0 for someone active right now, fading over two weeks."""
    if profile.last_active_at is None:
        return 0.0
    days = max((now - profile.last_active_at).total_seconds() / 86400.0, 0.0)
    return max(0.0, 1.0 - days / 14.0)


def rotation_penalty(times: Sequence[datetime], now: datetime) -> float:
    """Recently nudged helpers rank lower, so the load spreads."""
    penalty = 0.0
    for t in times:
        age_days = (now - t).total_seconds() / 86400.0
        if 0 <= age_days < 7:
            penalty += 1.0 - age_days / 7.0
    return 1.2 * penalty


def _tiebreak(question_id: int, user_id: int) -> str:
    return hashlib.sha256(f"{question_id}:{user_id}".encode()).hexdigest()


def score_helper(
    question: QuestionFact, profile: HelperProfile, times: Sequence[datetime], now: datetime
) -> float | None:
    """The helper's score for this question, or None when there is no sign they could help.

    A helper who declared no topics and has no history is a generalist: a small base score.
    """
    rel = relevance(question, profile)
    has_history = bool(profile.answers_by_channel) or bool(profile.answers_by_topic)
    if rel <= 0.0:
        if profile.topics or has_history:
            return None
        rel = 0.5
    return rel + activity_bonus(profile, now) - rotation_penalty(times, now)


def choose_helpers(
    question: QuestionFact,
    candidates: Iterable[HelperProfile],
    history: Mapping[int, Sequence[datetime]],
    now: datetime,
    limits: ChoiceLimits,
) -> list[int]:
    """Up to `helpers_per_nudge` user ids, best first, following every rule above."""
    scored: list[tuple[float, str, int]] = []
    seen: set[int] = set()
    for profile in candidates:
        if profile.user_id in seen:
            continue
        seen.add(profile.user_id)
        times = history.get(profile.user_id, ())
        if not is_eligible(question, profile, times, now, limits):
            continue
        score = score_helper(question, profile, times, now)
        if score is None:
            continue
        scored.append((-score, _tiebreak(question.message_id, profile.user_id), profile.user_id))
    scored.sort()
    return [user_id for _, _, user_id in scored[: max(limits.helpers_per_nudge, 0)]]
