"""The Hearth bot process: a discord.py AutoShardedBot that is handed its services."""

from __future__ import annotations

import gc
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands, tasks

from bot.conversation.clock import Clock
from bot.runtime.channel_access import DiscordChannelAccess
from bot.runtime.command_errors import HearthTree
from bot.runtime.log_privacy import keep_bodies_out_of_logs
from bot.runtime.scheduler import DEFAULT_MISFIRE_GRACE_SECONDS, Scheduler

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

DEFAULT_EXTENSIONS: tuple[str, ...] = (
    "cogs.listeners",
    "cogs.hearth",
    "cogs.questions",
    "cogs.interests",
    "cogs.privacy",
    "cogs.nudges",
    "cogs.intros",
    "cogs.digest",
    "cogs.members",
)

MESSAGE_CONTENT_WARNING = (
    "Hearth is running WITHOUT the message content intent. It still sees replies, mentions, "
    "threads, forum posts, reactions and joins, but it cannot read message text, so questions "
    "are only detected in forum posts, by reply structure and by the 'Track as question' menu, "
    "and thanks are not recognised. To enable it: Discord Developer Portal -> your application "
    "-> Bot -> Privileged Gateway Intents -> turn on 'Message Content Intent', then set "
    "message_content to true in the config and restart."
)


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """What the bot process needs from the configuration (`lifecycle.runtime_options` builds it)."""

    message_content: bool = True
    shard_count: int | None = None
    shard_ids: Sequence[int] | None = None
    extensions: Sequence[str] = field(default_factory=lambda: DEFAULT_EXTENSIONS)
    sync_commands: bool = True
    poll_seconds: float = 60.0
    flush_seconds: float = 0.5
    backfill_days: int = 30
    backfill_on_join: bool = True
    misfire_grace_seconds: int = DEFAULT_MISFIRE_GRACE_SECONDS
    freeze_heap_when_ready: bool = True


def build_intents(*, message_content: bool) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.guild_reactions = True
    intents.message_content = message_content
    return intents


class HearthBot(commands.AutoShardedBot):
    """Hearth's client. Services and clock come in through the constructor; nothing is global."""

    def __init__(
        self,
        *,
        services: Services,
        clock: Clock,
        settings: RuntimeOptions,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("command_prefix", commands.when_mentioned)
        kwargs.setdefault("intents", build_intents(message_content=settings.message_content))
        kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
        kwargs.setdefault("help_command", None)
        kwargs.setdefault("tree_cls", HearthTree)
        kwargs.setdefault("chunk_guilds_at_startup", False)
        if settings.shard_count is not None:
            kwargs.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids is not None:
            kwargs.setdefault("shard_ids", list(settings.shard_ids))
        super().__init__(**kwargs)
        keep_bodies_out_of_logs()
        self.services = services
        self.clock = clock
        self.channel_access = DiscordChannelAccess(self)
        self.settings = settings
        self.scheduler = Scheduler(misfire_grace_seconds=settings.misfire_grace_seconds, ready=self.is_ready)
        self.loaded_extensions: list[str] = []
        self.skipped_extensions: list[str] = []
        self._closed = False
        self._content_warning_logged = False
        self._heap_frozen = False
        self.flush_errors = 0
        self._flusher = tasks.loop(seconds=settings.flush_seconds)(self._flush_facts)

    @property
    def message_content_enabled(self) -> bool:
        return self.intents.message_content

    def owns_guild(self, guild_id: int) -> bool:
        """True when this process runs the shard that holds `guild_id` (decides who posts what)."""
        count = self.shard_count or 1
        shard = (guild_id >> 22) % count
        ids = self.shard_ids
        return ids is None or shard in ids

    def serves_guild(self, guild_id: int) -> bool:
        """What the pollers schedule for: a guild on this process's shards that is in the cache
        and available now. A guild in an outage is left for a later poll (its digest is then
        posted late) instead of being claimed and found to have no channel to post in."""
        if not self.owns_guild(guild_id):
            return False
        guild = self.get_guild(guild_id)
        return guild is not None and not guild.unavailable

    def poll_seconds(self) -> float:
        """How often feature cogs poll their `due()` (seconds)."""
        return self.settings.poll_seconds

    async def setup_hook(self) -> None:
        if not self.message_content_enabled:
            self.warn_no_message_content()
        await self.services.pipeline.restore(self.clock.now())
        for name in self.settings.extensions:
            try:
                await self.load_extension(name)
            except commands.ExtensionNotFound:
                self.skipped_extensions.append(name)
                log.info("extension %s is not installed; skipping it", name)
                continue
            self.loaded_extensions.append(name)
        self.scheduler.start()
        self._flusher.start()
        if self.settings.sync_commands:
            synced = await self.tree.sync()
            log.info("synced %d application commands", len(synced))

    async def on_message(self, message: discord.Message, /) -> None:
        """Prefix commands only when there are any: Hearth's commands are application commands,
        and `process_commands` builds a context (prefix lookup included) for every message."""
        if self.all_commands:
            await self.process_commands(message)

    async def on_ready(self) -> None:
        if self.settings.freeze_heap_when_ready:
            self.freeze_heap()

    def freeze_heap(self) -> None:
        """Once per process, when the caches are filled: collect, then move every object that
        exists (modules, the guild cache, the restored engine state) out of the garbage
        collector's reach. A full collection over that heap holds the event loop for ~60 to
        90 ms; after this one, full collections walk only what was made since."""
        if self._heap_frozen or gc.get_freeze_count():
            return  # done already, by this bot or by another one in the same process
        gc.collect()
        gc.freeze()
        self._heap_frozen = True

    async def _flush_facts(self) -> None:
        """Write what the batched writer holds, on a short timer (and once more on close)."""
        try:
            await self.services.pipeline.flush()
        except Exception:
            self.flush_errors += 1
            log.exception("flushing buffered facts failed; they stay buffered for the next try")

    def warn_no_message_content(self) -> None:
        if not self._content_warning_logged:
            self._content_warning_logged = True
            log.warning(MESSAGE_CONTENT_WARNING)

    async def close(self) -> None:
        if self._closed:
            await super().close()
            return
        self._closed = True
        self._flusher.cancel()
        if self._heap_frozen:
            gc.unfreeze()  # the frozen objects can be collected again once the bot is gone
            self._heap_frozen = False
        await self.scheduler.stop()  # a poll in progress posts what it claimed before we disconnect
        try:
            await super().close()
        finally:
            await self.services.close()
