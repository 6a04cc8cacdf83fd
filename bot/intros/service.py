"""Introductions service: the pool, rounds on each server's schedule, follow-ups and outcomes.

Everything that should happen is derived from the database: a round row per server per
week is inserted (claimed) before anyone is matched, a follow-up is claimed before it is
returned, so a restart or a second process never repeats either.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.intros import store as repo
from bot.intros.rounds import (
    FREQUENCIES,
    MAX_PER_ROUND_LIMIT,
    RESPONSES,
    IntroAction,
    IntroDue,
    IntroFollowUp,
    IntroRemoved,
    Outcome,
    as_outcome,
    conversation_starter,
    match_round,
    outcome_from_responses,
    round_due,
    round_key,
    scheduled_at,
    zone,
)
from bot.intros.store import IntroductionRow, IntroMemberRow
from bot.settings.guild import ServerSettings
from bot.settings.service import SettingsService

OwnsGuild = Callable[[int], bool]
MAX_PAUSE_WEEKS = 52
THREADED_MATCH_POOL = 500  # bigger pools are matched off the event loop


@dataclass(frozen=True, slots=True)
class IntroStatus:
    member: IntroMemberRow | None
    interests: tuple[str, ...]
    latest: IntroductionRow | None
    next_round_at: datetime | None


def _seed(guild_id: int, key: str) -> int:
    return zlib.crc32(f"{guild_id}:{key}".encode())


class IntroService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        settings: SettingsService | None = None,
    ) -> None:
        self._settings = settings or SettingsService(sessionmaker, clock)
        self._sessionmaker = sessionmaker
        self._clock = clock

    # ---- members ------------------------------------------------------------------------

    async def join(
        self, guild_id: int, user_id: int, *, frequency: str = "weekly", timezone: str | None = None
    ) -> IntroMemberRow:
        if frequency not in FREQUENCIES:
            raise InvalidInput(f"How often must be one of: {', '.join(FREQUENCIES)}.")
        if timezone is not None and zone(timezone).key != timezone:
            raise InvalidInput(f"Unknown time zone {timezone!r}; use a name like Europe/Paris.")
        async with self._sessionmaker() as session, session.begin():
            return await repo.upsert_member(
                session, guild_id, user_id, frequency=frequency, timezone=timezone, now=self._clock.now()
            )

    async def pause(self, guild_id: int, user_id: int, weeks: int) -> datetime:
        if not 1 <= weeks <= MAX_PAUSE_WEEKS:
            raise InvalidInput(f"Pause for 1 to {MAX_PAUSE_WEEKS} weeks.")
        until = self._clock.now() + timedelta(weeks=weeks)
        async with self._sessionmaker() as session, session.begin():
            member = await repo.get_member(session, guild_id, user_id)
            if member is None or not member.active:
                raise NotFound("You are not in introductions here; use /intros join first.")
            await repo.set_paused(session, guild_id, user_id, until)
        return until

    async def leave(self, guild_id: int, user_id: int) -> bool:
        async with self._sessionmaker() as session, session.begin():
            return await repo.set_active(session, guild_id, [user_id], False) > 0

    async def status(self, guild_id: int, user_id: int) -> IntroStatus:
        async with self._sessionmaker() as session:
            member = await repo.get_member(session, guild_id, user_id)
            interests = await repo.member_interests(session, guild_id, user_id)
            latest = await repo.latest_for_member(session, guild_id, user_id)
            cfg = await self._settings.read(session, guild_id)
        return IntroStatus(member, interests, latest, self.next_round_at(cfg, self._clock.now()))

    @staticmethod
    def next_round_at(cfg: ServerSettings, now: datetime) -> datetime | None:
        if not cfg.intro_settings.enabled:
            return None
        at = scheduled_at(now, cfg.timezone, cfg.intro_settings)
        return at if at > now else scheduled_at(now + timedelta(weeks=1), cfg.timezone, cfg.intro_settings)

    # ---- settings -----------------------------------------------------------------------

    async def pool_settings(self) -> list[ServerSettings]:
        """The settings of every server with at least one active member in the pool."""
        async with self._sessionmaker() as session:
            return await self._pool_settings(session)

    async def _pool_settings(self, session: AsyncSession) -> list[ServerSettings]:
        found = await self._settings.read_many(session, await repo.pool_guilds(session))
        return [found[gid] for gid in sorted(found)]

    async def get_settings(self, guild_id: int) -> ServerSettings:
        return await self._settings.get(guild_id)

    async def update_settings(
        self,
        guild_id: int,
        *,
        weekday: int | None = None,
        hour: int | None = None,
        group_size: int | None = None,
        intro_channel_id: int | None = None,
        enabled: bool | None = None,
        max_per_round: int | None = None,
    ) -> ServerSettings:
        if max_per_round is not None and not 1 <= max_per_round <= MAX_PER_ROUND_LIMIT:
            raise InvalidInput(f"Introductions per round must be 1 to {MAX_PER_ROUND_LIMIT:,}.")
        if weekday is not None and not 0 <= weekday <= 6:
            raise InvalidInput("Day must be 0 (Monday) to 6 (Sunday).")
        if hour is not None and not 0 <= hour <= 23:
            raise InvalidInput("Hour must be 0 to 23, in the server's time zone.")
        if group_size is not None and group_size not in (2, 3):
            raise InvalidInput("Group size must be 2 or 3.")
        cfg = await self._settings.get(guild_id)
        s = cfg.intro_settings
        new = replace(
            s,
            weekday=s.weekday if weekday is None else weekday,
            hour=s.hour if hour is None else hour,
            group_size=s.group_size if group_size is None else group_size,
            enabled=s.enabled if enabled is None else enabled,
            max_per_round=s.max_per_round if max_per_round is None else max_per_round,
        )
        channel = cfg.intro_channel_id if intro_channel_id is None else intro_channel_id
        return await self._settings.store(guild_id, intros=new.to_json(), intro_channel_id=channel)

    # ---- scheduled work -----------------------------------------------------------------

    async def due(self, now: datetime, owns_guild: OwnsGuild | None = None) -> list[IntroDue]:
        """Everything to post now: rounds that are due (claimed here) and follow-ups (claimed)."""
        await self.expire(now, owns_guild)  # first, so a round sees who ignored the last ones
        async with self._sessionmaker() as session:
            configs = await self._pool_settings(session)
        actions: list[IntroDue] = []
        for cfg in configs:
            if owns_guild is not None and not owns_guild(cfg.guild_id):
                continue
            key = round_due(now, cfg.timezone, cfg.intro_settings)
            if key is None:
                continue
            async with self._sessionmaker() as session:
                done = key in await repo.round_keys(session, cfg.guild_id)
            if not done:
                actions.extend(await self._run(cfg, now, key))
        actions.extend(await self.follow_ups(now, owns_guild))
        return actions

    async def run_round(self, guild_id: int, now: datetime, *, manual: bool = True) -> list[IntroDue]:
        """Run a round now (the moderator's run-now, or the scheduled one when `manual` is False)."""
        async with self._sessionmaker() as session:
            cfg = await self._settings.read(session, guild_id)
        key = f"m{now:%Y%m%dT%H%M%S}" if manual else round_key(now, cfg.timezone)
        return await self._run(cfg, now, key)

    async def _run(self, cfg: ServerSettings, now: datetime, key: str) -> list[IntroDue]:
        async with self._sessionmaker() as session, session.begin():
            round_id = await repo.claim_round(session, cfg.guild_id, key, now)
            if round_id is None:
                return []
            candidates = await repo.load_candidates(session, cfg.guild_id, now, cfg.timezone)
            window = timedelta(weeks=cfg.intro_settings.repeat_window_weeks)
            history = await repo.recent_pairs(session, cfg.guild_id, now - window)
            connected = await repo.connected_pairs(session, cfg.guild_id)
            args = (candidates, history, connected, now, cfg.intro_settings, _seed(cfg.guild_id, key))
            if len(candidates) > THREADED_MATCH_POOL:
                result = await asyncio.to_thread(match_round, *args)
            else:
                result = match_round(*args)
            planned = [
                (g.members, g.shared_interests, conversation_starter(g.shared_interests, i))
                for i, g in enumerate(result.groups)
            ]
            ids = await repo.record_introductions(
                session, cfg.guild_id, round_id, now, cfg.intro_channel_id, planned
            )
            await repo.set_active(session, cfg.guild_id, result.removed, False)
        actions: list[IntroDue] = [IntroRemoved(now, cfg.guild_id, uid) for uid in result.removed]
        actions.extend(
            IntroAction(now, cfg.guild_id, cfg.intro_channel_id, intro_id, members, shared, starter, key)
            for intro_id, (members, shared, starter) in zip(ids, planned, strict=True)
        )
        return actions

    async def follow_ups(self, now: datetime, owns_guild: OwnsGuild | None = None) -> list[IntroFollowUp]:
        """Claim the follow-ups that are due, in one transaction per server, and say for each
        whether the members have talked since (then it is `interacted`) or should be asked."""
        async with self._sessionmaker() as session:
            pending = await repo.follow_up_candidates(session, now - timedelta(days=1))
        by_guild: dict[int, list[tuple[int, datetime]]] = {}
        for intro_id, guild_id, created_at in pending:
            if owns_guild is None or owns_guild(guild_id):
                by_guild.setdefault(guild_id, []).append((intro_id, created_at))
        out: list[IntroFollowUp] = []
        for guild_id, items in by_guild.items():
            days = (await self.get_settings(guild_id)).intro_settings.follow_up_days
            due = [i for i, created_at in items if now - created_at >= timedelta(days=days)]
            if not due:
                continue
            async with self._sessionmaker() as session, session.begin():
                claimed = await repo.claim_follow_ups(session, due, now)
                rows = await repo.introductions(session, claimed)
                talked = await repo.interacted(session, [r.id for r in rows if r.outcome == "pending"])
                await repo.close_as_interacted(session, guild_id, sorted(talked), now)
            for row in rows:
                outcome = "interacted" if row.id in talked else as_outcome(row.outcome)
                out.append(IntroFollowUp(now, guild_id, row.thread_id, row.id, row.members, outcome))
        return out

    async def expire(self, now: datetime, owns_guild: OwnsGuild | None = None) -> int:
        """Introductions nobody answered `follow_up_days` after the follow-up become `ignored`."""
        async with self._sessionmaker() as session:
            stale = await repo.expirable(session, now - timedelta(days=1))
        by_guild: dict[int, list[tuple[int, datetime]]] = {}
        for intro_id, guild_id, followed_up_at in stale:
            if owns_guild is None or owns_guild(guild_id):
                by_guild.setdefault(guild_id, []).append((intro_id, followed_up_at))
        closed = 0
        for guild_id, items in by_guild.items():
            days = (await self.get_settings(guild_id)).intro_settings.follow_up_days
            due = [i for i, at in items if now - at >= timedelta(days=days)]
            if due:
                async with self._sessionmaker() as session, session.begin():
                    closed += await repo.close_ignored(session, due, now)
        return closed

    async def mark_delivered(self, intro_id: int, channel_id: int | None, thread_id: int | None) -> None:
        """The introduction was posted: in `thread_id` (a private thread of `channel_id`) or by DM."""
        async with self._sessionmaker() as session, session.begin():
            await repo.mark_sent(session, intro_id, channel_id, thread_id, self._clock.now())

    async def claim(self, action: IntroDue) -> bool:
        """Actions from `due()` were claimed there (the round row, the follow-up stamp), so a
        restart never yields them again; an introduction is ours to post until it is sent."""
        if not isinstance(action, IntroAction):
            return True
        intro = await self.get_introduction(action.introduction_id)
        return intro is not None and intro.sent_at is None

    async def mark_sent(self, action: IntroDue, message_id: int | None) -> None:
        """The scheduler-facing form of `mark_delivered` (used by the replay, which posts nothing)."""
        if isinstance(action, IntroAction):
            await self.mark_delivered(action.introduction_id, action.channel_id, None)

    async def take_due(self, now: datetime) -> list[dict[str, Any]]:
        """The replay's hook: claim everything due at `now`, record it as sent (nothing is
        posted), and return the action records (`demo --json`)."""
        records: list[dict[str, Any]] = []
        for action in await self.due(now):
            if await self.claim(action):
                records.append(action.to_record())
                await self.mark_sent(action, None)
        return records

    async def get_introduction(self, intro_id: int) -> IntroductionRow | None:
        async with self._sessionmaker() as session:
            return await repo.get_introduction(session, intro_id)

    async def record_response(self, intro_id: int, user_id: int, response: str) -> Outcome:
        """A member pressed We talked / Not yet / Skip; returns the introduction's outcome."""
        if response not in RESPONSES:
            raise InvalidInput("Unknown answer.")
        async with self._sessionmaker() as session, session.begin():
            intro = await repo.get_introduction(session, intro_id)
            if intro is None:
                raise NotFound("That introduction no longer exists.")
            if not await repo.record_response(session, intro_id, user_id, response):
                raise NotAllowed("Only the members of this introduction can answer.")
            responses = dict(intro.responses)
            responses[user_id] = response
            outcome = outcome_from_responses(responses.values())
            if intro.outcome == "interacted":
                return "interacted"
            await repo.set_outcome(
                session, intro_id, outcome, self._clock.now() if outcome != "pending" else None
            )
        return outcome

    @staticmethod
    async def intro_stats(
        session: AsyncSession, guild_id: int, start: datetime, end: datetime
    ) -> tuple[int, int]:
        """(made, took) for the digest: introductions created in [start, end) and those that led
        to a conversation (`talked` or `interacted`)."""
        return await repo.intro_stats(session, guild_id, start, end)


__all__ = ["IntroService", "IntroStatus"]
