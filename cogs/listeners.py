"""Gateway listeners: every Discord event Hearth tracks becomes one engine event in the pipeline.

Raw events are used for edits, deletes, reactions and leaves so that messages and members
that are not in the cache are still seen. Bots and DMs are dropped here; excluded channels
and opted-out members are the pipeline's rules.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.conversation.events import Event
from bot.sources import gateway as convert
from bot.sources.history import run_guild_backfill

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

log = logging.getLogger(__name__)


class Listeners(commands.Cog):
    def __init__(self, bot: HearthBot) -> None:
        self.bot = bot
        self._join_backfills: set[asyncio.Task[None]] = set()

    async def _feed(self, event: Event | None) -> None:
        if event is not None:
            await self.bot.services.pipeline.handle(event)

    def _now(self) -> datetime:
        return self.bot.clock.now()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        await self._feed(convert.message_created(message))

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        author = payload.data.get("author")
        if isinstance(author, dict) and author.get("bot"):
            return
        await self._feed(convert.message_edited(payload, at=self._now()))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self._feed(convert.message_deleted(payload, at=self._now()))

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for event in convert.messages_bulk_deleted(payload, at=self._now()):
            await self._feed(event)

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.member is not None and payload.member.bot:
            return
        if self.bot.user is not None and payload.user_id == self.bot.user.id:
            return
        author_id = payload.message_author_id
        if author_id is None:
            cached = discord.utils.get(self.bot.cached_messages, id=payload.message_id)
            author_id = cached.author.id if cached is not None else None
        await self._feed(convert.reaction_added(payload, at=self._now(), message_author_id=author_id))

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        if self.bot.user is not None and payload.user_id == self.bot.user.id:
            return
        await self._feed(convert.reaction_removed(payload, at=self._now()))

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        owner = thread.owner
        if owner is not None and owner.bot:
            return
        if self.bot.user is not None and thread.owner_id == self.bot.user.id:
            return
        await self._feed(convert.thread_created(thread, at=self._now()))

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        await self._feed(convert.member_joined(member, at=self._now()))

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.user.bot:
            return
        await self._feed(convert.member_left(payload, at=self._now()))

    async def _refresh_rules(self, guild: discord.Guild) -> None:
        await self.bot.services.pipeline.refresh_rules(guild.id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._refresh_rules(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A new server: load its rules, then read its recent history so Hearth is useful at once."""
        await self._refresh_rules(guild)
        if not self.bot.settings.backfill_on_join:
            return
        backfill = self.bot.services.backfill
        if backfill is None:
            return
        task = asyncio.create_task(self._backfill_new_guild(guild))
        self._join_backfills.add(task)
        task.add_done_callback(self._join_backfills.discard)

    async def _backfill_new_guild(self, guild: discord.Guild) -> None:
        days = self.bot.settings.backfill_days
        try:
            await run_guild_backfill(self.bot, guild, days=days)
        except Exception:
            log.exception("backfill of new guild %s failed", guild.id)

    async def cog_unload(self) -> None:
        for task in list(self._join_backfills):
            task.cancel()


async def setup(bot: HearthBot) -> None:
    await bot.add_cog(Listeners(bot))
