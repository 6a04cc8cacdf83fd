"""The weekly digest service: what is due, the exactly-once claim, previews and builds.

`due(now)` lists the servers whose digest for the newest due week has no `digests` row yet
(late ones included, marked late); `claim(action)` writes that row before anything is
posted, so a second `due()` (a restart, a second process) never yields the same week again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.digest import inputs_store as sql
from bot.digest import store as repo
from bot.digest import week_pairs_store as week_pairs
from bot.digest.metrics import compute_week
from bot.digest.week_digest import (
    INPUT_WEEKS,
    LATE_AFTER,
    ActivityStats,
    DigestAction,
    DigestSettings,
    WeekCounts,
    WeekDigest,
    WeekInputs,
    WeekWindow,
    last_due_week,
    parse_week_key,
    post_time,
    stored_figures,
    week_bounds,
    week_key_of,
    week_windows,
)
from bot.errors import InvalidInput
from bot.settings import store as settings_repo
from bot.settings.guild import ServerSettings
from bot.settings.service import SettingsService

log = logging.getLogger(__name__)

StatsFn = Callable[[AsyncSession, int, datetime, datetime], Awaitable[tuple[int, int]]]
StaffSource = Callable[[int], Collection[int]]
OwnsGuild = Callable[[int], bool]
DETAIL_WEEKS = 2  # weeks with every figure: the digest week and the one before (for the deltas)


async def _intro_stats(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime
) -> tuple[int, int]:
    from bot.intros.store import intro_stats

    return await intro_stats(session, guild_id, start, end)


async def _nudge_stats(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime
) -> tuple[int, int]:
    from bot.nudges.store import nudge_stats

    return await nudge_stats(session, guild_id, start, end)


class DigestService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        intro_stats: StatsFn | None = _intro_stats,
        nudge_stats: StatsFn | None = _nudge_stats,
        staff_source: StaffSource | None = None,
        settings: SettingsService | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._settings = settings or SettingsService(sessionmaker, clock)
        self._intro_stats = intro_stats
        self._nudge_stats = nudge_stats
        self._staff_source = staff_source

    def set_staff_source(self, source: StaffSource | None) -> None:
        """Extra staff/owner ids per server (the runtime knows owners and staff roles)."""
        self._staff_source = source

    # ---- settings ----------------------------------------------------------------------

    async def config(self, guild_id: int) -> ServerSettings:
        return await self._settings.get(guild_id)

    async def scheduled_settings(self) -> list[ServerSettings]:
        """Servers whose digest is on and has a channel to go to."""
        return [s for s in await self._settings.with_digest_channel() if s.digest_settings.enabled]

    async def update_settings(
        self, guild_id: int, *, channel_id: int | None = None, **changes: object
    ) -> ServerSettings:
        """Change some digest settings; values are validated by `DigestSettings.from_json`."""
        current = await self._settings.get(guild_id)
        merged = {**current.digest_settings.to_json(), **{k: v for k, v in changes.items() if v is not None}}
        parsed = DigestSettings.from_json(merged)
        rejected = [k for k, v in changes.items() if v is not None and parsed.to_json().get(k) != v]
        if rejected:
            raise InvalidInput(f"Invalid digest setting(s): {', '.join(sorted(rejected))}.")
        values: dict[str, object] = {"digest": parsed.to_json()}
        if channel_id is not None:
            values["digest_channel_id"] = channel_id
        return await self._settings.store(guild_id, **values)

    # ---- building ----------------------------------------------------------------------

    async def build(
        self, guild_id: int, week_key: str, *, as_of: datetime | None = None, partial: bool = False
    ) -> WeekDigest:
        """Compute the digest of `week_key` ("2025-W03") for one server."""
        parse_week_key(week_key)
        async with self._sessionmaker() as session:
            cfg = await self._settings.read(session, guild_id)
        windows = week_windows(week_key, cfg.timezone, INPUT_WEEKS)
        until = min(windows[0].end, as_of) if as_of is not None else windows[0].end
        await self.refresh_pairs(guild_id, until)
        now = self._clock.now()
        async with self._sessionmaker() as session:
            cached = await repo.cached_weeks(session, guild_id, [w.key for w in windows[1:]], cfg.timezone)
            usable = {
                key: counts
                for key, (counts, detail) in cached.items()
                if detail or key not in {w.key for w in windows[:DETAIL_WEEKS]}
            }
            missing = [w for w in windows if w.index == 0 or w.key not in usable]
            scan = windows[: missing[-1].index + 1]  # a contiguous run of weeks covers the missing ones
            who = await repo.people(session, guild_id)
            staff = set(who.staff_ids)
            if self._staff_source is not None:
                staff.update(self._staff_source(guild_id))
            groups = sql.Groups(frozenset(staff), who.bot_ids)
            first_end = min(windows[0].end, until)
            # the digest week's interactions are read once; its figures come from that table
            await week_pairs.load(session, guild_id, windows[0].start, first_end, groups)
            older = scan[1:]
            interactions = (
                await sql.interaction_counts(session, guild_id, older, min(windows[0].start, until), groups)
                if older
                else {}
            )
            interactions[0] = await week_pairs.interaction_counts(session)
            new = await sql.new_connections(session, guild_id, scan, until, groups)
            questions = await sql.question_counts(
                session, guild_id, scan, until, groups, cfg.response_target_minutes, as_of
            )
            weeks = [
                usable[w.key]
                if w.index > 0 and w.key in usable
                else await self._week(session, guild_id, w, until, groups, interactions, new, questions)
                for w in windows
            ]
            ranking, helped = await sql.helper_ranking(
                session,
                guild_id,
                windows[0].start,
                first_end,
                groups,
                who.opted_out_ids,
                cfg.digest_settings.top_helpers,
            )
            ties = await week_pairs.tie_edges(session, sql.TIE_EDGES_LIMIT)
            open_questions = await sql.open_questions(session, guild_id, windows[0].start, first_end, groups)
            newcomers = await sql.unanswered_newcomers(session, guild_id, windows[0].start, first_end, groups)
        finished = {
            w.key: (weeks[w.index], w.index < DETAIL_WEEKS)
            for w in missing
            if w.index > 0 and w.end + sql.REFRESH_MARGIN <= min(now, until + sql.REFRESH_MARGIN)
        }
        async with self._sessionmaker.begin() as session:
            await repo.store_weeks(session, guild_id, finished, cfg.timezone, now)
        inputs = WeekInputs(
            guild_id=guild_id,
            week_key=week_key,
            timezone=cfg.timezone,
            weeks=weeks,
            helper_ranking=ranking,
            helped=helped,
            tie_edges=ties,
            open_questions=open_questions,
            unanswered_newcomers=newcomers,
            opted_out_ids=who.opted_out_ids,
            response_target_minutes=cfg.response_target_minutes,
            settings=cfg.digest_settings,
            partial=partial,
            as_of=as_of,
        )
        return await asyncio.to_thread(compute_week, inputs)

    async def refresh_pairs(self, guild_id: int, until: datetime | None = None) -> int:
        """Bring the first-contact table up to `until` (default now); cheap when called often."""
        async with self._sessionmaker.begin() as session:
            return await sql.refresh_pair_firsts(session, guild_id, until or self._clock.now())

    async def _week(
        self,
        session: AsyncSession,
        guild_id: int,
        window: WeekWindow,
        until: datetime,
        groups: sql.Groups,
        interactions: dict[int, tuple[int, int, int]],
        new: dict[int, int],
        questions: dict[int, sql.QuestionCounts],
    ) -> WeekCounts:
        """One week's counts; members, newcomers, answers and activity only for the detail weeks."""
        total, member_total, connections = interactions.get(window.index, (0, 0, 0))
        qc = questions.get(window.index, sql.QuestionCounts())
        active = connected = joined = replied = answers = 0
        top: list[int] = []
        activity = ActivityStats()
        end = min(window.end, until)
        if window.index < DETAIL_WEEKS and window.start < end:
            if window.index == 0:  # read from the week's pair table (`build` loaded it)
                active, connected = await week_pairs.active_and_connected(
                    session, guild_id, window.start, end, groups
                )
            else:
                active, connected = await sql.active_and_connected(session, guild_id, window.start, end, groups)
            joined, replied = await sql.newcomers(session, guild_id, window.start, end, groups)
            answers, top = await sql.answer_spread(session, guild_id, window.start, end, groups)
            activity = await self._activity(session, guild_id, window.start, window.end)
        return WeekCounts(
            interactions=total,
            member_interactions=member_total,
            new_connections=new.get(window.index, 0),
            active_connections=connections,
            active_members=active,
            connected_members=connected,
            questions_asked=qc.asked,
            questions_answered_by_members=qc.answered_by_members,
            questions_open=qc.open,
            target_judged=qc.judged,
            answered_within_target=qc.within_target,
            median_first_response_minutes=qc.median_minutes,
            newcomers=joined,
            newcomers_replied=replied,
            member_answers=answers,
            top1_answers=sum(top[:1]),
            top2_answers=sum(top[:2]),
            top3_answers=sum(top[:3]),
            activity=activity,
        )

    async def _activity(
        self, session: AsyncSession, guild_id: int, start: datetime, end: datetime
    ) -> ActivityStats:
        made = took = sent = answered = 0
        try:
            if self._intro_stats is not None:
                made, took = await self._intro_stats(session, guild_id, start, end)
            if self._nudge_stats is not None:
                sent, answered = await self._nudge_stats(session, guild_id, start, end)
        except SQLAlchemyError:
            log.warning("introduction/nudge figures unavailable for guild %s", guild_id, exc_info=True)
            await session.rollback()
        return ActivityStats(made, took, sent, answered)

    async def preview(self, guild_id: int, now: datetime | None = None) -> WeekDigest:
        """The week so far (the server's current ISO week)."""
        now = now or self._clock.now()
        cfg = await self.config(guild_id)
        return await self.build(guild_id, week_key_of(now, cfg.timezone), as_of=now, partial=True)

    # ---- the schedule ------------------------------------------------------------------

    async def due(
        self, now: datetime | None = None, owns_guild: OwnsGuild | None = None
    ) -> list[DigestAction]:
        """Digests that should be posted now and have not been claimed, each with its figures."""
        now = now or self._clock.now()
        async with self._sessionmaker() as session:
            configs = [
                c
                for c in await settings_repo.with_digest_channel(session, self._settings.defaults)
                if c.digest_settings.enabled and (owns_guild is None or owns_guild(c.guild_id))
            ]
            first_seen = await repo.first_activity(session, [c.guild_id for c in configs])
            # Only weeks with something to report: a new server (or a replay) gets no digest of
            # the weeks before its first message.
            configs = [
                c
                for c in configs
                if c.guild_id in first_seen
                and week_bounds(last_due_week(now, c.timezone, c.digest_settings), c.timezone)[1] > first_seen[c.guild_id]
            ]
            wanted = {c.guild_id: last_due_week(now, c.timezone, c.digest_settings) for c in configs}
            claimed = await repo.claimed_guilds(session, set(wanted.items()))
        for cfg in configs:  # keeps the first-contact table current, a poll's worth at a time
            await self.refresh_pairs(cfg.guild_id, now)
        actions: list[DigestAction] = []
        for cfg in configs:
            key = wanted[cfg.guild_id]
            if (cfg.guild_id, key) in claimed:
                continue
            late = now - post_time(key, cfg.timezone, cfg.digest_settings) > LATE_AFTER
            actions.append(await self._action(cfg.guild_id, key, cfg.digest_channel_id, now, late))
        return actions

    async def _action(
        self, guild_id: int, week_key: str, channel_id: int | None, now: datetime, late: bool
    ) -> DigestAction:
        digest = dataclasses.replace(await self.build(guild_id, week_key), late=late)
        return DigestAction(
            at=now,
            guild_id=guild_id,
            channel_id=channel_id,
            week_key=week_key,
            late=late,
            figures=digest.figures(),
            digest=digest,
        )

    async def claim(self, action: DigestAction, now: datetime | None = None) -> DigestAction | None:
        """Write the week's row before posting; the claimed action, or None if already claimed."""
        async with self._sessionmaker.begin() as session:
            digest_id = await repo.claim(
                session,
                action.guild_id,
                action.week_key,
                now or self._clock.now(),
                channel_id=action.channel_id,
                late=action.late,
                figures=stored_figures(action.figures),
            )
        return None if digest_id is None else dataclasses.replace(action, digest_id=digest_id)

    async def claim_due(
        self, now: datetime | None = None, owns_guild: OwnsGuild | None = None
    ) -> list[DigestAction]:
        """`due()` then `claim()` each: the digests this caller must post now."""
        now = now or self._clock.now()
        claimed = [await self.claim(action, now) for action in await self.due(now, owns_guild)]
        return [a for a in claimed if a is not None]

    async def mark_sent(
        self, action: DigestAction, message_id: int | None, channel_id: int | None = None
    ) -> None:
        if action.digest_id is None:
            return
        async with self._sessionmaker.begin() as session:
            await repo.mark_sent(
                session,
                action.digest_id,
                message_id=message_id,
                channel_id=channel_id if channel_id is not None else action.channel_id,
                posted_at=self._clock.now(),
            )

    async def send_now(self, guild_id: int, now: datetime | None = None) -> tuple[DigestAction, bool]:
        """The newest due week's digest to post at once; True when this claimed it (first post)."""
        now = now or self._clock.now()
        cfg = await self.config(guild_id)
        key = last_due_week(now, cfg.timezone, cfg.digest_settings)
        action = await self._action(guild_id, key, cfg.digest_channel_id, now, late=False)
        claimed = await self.claim(action, now)
        return (claimed or action), claimed is not None

    async def record(self, guild_id: int, week_key: str) -> repo.DigestRow | None:
        async with self._sessionmaker() as session:
            return await repo.get(session, guild_id, week_key)
