"""Helper nudges as an application service: helper settings and the ladder poller.

What is due is derived from the database on every call, and each step is claimed (a
row guarded by a unique constraint) before it is handed out, so a restart or a second
process never hands out the same step twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.conversation.facts import QuestionFact
from bot.errors import InvalidInput
from bot.nudges import store as repo
from bot.nudges.helper_choice import HelperProfile
from bot.nudges.ladder import (
    CheckInputs,
    NudgeLadderAction,
    NudgeSettings,
    PingBudget,
    ladder_step_due,
    plan_actions,
)
from bot.nudges.relist import CLOSED_STEP, Relist, RelistRefused, plan_relist
from bot.nudges.store import helper_profiles
from bot.questions.visibility import EVERYONE, ChannelAccess, can_read_place
from bot.settings.guild import ServerSettings
from bot.settings.service import SettingsService

log = logging.getLogger(__name__)

HISTORY_WINDOW = timedelta(days=90)  # answers older than this do not count towards expertise
RATE_WINDOW = timedelta(days=7)  # nudge history needed for the caps and rotation
LONGEST_LADDER = timedelta(minutes=40320, hours=336)  # the largest allowed max_age
MAX_TOPICS = 10
MAX_TOPIC_CHARS = 40
MAX_PAUSE_DAYS = 365
CLOSE_LISTINGS_WINDOW = timedelta(days=30)  # listings older than this are left as they are


class NudgeInputError(InvalidInput):
    """A member or moderator gave a value we cannot accept (the message says which)."""


HelperInfo = repo.HelperRow  # what the cogs show about a helper
PostedListing = repo.PostedListing  # a help-wanted post of a question no longer open


def _readable(access: ChannelAccess | None) -> Callable[[QuestionFact, int | None], bool] | None:
    return None if access is None else can_read_place(access)


def parse_topics(raw: str | Sequence[str]) -> tuple[str, ...]:
    """Comma separated topics, lowercased, deduplicated, each at most 40 characters."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    topics: list[str] = []
    for part in parts:
        topic = " ".join(part.strip().lower().split())
        if not topic:
            continue
        if len(topic) > MAX_TOPIC_CHARS:
            raise NudgeInputError(f"A topic can be at most {MAX_TOPIC_CHARS} characters: {topic[:40]}…")
        if topic not in topics:
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise NudgeInputError(f"At most {MAX_TOPICS} topics, please.")
    return tuple(topics)


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise NudgeInputError(f"Unknown time zone {name!r}; use a name like Europe/Paris.") from exc
    return name


