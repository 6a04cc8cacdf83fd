"""The nudge ladder for open questions: settings, which step is due, and the actions.

A question still open after the response target gets a short reply mentioning a few
helpers (`nudge`); later it goes on the help-wanted channel's open-questions board
(`listing`, no post of its own); after a day the asker may be asked once whether it is
still needed (`check`), only if nobody has responded, the asker has been around since and
no nudge is fresh. Nudges and checks draw on the server's daily budget, which follows its
activity; nudges come first and checks may take at most half of it. Only open questions climb the ladder: any answer, resolve or deletion
stops it. Each step has a window (from its own delay to the next step's), so a step that
was missed while the bot was down, or a question found by a backfill long after it was
asked, is skipped rather than sent late.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, Protocol

from bot.conversation.facts import QuestionFact
from bot.nudges.helper_choice import ChoiceLimits, HelperProfile, choose_helpers

Step = Literal["nudge", "listing", "check"]
STEPS: tuple[Step, ...] = ("nudge", "listing", "check")


def _as_int(value: Any, default: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        number = int(value)
    except ValueError:
        return default
    return min(max(number, low), high)


def _as_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes", "on"}:
            return True
        if lowered in {"false", "0", "no", "off"}:
            return False
    return default


_LIMITS: dict[str, tuple[int, int]] = {
    "first_after_minutes": (1, 10080),
    "helpers_per_nudge": (0, 5),
    "help_wanted_after_minutes": (1, 20160),
    "still_needed_after_minutes": (1, 40320),
    "check_window_hours": (1, 336),
    "daily_cap": (0, 50),
    "weekly_cap": (0, 200),
    "quiet_start_hour": (0, 23),
    "quiet_end_hour": (0, 23),
    "min_helper_gap_hours": (0, 168),
    "relist_every_hours": (1, 720),
    "board_days": (1, 60),
    "nudges_per_1000_messages": (0, 1000),
    "min_nudges_per_day": (0, 50),
    "max_nudges_per_day": (0, 200),
    "nudge_fresh_hours": (0, 168),
    "min_confidence": (0, 100),
}


@dataclass(frozen=True, slots=True)
class NudgeSettings:
    """Parsed from the `guild_settings.nudges` JSON dict (unknown keys ignored)."""

    enabled: bool = True
    first_after_minutes: int = 30
    helpers_per_nudge: int = 2
    help_wanted_after_minutes: int = 120
    still_needed_after_minutes: int = 1440
    check_window_hours: int = 24  # how long after its time the still-needed check may go out
    daily_cap: int = 2  # pings per member in any 24 h (nudges, checks and introductions count)
    weekly_cap: int = 3  # ... and in any 7 days
    quiet_start_hour: int = 22
    quiet_end_hour: int = 8
    min_helper_gap_hours: int = 6
    relist_every_hours: int = 24  # "Still stuck" puts a question back on the board at most this often
    board_days: int = 7  # an open question stays on the board this long after it was asked
    # the server's daily budget of pings (helper nudges, and "still need help?" checks, which
    # may take at most half of it): this many per 1,000 member messages a day (last week's
    # average), within the bounds below
    nudges_per_1000_messages: int = 10
    min_nudges_per_day: int = 1
    max_nudges_per_day: int = 10
    nudge_fresh_hours: int = 12  # no "still need help?" while the question's nudge is younger
    min_confidence: int = 50  # percent: nudges and checks only for questions read this surely as help requests

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, response_target_minutes: int = 30) -> NudgeSettings:
        """Missing keys take defaults; `first_after_minutes` defaults to the response target."""
        data = data or {}
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "enabled":
                values["enabled"] = _as_bool(data.get("enabled"), True)
                continue
            default = response_target_minutes if f.name == "first_after_minutes" else f.default
            assert isinstance(default, int)
            low, high = _LIMITS[f.name]
            values[f.name] = _as_int(data.get(f.name, default), default, low, high)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def problems(cls, values: Mapping[str, Any]) -> list[str]:
        """What is wrong with these values, in words (empty when all are known and in range)."""
        found: list[str] = []
        for key, value in values.items():
            if key == "enabled":
                if not isinstance(value, bool):
                    found.append(f"enabled = {value!r}: expected true or false")
                continue
            if key not in _LIMITS:
                found.append(f"{key}: unknown nudge setting (known: enabled, {', '.join(sorted(_LIMITS))})")
                continue
            low, high = _LIMITS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                found.append(f"{key} = {value!r}: expected a whole number from {low} to {high}")
        return found

    @property
    def limits(self) -> ChoiceLimits:
        return ChoiceLimits(
            helpers_per_nudge=self.helpers_per_nudge,
            daily_cap=self.daily_cap,
            weekly_cap=self.weekly_cap,
            quiet_start_hour=self.quiet_start_hour,
            quiet_end_hour=self.quiet_end_hour,
            min_helper_gap_hours=self.min_helper_gap_hours,
        )

    def step_times(self, asked_at: datetime) -> dict[Step, tuple[datetime, datetime]]:
        """Each step's window [due, until). Later steps never come before earlier ones."""
        first = asked_at + timedelta(minutes=self.first_after_minutes)
        listing = max(first, asked_at + timedelta(minutes=self.help_wanted_after_minutes))
        check = max(listing, asked_at + timedelta(minutes=self.still_needed_after_minutes))
        end = check + timedelta(hours=self.check_window_hours)
        return {"nudge": (first, listing), "listing": (listing, check), "check": (check, end)}

    def daily_budget(self, member_messages_last_week: int) -> int:
        """Pings (nudges and checks) the server may get in a day, from its activity."""
        per_day = member_messages_last_week / 7
        wanted = round(per_day * self.nudges_per_1000_messages / 1000)
        return max(self.min_nudges_per_day, min(self.max_nudges_per_day, wanted))

    def may_ping(self, question: QuestionFact) -> bool:
        """Whether the question reads surely enough as a help request for nudges and checks."""
        return question.confidence * 100 >= self.min_confidence

    @property
    def max_age(self) -> timedelta:
        """Questions older than this have nothing left to do."""
        later = max(self.first_after_minutes, self.help_wanted_after_minutes, self.still_needed_after_minutes)
        return timedelta(minutes=later, hours=self.check_window_hours)


