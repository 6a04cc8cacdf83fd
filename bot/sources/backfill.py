"""Backfill: read recent history of a server's channels through the same event pipeline.

Discord-free: the messages come from a `HistorySource` (the live one is
`bot.sources.history.DiscordHistory`; tests give a fake). Progress is kept per channel
in `backfill_progress` rows, saved only after the page's facts are flushed, so a
restart resumes after the last stored message and nothing is fed twice.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.conversation.events import Event

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1420070400000
DEFAULT_DAYS = 30
MAX_DAYS = 365


def snowflake_at(when: datetime) -> int:
    """The smallest Discord id that could have been created at `when`."""
    ms = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
    return max(ms, 0) << 22


@dataclass(frozen=True, slots=True)
class ChannelRef:
    guild_id: int
    channel_id: int
    name: str
    kind: str = "text"  # text | thread | forum_post


@dataclass(frozen=True, slots=True)
class HistoryPage:
    events: Sequence[Event]
    last_message_id: int
    messages: int


class HistorySource(Protocol):
    async def channels(self) -> list[ChannelRef]: ...

    def pages(self, channel: ChannelRef, after_id: int) -> AsyncIterator[HistoryPage]: ...


@dataclass(frozen=True, slots=True)
class ChannelProgress:
    guild_id: int
    channel_id: int
    newest_done_message_id: int | None
    done: bool
    target_after: datetime | None


class ProgressStore(Protocol):
    """Where per-channel progress lives (`backfill_progress`)."""

    async def load(self, guild_id: int) -> dict[int, ChannelProgress]: ...

    async def save(self, progress: ChannelProgress, at: datetime) -> None: ...


class Pipeline(Protocol):
    async def handle_many(self, events: Sequence[Event]) -> int: ...

    async def flush(self) -> None: ...


@dataclass
class BackfillReport:
    """Progress so far; passed to the progress callback after every page and channel."""

    guild_id: int
    days: int
    channels_total: int = 0
    channels_done: int = 0
    messages: int = 0
    current_channel: str | None = None
    skipped_channels: list[str] = field(default_factory=list)
    finished: bool = False
    resumed_channels: int = 0

    def summary(self) -> str:
        state = "done" if self.finished else "reading"
        where = f" (#{self.current_channel})" if self.current_channel and not self.finished else ""
        return (
            f"Backfill {state}{where}: {self.channels_done}/{self.channels_total} channels, "
            f"{self.messages} messages from the last {self.days} days."
        )


ProgressCallback = Callable[[BackfillReport], Awaitable[None]]


class BackfillBusyError(Exception):
    """A backfill of this server is already running."""


class BackfillService:
    def __init__(self, pipeline: Pipeline, store: ProgressStore, clock: Clock) -> None:
        self.pipeline = pipeline
        self.store = store
        self.clock = clock
        self._running: set[int] = set()

    def is_running(self, guild_id: int) -> bool:
        return guild_id in self._running

    async def run(
        self,
        source: HistorySource,
        guild_id: int,
        *,
        days: int = DEFAULT_DAYS,
        progress: ProgressCallback | None = None,
    ) -> BackfillReport:
        """Read the last `days` days of every channel the source offers, resuming where it stopped."""
        if guild_id in self._running:
            raise BackfillBusyError(f"a backfill of server {guild_id} is already running")
        days = max(1, min(int(days), MAX_DAYS))
        self._running.add(guild_id)
        try:
            return await self._run(source, guild_id, days, progress)
        finally:
            self._running.discard(guild_id)

    async def _run(
        self, source: HistorySource, guild_id: int, days: int, progress: ProgressCallback | None
    ) -> BackfillReport:
        report = BackfillReport(guild_id=guild_id, days=days)
        target_after = self.clock.now() - timedelta(days=days)
        floor_id = snowflake_at(target_after)
        channels = await source.channels()
        known = await self.store.load(guild_id)
        report.channels_total = len(channels)
        await _notify(progress, report)
        for channel in channels:
            report.current_channel = channel.name
            state = known.get(channel.channel_id)
            after_id = floor_id
            if (
                state is not None
                and state.newest_done_message_id is not None
                and state.target_after is not None
                and state.target_after <= target_after
            ):
                after_id = max(floor_id, state.newest_done_message_id)
                report.resumed_channels += 1
            try:
                await self._read_channel(source, channel, after_id, target_after, report, progress)
            except PermissionError:
                report.skipped_channels.append(channel.name)
                log.info("backfill skipped #%s: no access", channel.name)
            report.channels_done += 1
            await _notify(progress, report)
        report.finished = True
        report.current_channel = None
        await _notify(progress, report)
        return report

    async def _read_channel(
        self,
        source: HistorySource,
        channel: ChannelRef,
        after_id: int,
        target_after: datetime,
        report: BackfillReport,
        progress: ProgressCallback | None,
    ) -> None:
        newest = after_id  # everything up to here is read (the window's floor on a first run)
        async for page in source.pages(channel, after_id):
            if page.events:
                await self.pipeline.handle_many(page.events)
            await self.pipeline.flush()
            newest = page.last_message_id
            report.messages += page.messages
            await self.store.save(
                ChannelProgress(channel.guild_id, channel.channel_id, newest, False, target_after),
                self.clock.now(),
            )
            await _notify(progress, report)
        await self.store.save(
            ChannelProgress(channel.guild_id, channel.channel_id, newest, True, target_after),
            self.clock.now(),
        )


async def _notify(progress: ProgressCallback | None, report: BackfillReport) -> None:
    if progress is None:
        return
    try:
        await progress(report)
    except Exception:
        log.exception("backfill progress callback failed")


class SqlProgressStore:
    """`ProgressStore` on the `backfill_progress` table (through `bot.sources.progress_store`)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def load(self, guild_id: int) -> dict[int, ChannelProgress]:
        from bot.sources import progress_store as repo

        async with self._sessionmaker() as session:
            rows = await repo.get_backfill_progress(session, guild_id)
        return {
            row.channel_id: ChannelProgress(
                guild_id=row.guild_id,
                channel_id=row.channel_id,
                newest_done_message_id=row.newest_done_message_id,
                done=row.done,
                target_after=row.target_after,
            )
            for row in rows
        }

    async def save(self, progress: ChannelProgress, at: datetime) -> None:
        from bot.sources import progress_store as repo

        async with self._sessionmaker() as session, session.begin():
            await repo.set_backfill_progress(
                session,
                guild_id=progress.guild_id,
                channel_id=progress.channel_id,
                newest_done_message_id=progress.newest_done_message_id,
                done=progress.done,
                target_after=progress.target_after,
                updated_at=at,
            )
