"""The earliest instant a question's ladder may act, from what is known to block it.

`steps_ahead` says which steps are in or before their windows; a step in its window may still be unable to
go out: nobody can be pinged while the server's daily budget is spent, a nudge needs helpers
to invite, a listing needs a help-wanted channel, a check needs an asker who has been around
and nobody having responded. `next_action_at` keeps only the first instant at which none of
those is known to hold. It is a lower bound: it may name an instant at which nothing goes out
after all (no helper is free, say), never one later than a step that would go out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.conversation.facts import QuestionFact
from bot.nudges.ladder import NudgeSettings, check_wanted, steps_ahead

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def _free_at(times: Sequence[datetime], allowed: int, now: datetime) -> datetime | None:
    """When fewer than `allowed` of `times` (sorted) fall in the day up to then: `now` if
    already so, None if never (`allowed` is 0)."""
    if allowed <= 0:
        return None
    recent = times[bisect_left(times, now - DAY) :]
    if len(recent) < allowed:
        return now
    return recent[len(recent) - allowed] + DAY


@dataclass(frozen=True, slots=True)
class Blocks:
    """What holds a server's pings back, from `now` on (None: not before something changes)."""

    pings_free_at: datetime | None  # a nudge or a check may draw on the budget from then
    checks_free_at: datetime | None  # ... and a check on the checks' half of it

    @classmethod
    def of_budget(
        cls, most_pings_a_day: int, pings: Sequence[datetime], checks: Sequence[datetime], now: datetime
    ) -> Blocks:
        """From an upper bound of the day's budget and the pings and checks sent so far (sorted)."""
        pings_free = _free_at(pings, most_pings_a_day, now)
        checks_free = _free_at(checks, most_pings_a_day // 2, now)
        return cls(pings_free, None if checks_free is None or pings_free is None else max(pings_free, checks_free))


def next_action_at(
    question: QuestionFact,
    sent_steps: Collection[str],
    now: datetime,
    settings: NudgeSettings,
    blocks: Blocks,
    *,
    has_help_wanted_channel: bool,
    asker_seen: datetime | None,
    nudged_at: datetime | None,
) -> datetime | None:
    """The earliest instant from `now` on at which a step of the question may go out; None
    when none can before something changes (an answer, a message by the asker, the budget).

    `asker_seen` must be at least the asker's latest message, `nudged_at` when its nudge went
    out (None: not sent)."""
    pinged = settings.may_ping(question)
    for step, start, until in steps_ahead(question, sent_steps, now, settings):
        earliest = max(start, now)
        at: datetime | None
        if step == "listing":
            at = earliest if has_help_wanted_channel else None
        elif not pinged:
            at = None
        elif step == "nudge":
            free = blocks.pings_free_at
            at = None if settings.helpers_per_nudge == 0 or free is None else max(earliest, free)
        else:
            at = _check_at(question, earliest, settings, blocks, asker_seen, nudged_at)
        if at is not None and at < until:
            return at
    return None


def _check_at(
    question: QuestionFact,
    at: datetime,
    settings: NudgeSettings,
    blocks: Blocks,
    asker_seen: datetime | None,
    nudged_at: datetime | None,
) -> datetime | None:
    """When "still need help?" may go out from `at` on: `check_wanted` but for a fresh nudge,
    which only delays it."""
    if blocks.checks_free_at is None or not check_wanted(question, asker_seen, None, at, settings):
        return None
    at = max(at, blocks.checks_free_at)
    if nudged_at is not None:
        at = max(at, nudged_at + timedelta(hours=settings.nudge_fresh_hours))
    return at


def more_messages_for(settings: NudgeSettings, week_messages: int) -> int | None:
    """How many more messages in the week would raise the daily budget (None: none would)."""
    current = settings.daily_budget(week_messages)
    step = 1
    while settings.daily_budget(week_messages + step) <= current:
        if step > 1 << 40:  # the budget is at its ceiling (or does not follow activity)
            return None
        step *= 2
    low, high = step // 2, step  # budget(low) <= current < budget(high)
    while high - low > 1:
        middle = (low + high) // 2
        if settings.daily_budget(week_messages + middle) > current:
            high = middle
        else:
            low = middle
    return high
