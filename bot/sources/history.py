"""Reads a server's recent history from Discord for the backfill service.

Politeness: discord.py waits out 429s itself; on top of that we pause between pages
of 100 messages, and read one channel at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.conversation.events import Event, ReactionAdded
from bot.sources import gateway as convert
from bot.sources.backfill import BackfillReport, ChannelRef, HistoryPage, ProgressCallback

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

log = logging.getLogger(__name__)

PAGE_SIZE = 100
DEFAULT_PAUSE_SECONDS = 0.5
# Reactions whose users are worth one extra request: they mark an answer.
ANSWER_EMOJIS = frozenset({"✅", "☑️", "✔️"})
MAX_REACTION_USERS = 25


def _can_read(channel: discord.abc.GuildChannel | discord.Thread, me: discord.Member) -> bool:
    perms = channel.permissions_for(me)
    return perms.view_channel and perms.read_message_history


class DiscordHistory:
    """A `HistorySource` over one live guild."""

    def __init__(
        self,
        guild: discord.Guild,
        *,
        page_size: int = PAGE_SIZE,
        pause_seconds: float = DEFAULT_PAUSE_SECONDS,
    ) -> None:
        self.guild = guild
        self.page_size = page_size
        self.pause_seconds = pause_seconds
        self._threads: dict[int, discord.Thread] = {}

    async def channels(self) -> list[ChannelRef]:
        me = self.guild.me
        refs: list[ChannelRef] = []
        for channel in self.guild.text_channels:
            if _can_read(channel, me):
                refs.append(ChannelRef(self.guild.id, channel.id, channel.name, "text"))
        try:
            threads = await self.guild.active_threads()
        except discord.HTTPException:
            log.info("could not list active threads of guild %s; using the cache", self.guild.id)
            threads = list(self.guild.threads)
        for thread in sorted(threads, key=lambda t: t.id):
            if thread.is_private() or not _can_read(thread, me):
                continue
            self._threads[thread.id] = thread
            kind = "forum_post" if convert.thread_is_forum_post(thread) else "thread"
            refs.append(ChannelRef(self.guild.id, thread.id, thread.name, kind))
        return refs

    def _resolve(self, ref: ChannelRef) -> discord.TextChannel | discord.Thread | None:
        thread = self._threads.get(ref.channel_id)
        if thread is not None:
            return thread
        channel = self.guild.get_channel_or_thread(ref.channel_id)
        if isinstance(channel, discord.TextChannel | discord.Thread):
            return channel
        return None

    async def pages(self, channel: ChannelRef, after_id: int) -> AsyncIterator[HistoryPage]:
        target = self._resolve(channel)
        if target is None:
            return
        events: list[Event] = []
        count = 0
        last_id = after_id
        if isinstance(target, discord.Thread) and target.id > after_id:
            events.append(convert.thread_created(target, at=discord.utils.snowflake_time(target.id)))
        try:
            async for message in target.history(
                limit=None, after=discord.Object(id=after_id), oldest_first=True
            ):
                count += 1
                last_id = message.id
                if not message.author.bot:
                    event = convert.message_created(message)
                    if event is not None:
                        events.append(event)
                events.extend(await self._answer_reactions(message))
                if count >= self.page_size:
                    yield HistoryPage(events, last_id, count)
                    events, count = [], 0
                    await asyncio.sleep(self.pause_seconds)
        except discord.Forbidden as error:
            raise PermissionError(str(error)) from error
        if count or events:
            yield HistoryPage(events, last_id, count)

    async def _answer_reactions(self, message: discord.Message) -> list[Event]:
        if message.guild is None:
            return []
        found: list[Event] = []
        for reaction in message.reactions:
            key = convert.emoji_key(reaction.emoji)
            if key not in ANSWER_EMOJIS:
                continue
            at: datetime = message.edited_at or message.created_at
            seen: set[int] = set()
            async for user in reaction.users(limit=MAX_REACTION_USERS):
                if user.bot or user.id in seen:
                    continue
                seen.add(user.id)
                found.append(
                    ReactionAdded(
                        guild_id=message.guild.id,
                        channel_id=message.channel.id,
                        message_id=message.id,
                        user_id=user.id,
                        emoji=key,
                        at=at,
                        message_author_id=message.author.id,
                    )
                )
        return found


async def run_guild_backfill(
    bot: HearthBot,
    guild: discord.Guild,
    *,
    days: int,
    progress: ProgressCallback | None = None,
    pause_seconds: float = DEFAULT_PAUSE_SECONDS,
) -> BackfillReport:
    """Backfill one guild through `bot.services.backfill` (raises BackfillBusyError if one runs)."""
    service = bot.services.backfill
    if service is None:
        raise RuntimeError("the backfill service is not configured")
    source = DiscordHistory(guild, pause_seconds=pause_seconds)
    report: BackfillReport = await service.run(source, guild.id, days=days, progress=progress)
    log.info(
        "backfill of guild %s finished: %d channels, %d messages",
        guild.id,
        report.channels_done,
        report.messages,
    )
    return report
