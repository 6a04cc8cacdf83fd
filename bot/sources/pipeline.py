"""The one path every event takes: engine (pure decisions) then the batched writer.

Live listeners, backfill, `analyze` and the demo replay all call `EventPipeline.handle`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.engine import Engine, GuildRules
from bot.conversation.events import Event
from bot.conversation.facts import Fact
from bot.members.store import opted_out_ids
from bot.questions.store import restore_state
from bot.settings.guild import ServerDefaults
from bot.settings.store import get_settings
from bot.store.writer import BatchedWriter

log = logging.getLogger(__name__)


class RulesBook:
    """Per-server rules the engine reads; refreshed from the store when settings change."""

    def __init__(self, default: GuildRules | None = None) -> None:
        self._default = default or GuildRules()
        self._rules: dict[int, GuildRules] = {}

    def get(self, guild_id: int) -> GuildRules:
        return self._rules.get(guild_id, self._default)

    def set(self, guild_id: int, rules: GuildRules) -> None:
        self._rules[guild_id] = rules

    def known_guilds(self) -> list[int]:
        return list(self._rules)


class EventPipeline:
    def __init__(
        self,
        engine: Engine,
        writer: BatchedWriter,
        sessionmaker: async_sessionmaker[AsyncSession],
        rules: RulesBook,
        defaults: ServerDefaults | None = None,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.sessionmaker = sessionmaker
        self.rules = rules
        self.defaults = defaults or ServerDefaults()

    async def handle(self, event: Event) -> list[Fact]:
        """The live path: decide, buffer the facts and return; the writer's background flush
        and the periodic `flush()` write them (a handler never waits for the database)."""
        facts = self.engine.handle(event)
        if facts:
            self.writer.append(facts)
        return facts

    async def handle_many(self, events: Iterable[Event]) -> int:
        """Feed many events (replays, backfill); returns the number of facts written."""
        handle = self.engine.handle
        buffer: list[Fact] = []
        written = 0
        for event in events:
            buffer.extend(handle(event))
            if len(buffer) >= 1000:
                await self.writer.write(buffer)
                written += len(buffer)
                buffer = []
        if buffer:
            await self.writer.write(buffer)
            written += len(buffer)
        return written

    async def finish(self) -> None:
        """End of a replay: let the engine settle what it held back, then flush."""
        facts = self.engine.finish()
        if facts:
            await self.writer.write(facts)
        await self.writer.flush()

    async def flush(self) -> None:
        await self.writer.flush()

    async def refresh_rules(self, guild_id: int) -> GuildRules:
        """Reload one server's rules (settings, opted-out members) from the store."""
        async with self.sessionmaker() as session:
            settings = await get_settings(session, guild_id, self.defaults)
            opted_out = await opted_out_ids(session, guild_id)
        rules = GuildRules(
            help_channel_ids=frozenset(settings.help_channel_ids),
            excluded_channel_ids=frozenset(settings.excluded_channel_ids),
            snippet_chars=settings.snippet_chars,
            tracking_enabled=settings.tracking_enabled,
            opted_out_user_ids=frozenset(opted_out),
        )
        self.rules.set(guild_id, rules)
        return rules

    async def restore(self, now: datetime, guild_ids: Iterable[int] | None = None, hours: int = 6) -> int:
        """After a restart: open questions, those answered or resolved within the engine's question
        window (so thanks and a ✅ taken back still reach them) and recent messages back into the engine."""
        guilds = list(guild_ids) if guild_ids is not None else None
        for guild_id in guilds or []:
            await self.refresh_rules(guild_id)
        async with self.sessionmaker() as session:
            questions, recent = await restore_state(
                session, guild_ids=guilds, since=now - timedelta(hours=hours),
                settled_since=now - self.engine.question_ttl,
            )
        self.engine.restore(questions, recent)
        log.info("restored %d questions and %d recent messages", len(questions), len(recent))
        return len(questions)

    async def close(self) -> None:
        await self.writer.close()