def ladder_step_due(
    question: QuestionFact,
    sent_steps: Collection[str],
    now: datetime,
    settings: NudgeSettings,
    *,
    has_help_wanted_channel: bool = True,
) -> Step | None:
    """The step to take now for this question, or None.

    Only an open question climbs. The step is the one whose window contains `now`; it is
    not taken twice, and never after a later step was already taken.
    """
    if not settings.enabled or question.status != "open":
        return None
    windows = settings.step_times(question.asked_at)
    for index, step in enumerate(STEPS):
        start, until = windows[step]
        if not (start <= now < until):
            continue
        if step in sent_steps or any(later in sent_steps for later in STEPS[index + 1 :]):
            return None
        if step == "nudge" and settings.helpers_per_nudge == 0:
            return None
        if step == "listing" and not has_help_wanted_channel:
            return None
        return step
    return None


def next_step_at(
    question: QuestionFact,
    sent_steps: Collection[str],
    now: datetime,
    settings: NudgeSettings,
) -> datetime | None:
    """The earliest time from `now` on at which a step of this question may be due; None if never.

    A step whose window holds `now` and is not taken yet gives `now` (it is due, perhaps only
    waiting for a helper to be available), so the caller looks again at its next poll.
    """
    for _step, start, _until in steps_ahead(question, sent_steps, now, settings):
        return max(start, now)
    return None


def steps_ahead(
    question: QuestionFact, sent_steps: Collection[str], now: datetime, settings: NudgeSettings
) -> Iterator[tuple[Step, datetime, datetime]]:
    """The steps of an open question that may still be taken from `now` on, in order, with
    their windows [start, until): not taken, no later step taken, the window not over."""
    if not settings.enabled or question.status != "open":
        return
    windows = settings.step_times(question.asked_at)
    for index, step in enumerate(STEPS):
        start, until = windows[step]
        if until <= now or step in sent_steps or any(later in sent_steps for later in STEPS[index + 1 :]):
            continue
        yield step, start, until


class Recordable(Protocol):
    kind: ClassVar[str]

    @property
    def at(self) -> datetime: ...
    @property
    def guild_id(self) -> int: ...
    @property
    def channel_id(self) -> int: ...
    @property
    def question_message_id(self) -> int: ...


def action_record(action: Recordable, targets: Iterable[int], **extra: int) -> dict[str, Any]:
    """The replay record of a posted nudge-family action (ids as strings)."""
    record: dict[str, Any] = {
        "at": action.at.isoformat(),
        "kind": action.kind,
        "guild_id": str(action.guild_id),
        "channel_id": str(action.channel_id),
        "targets": [str(u) for u in targets],
        "question_message_id": str(action.question_message_id),
    }
    record.update({key: str(value) for key, value in extra.items()})
    return record