class NudgeService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        assume_opt_in: bool = False,
        settings: SettingsService | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self.assume_opt_in = assume_opt_in
        self._settings = settings or SettingsService(sessionmaker, clock)

    # --- members ----------------------------------------------------------------

    async def join(self, guild_id: int, user_id: int, topics: str | Sequence[str] = ()) -> HelperInfo:
        parsed = parse_topics(topics)
        async with self._sessionmaker.begin() as session:
            row = await repo.upsert_helper(
                session, guild_id, user_id, now=self._clock.now(), topics=list(parsed), active=True
            )
        return row

    async def leave(self, guild_id: int, user_id: int) -> bool:
        """Stop being a helper; False when the member was not one."""
        async with self._sessionmaker.begin() as session:
            current = await repo.get_helper(session, guild_id, user_id)
            if current is None or not current.active:
                return False
            await repo.upsert_helper(session, guild_id, user_id, now=self._clock.now(), active=False)
        return True

    async def pause(self, guild_id: int, user_id: int, days: int) -> datetime:
        """No nudges for `days` days (0 ends a pause). Joins the member if needed."""
        if not 0 <= days <= MAX_PAUSE_DAYS:
            raise NudgeInputError(f"Pause for 0 to {MAX_PAUSE_DAYS} days.")
        now = self._clock.now()
        until = now + timedelta(days=days)
        async with self._sessionmaker.begin() as session:
            await repo.upsert_helper(
                session, guild_id, user_id, now=now, paused_until=until if days else None
            )
        return until

    async def update_helper(
        self,
        guild_id: int,
        user_id: int,
        *,
        timezone: str | None = None,
        active_start_hour: int | None = None,
        active_end_hour: int | None = None,
        topics: str | Sequence[str] | None = None,
    ) -> HelperInfo:
        changes: dict[str, Any] = {}
        if timezone is not None:
            changes["timezone"] = check_timezone(timezone)
        if (active_start_hour is None) != (active_end_hour is None):
            raise NudgeInputError("Give both the start and the end hour of your waking hours.")
        if active_start_hour is not None and active_end_hour is not None:
            if not (0 <= active_start_hour <= 23 and 0 <= active_end_hour <= 23):
                raise NudgeInputError("Hours go from 0 to 23.")
            changes["active_start_hour"] = active_start_hour
            changes["active_end_hour"] = active_end_hour
        if topics is not None:
            changes["topics"] = list(parse_topics(topics))
        async with self._sessionmaker.begin() as session:
            row = await repo.upsert_helper(session, guild_id, user_id, now=self._clock.now(), **changes)
        return row

    async def helper(self, guild_id: int, user_id: int) -> HelperInfo | None:
        async with self._sessionmaker() as session:
            row = await repo.get_helper(session, guild_id, user_id)
        return row

    # --- moderators ---------------------------------------------------------------

    async def settings(self, guild_id: int) -> NudgeSettings:
        return (await self._settings.get(guild_id)).nudge_settings

    async def server_settings(self, guild_id: int) -> ServerSettings:
        return await self._settings.get(guild_id)

    async def update_settings(self, guild_id: int, **changes: Any) -> NudgeSettings:
        """Change some ladder settings; unknown names or out-of-range values are refused.

        Only the values a moderator set are stored, so a delay nobody set keeps following the
        server's response target."""
        current = await self._settings.get(guild_id)
        known = NudgeSettings().to_dict()
        overrides = {k: v for k, v in current.nudges.items() if k in known}
        for key, value in changes.items():
            if key not in known:
                raise NudgeInputError(f"Unknown nudge setting {key!r}.")
            overrides[key] = value
        parsed = NudgeSettings.from_dict(overrides, response_target_minutes=current.response_target_minutes)
        clamped = {k for k, v in changes.items() if parsed.to_dict()[k] != v}
        if clamped:
            raise NudgeInputError(f"Out of range: {', '.join(sorted(clamped))}.")
        fresh = await self._settings.store(guild_id, nudges=overrides)
        return fresh.nudge_settings

    # --- the ladder ---------------------------------------------------------------

    async def due(
        self,
        now: datetime | None = None,
        owns_guild: Callable[[int], bool] | None = None,
        access: ChannelAccess | None = None,
        *,
        only: Collection[int] | None = None,
    ) -> list[NudgeLadderAction]:
        """Everything to post now, across guilds, derived from the database.

        Steps already claimed are never returned again (also after a restart). Claim each
        action with `claim()` before posting it: only a True claim may be posted. With
        `access`, questions are listed publicly only from channels @everyone can read, and
        only helpers who can read a question are invited to it. `only`: these guilds alone
        (a caller that knows the others have nothing due: the replay).
        """
        now = now or self._clock.now()
        if only is None:
            async with self._sessionmaker() as session:
                guild_ids = await repo.guilds_with_open_questions(session, now - LONGEST_LADDER)
        else:
            guild_ids = list(only)
        actions: list[NudgeLadderAction] = []
        for guild_id in sorted(guild_ids):
            if owns_guild is not None and not owns_guild(guild_id):
                continue
            actions.extend(await self._plan_guild(guild_id, now, access))
        return actions

    async def take_due(
        self,
        now: datetime | None = None,
        owns_guild: Callable[[int], bool] | None = None,
        access: ChannelAccess | None = None,
    ) -> list[NudgeLadderAction]:
        """`due()` then `claim()` each: the actions this caller now owns and must post."""
        now = now or self._clock.now()
        return [action for action in await self.due(now, owns_guild, access) if await self.claim(action, now)]

    async def _plan_guild(
        self, guild_id: int, now: datetime, access: ChannelAccess | None = None
    ) -> list[NudgeLadderAction]:
        async with self._sessionmaker() as session:
            config = await self._settings.read(session, guild_id)
            settings = config.nudge_settings
            if not settings.enabled:
                return []
            first_delay = timedelta(minutes=settings.first_after_minutes)
            questions = await repo.open_questions_between(session, guild_id, now - settings.max_age, now)
            sent = await repo.sent_steps(session, [q.message_id for q in questions]) if questions else {}
            questions = [q for q in questions if q.asked_at <= now - first_delay]
            if not questions:
                return []
            has_channel = config.help_wanted_channel_id is not None
            due_steps = [
                ladder_step_due(
                    q, sent.get(q.message_id, ()), now, settings, has_help_wanted_channel=has_channel
                )
                for q in questions
            ]
            if not any(step is not None for step in due_steps):
                return []
            # nudges and checks ping (budget and caps), and only for questions read surely enough
            pings_due = {
                step
                for q, step in zip(questions, due_steps, strict=True)
                if step in ("nudge", "check") and settings.may_ping(q)
            }
            budget = None
            if pings_due:
                activity, pings, checks_used = await repo.budget_inputs(session, guild_id, now)
                budget = PingBudget.left_today(settings.daily_budget(activity), pings, checks_used)
                pings_due = {step for step in pings_due if budget.allows(step)}
                if all(step in (None, "nudge", "check") for step in due_steps) and not pings_due:
                    return []  # nothing free is due and the day's budget is spent
            # what choosing helpers and asking askers needs, only when the budget lets them go out
            candidates, history = await self._choice_inputs(session, config, now, "nudge" in pings_due)
            if pings_due == {"check"}:  # a check counts against the asker's weekly cap
                history = await repo.nudge_history(session, guild_id, now - RATE_WINDOW)
            checks = None
            if "check" in pings_due:
                checking = [q for q, step in zip(questions, due_steps, strict=True) if step == "check"]
                checks = CheckInputs(
                    asker_seen=await repo.last_seen(session, guild_id, [q.asker_id for q in checking]),
                    nudged_at=await repo.nudged_at(session, [q.message_id for q in checking]),
                )
        return plan_actions(
            questions,
            sent,
            candidates,
            history,
            now,
            settings,
            help_wanted_channel_id=config.help_wanted_channel_id,
            readable=_readable(access),
            budget=budget,
            checks=checks,
        )

    async def _choice_inputs(
        self, session: AsyncSession, config: ServerSettings, now: datetime, wanted: bool
    ) -> tuple[list[HelperProfile], dict[int, list[datetime]]]:
        """The possible helpers and their recent nudges (nothing when no helper is wanted)."""
        if not wanted:
            return [], {}
        candidates = await helper_profiles(
            session,
            config.guild_id,
            default_timezone=config.timezone,
            history_since=now - HISTORY_WINDOW,
            assume_opt_in=self.assume_opt_in,
        )
        return list(candidates), await repo.nudge_history(session, config.guild_id, now - RATE_WINDOW)

    async def claim(self, action: NudgeLadderAction, now: datetime | None = None, *, sent: bool = False) -> bool:
        """Record the step before it is posted; False when it was already claimed. `sent`: it
        is marked sent at once (with no message: the replay, which posts nothing)."""
        now = now or self._clock.now()
        async with self._sessionmaker.begin() as session:
            return await repo.claim(session, action, now, sent=sent)

    async def mark_sent(self, action: NudgeLadderAction | Relist, message_id: int | None) -> None:
        async with self._sessionmaker.begin() as session:
            await repo.mark_sent(
                session, action.question_message_id, action.step, message_id, self._clock.now()
            )

    async def release(self, action: NudgeLadderAction | Relist) -> None:
        """Give a claimed step back after a passing failure to post it (a later poll retries)."""
        async with self._sessionmaker.begin() as session:
            await repo.release(session, action.question_message_id, action.step)

    # --- "still need help" and closed listings ---------------------------------------

    async def relist(
        self, question: QuestionFact, now: datetime | None = None, access: ChannelAccess | None = None
    ) -> Relist | RelistRefused:
        """List an open question again and invite helpers not invited to it yet (with `access`:
        listed only when @everyone can read its channel, to helpers who can read it).

        The re-listing is claimed before it is returned (a double click gets a refusal):
        post it, then `mark_sent()` it, or `release()` it after a passing failure.
        """
        now = now or self._clock.now()
        guild_id = question.guild_id
        async with self._sessionmaker() as session:
            config = await self._settings.read(session, guild_id)
            settings = config.nudge_settings
            relisted_at, invited = await repo.relist_history(session, question.message_id)
            plan = plan_relist(question, relisted_at, invited, [], {}, now, settings)
            if isinstance(plan, RelistRefused):
                return plan
            wanted = settings.enabled and settings.helpers_per_nudge > 0
            candidates, history = await self._choice_inputs(session, config, now, wanted)
        listing_channel = config.help_wanted_channel_id
        if access is not None:
            readable = can_read_place(access)
            candidates = [c for c in candidates if readable(question, c.user_id)]
            if not readable(question, EVERYONE):
                listing_channel = None
        plan = plan_relist(
            question,
            relisted_at,
            invited,
            candidates,
            history,
            now,
            settings,
            help_wanted_channel_id=listing_channel,
        )
        if isinstance(plan, RelistRefused):
            return plan
        async with self._sessionmaker.begin() as session:
            claimed = await repo.claim_step(
                session,
                guild_id=guild_id,
                question_message_id=question.message_id,
                step=plan.step,
                channel_id=plan.listing_channel_id or plan.channel_id,
                now=now,
                helper_ids=plan.helper_ids,
            )
        if not claimed:  # a second click, or another process, got there first
            return RelistRefused("too_soon", now + timedelta(hours=settings.relist_every_hours))
        return plan

    async def posted_listings(self, question_message_id: int) -> list[tuple[int, int]]:
        """(channel id, message id) of the question's help-wanted posts so far."""
        async with self._sessionmaker() as session:
            return await repo.posted_listings(session, question_message_id)

    async def take_listings_to_close(
        self, now: datetime | None = None, owns_guild: Callable[[int], bool] | None = None
    ) -> list[list[PostedListing]]:
        """Listings to mark answered, grouped per question, each question claimed once.

        Edit them, then `closed_listings_done()`; `release_closed()` after a passing failure.
        """
        now = now or self._clock.now()
        async with self._sessionmaker() as session:
            rows = await repo.listings_to_close(session, now - CLOSE_LISTINGS_WINDOW)
        grouped: dict[int, list[PostedListing]] = {}
        for row in rows:
            if owns_guild is None or owns_guild(row.guild_id):
                grouped.setdefault(row.question_message_id, []).append(row)
        taken: list[list[PostedListing]] = []
        for question_id, listings in grouped.items():
            async with self._sessionmaker.begin() as session:
                claimed = await repo.claim_step(
                    session,
                    guild_id=listings[0].guild_id,
                    question_message_id=question_id,
                    step=CLOSED_STEP,
                    channel_id=None,
                    now=now,
                )
            if claimed:
                taken.append(listings)
        return taken

    async def closed_listings_done(self, question_message_id: int) -> None:
        async with self._sessionmaker.begin() as session:
            await repo.mark_sent(session, question_message_id, CLOSED_STEP, None, self._clock.now())

    async def release_closed(self, question_message_id: int) -> None:
        async with self._sessionmaker.begin() as session:
            await repo.release(session, question_message_id, CLOSED_STEP)

    async def record_check_answer(self, guild_id: int, question_message_id: int, answer: str) -> bool:
        """Keep the asker's answer to "still need help?" ("solved" or "stuck"); the first one counts."""
        if answer not in ("solved", "stuck"):
            raise NudgeInputError(f"Unknown answer {answer!r}.")
        async with self._sessionmaker.begin() as session:
            return await repo.record_check_answer(session, guild_id, question_message_id, answer, self._clock.now())

    async def check_answers(self, question_message_id: int) -> set[str]:
        """The recorded answers to the question's "still need help?" (at most one)."""
        async with self._sessionmaker() as session:
            steps = (await repo.sent_steps(session, [question_message_id])).get(question_message_id, set())
        return {step.split(":", 1)[1] for step in steps if step.startswith("check:")}

    async def stats(self, guild_id: int, start: datetime, end: datetime) -> tuple[int, int]:
        """(nudges sent, nudges followed by an answer from a nudged helper) in [start, end)."""
        async with self._sessionmaker.begin() as session:
            await repo.refresh_answered(session, guild_id, start - RATE_WINDOW)
            return await repo.nudge_stats(session, guild_id, start, end)