@dataclass(frozen=True, slots=True)
class NudgeAction:
    """Reply to the question (or in its thread) mentioning the chosen helpers."""

    guild_id: int
    channel_id: int  # where the question is (a thread's own id inside a thread)
    question_message_id: int
    asker_id: int
    helper_ids: tuple[int, ...]
    at: datetime
    snippet: str | None = None

    step: ClassVar[Step] = "nudge"
    kind: ClassVar[str] = "nudge"

    def to_record(self) -> dict[str, Any]:
        return action_record(self, self.helper_ids, asker_id=self.asker_id)


@dataclass(frozen=True, slots=True)
class HelpWantedListing:
    """Put the question on the help-wanted channel's open-questions board (nobody is pinged;
    the board is edited, nothing is posted for the question itself)."""

    guild_id: int
    channel_id: int  # the help-wanted channel
    question_channel_id: int
    question_message_id: int
    asker_id: int
    asked_at: datetime
    at: datetime
    snippet: str | None = None
    topics: tuple[str, ...] = ()

    step: ClassVar[Step] = "listing"
    kind: ClassVar[str] = "help_wanted"

    def to_record(self) -> dict[str, Any]:
        return action_record(
            self, (), question_channel_id=self.question_channel_id, asker_id=self.asker_id
        )


@dataclass(frozen=True, slots=True)
class StillNeededCheck:
    """Ask the asker once whether the question still needs help, with Solved / Still stuck buttons."""

    guild_id: int
    channel_id: int  # where the question is
    question_message_id: int
    asker_id: int
    at: datetime
    snippet: str | None = None

    step: ClassVar[Step] = "check"
    kind: ClassVar[str] = "still_needed"

    def to_record(self) -> dict[str, Any]:
        return action_record(self, (self.asker_id,))


NudgeLadderAction = NudgeAction | HelpWantedListing | StillNeededCheck


def build_action(
    step: Step,
    question: QuestionFact,
    now: datetime,
    *,
    helper_ids: tuple[int, ...] = (),
    help_wanted_channel_id: int | None = None,
) -> NudgeLadderAction | None:
    """The action for a due step (None when a nudge has nobody to invite or no channel is set)."""
    if step == "nudge":
        if not helper_ids:
            return None
        return NudgeAction(
            guild_id=question.guild_id,
            channel_id=question.channel_id,
            question_message_id=question.message_id,
            asker_id=question.asker_id,
            helper_ids=helper_ids,
            at=now,
            snippet=question.snippet,
        )
    if step == "listing":
        if help_wanted_channel_id is None:
            return None
        return HelpWantedListing(
            guild_id=question.guild_id,
            channel_id=help_wanted_channel_id,
            question_channel_id=question.channel_id,
            question_message_id=question.message_id,
            asker_id=question.asker_id,
            asked_at=question.asked_at,
            at=now,
            snippet=question.snippet,
            topics=question.topics,
        )
    return StillNeededCheck(
        guild_id=question.guild_id,
        channel_id=question.channel_id,
        question_message_id=question.message_id,
        asker_id=question.asker_id,
        at=now,
        snippet=question.snippet,
    )


def view_custom_id(choice: Literal["solved", "open"], question_message_id: int) -> str:
    """The persistent button id: survives restarts because it carries the question id."""
    return f"hearth:still:{choice}:{question_message_id}"


def parse_view_custom_id(custom_id: str) -> tuple[Literal["solved", "open"], int] | None:
    parts = custom_id.split(":")
    if len(parts) != 4 or parts[0] != "hearth" or parts[1] != "still":
        return None
    choice = parts[2]
    if choice not in ("solved", "open") or not parts[3].isdigit():
        return None
    return ("solved" if choice == "solved" else "open"), int(parts[3])


def check_wanted(
    question: QuestionFact,
    asker_seen: datetime | None,
    nudged_at: datetime | None,
    now: datetime,
    settings: NudgeSettings,
) -> bool:
    """Whether "still need help?" may go out now: nobody has responded at all, the asker has
    been active since the question went unanswered (so they are around to tap a button), and
    no nudge for it is still fresh (helpers may be on their way)."""
    if question.first_response_at is not None or question.responder_ids:
        return False
    waited_since = question.asked_at + timedelta(minutes=settings.first_after_minutes)
    if asker_seen is None or asker_seen <= waited_since:
        return False
    return nudged_at is None or now - nudged_at >= timedelta(hours=settings.nudge_fresh_hours)


@dataclass(frozen=True, slots=True)
class CheckInputs:
    """What deciding a "still need help?" needs: each asker's latest message, and when each
    question's nudge was sent."""

    asker_seen: Mapping[int, datetime]
    nudged_at: Mapping[int, datetime]


@dataclass(frozen=True, slots=True)
class PingBudget:
    """What is left of the server's day: pings (nudges and checks together), and of those, how
    many may still be checks (at most half the day's budget goes to checks)."""

    pings: int
    checks: int

    @classmethod
    def left_today(cls, daily: int, pings_used: int, checks_used: int) -> PingBudget:
        return cls(max(0, daily - pings_used), max(0, min(daily - pings_used, daily // 2 - checks_used)))

    def allows(self, step: Step) -> bool:
        if step == "nudge":
            return self.pings > 0
        if step == "check":
            return self.checks > 0
        return True

    def spend(self, step: Step) -> PingBudget:
        if step == "nudge":
            return PingBudget(self.pings - 1, min(self.checks, self.pings - 1))
        if step == "check":
            return PingBudget(self.pings - 1, self.checks - 1)
        return self


def _under_weekly_cap(user_id: int, running: Mapping[int, Sequence[datetime]], now: datetime, cap: int) -> bool:
    week = now - timedelta(days=7)
    return sum(1 for at in running.get(user_id, ()) if at > week) < cap


def plan_actions(
    questions: Iterable[QuestionFact],
    sent_steps: Mapping[int, Collection[str]],
    candidates: Sequence[HelperProfile],
    history: Mapping[int, Sequence[datetime]],
    now: datetime,
    settings: NudgeSettings,
    *,
    help_wanted_channel_id: int | None = None,
    readable: Callable[[QuestionFact, int | None], bool] | None = None,
    budget: PingBudget | None = None,
    checks: CheckInputs | None = None,
) -> list[NudgeLadderAction]:
    """Every action due now for one guild's questions, oldest question first.

    Helpers chosen for one question count against the caps for the next ones; so does the
    asker of a "still need help?". `budget` is what the server may still get today (None: no
    limit); nudges come first, so a check never takes a waiting question's nudge; putting a
    question on the board is free. A
    check goes out only when `check_wanted` says so (`checks`: None never sends one). With
    `readable(question, user_id)` (`None`: @everyone), a question goes on the public board only
    when @everyone can read where it was asked, and only helpers who can read it are invited.
    """
    running: dict[int, list[datetime]] = {user: list(times) for user, times in history.items()}
    due: list[tuple[QuestionFact, Step, int | None]] = []
    for question in sorted(questions, key=lambda q: (q.asked_at, q.message_id)):
        listing_channel = help_wanted_channel_id
        if listing_channel is not None and readable is not None and not readable(question, None):
            listing_channel = None  # asked where not everyone can read: never listed publicly
        step = ladder_step_due(
            question,
            sent_steps.get(question.message_id, ()),
            now,
            settings,
            has_help_wanted_channel=listing_channel is not None,
        )
        if step is not None:
            due.append((question, step, listing_channel))
    left = None if budget is None else PingBudget(budget.pings, budget.checks)
    actions: list[NudgeLadderAction] = []
    # nudges before checks: a check never takes the budget a waiting question needed
    for question, step, listing_channel in sorted(due, key=lambda d: d[1] == "check"):
        if left is not None and not left.allows(step):
            continue
        if step in ("nudge", "check") and not settings.may_ping(question):
            continue  # not clearly a request for help: it may go on the board, nobody is pinged
        helper_ids: tuple[int, ...] = ()
        if step == "nudge":
            pool = candidates if readable is None else [c for c in candidates if readable(question, c.user_id)]
            helper_ids = tuple(choose_helpers(question, pool, running, now, settings.limits))
            for user_id in helper_ids:
                running.setdefault(user_id, []).append(now)
        if step == "check":
            if checks is None or not check_wanted(
                question,
                checks.asker_seen.get(question.asker_id),
                checks.nudged_at.get(question.message_id),
                now,
                settings,
            ):
                continue
            if not _under_weekly_cap(question.asker_id, running, now, settings.weekly_cap):
                continue
            running.setdefault(question.asker_id, []).append(now)
        action = build_action(step, question, now, helper_ids=helper_ids, help_wanted_channel_id=listing_channel)
        if action is not None:
            actions.append(action)
            if left is not None:
                left = left.spend(step)
    return actions
