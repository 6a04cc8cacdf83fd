"""The open-questions board as an application service: what each server's board must show
now, and what was posted, so a restart edits the same message instead of posting anew.

A poll asks `due()` (which takes each update for this process only: two processes never post
one board twice), edits (or posts) each board, then tells `posted()` the message ids,
`release()` after a passing failure, or `deleted()` when a board message was gone (it is posted
again once, then retired). The next settings change of a server brings a retired board back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.nudges import board_store as repo
from bot.nudges.board import (
    CLAIM_PREFIX,
    RETIRED,
    BoardState,
    BoardUpdate,
    after_deletion,
    board_entries,
    plan_board,
)
from bot.questions.visibility import EVERYONE, ChannelAccess, can_read_place
from bot.settings.service import SettingsService


class BoardService:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, settings: SettingsService
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._settings = settings
        settings.subscribe(self._settings_changed)

    async def _settings_changed(self, guild_id: int) -> None:
        async with self._sessionmaker.begin() as session:
            state = await repo.get_board(session, guild_id)
            if state is not None and state.retired:
                fresh = BoardState(guild_id, state.channel_id, (), "", 0)
                await repo.save_board(session, fresh, self._clock.now())

    async def due(
        self,
        now: datetime | None = None,
        owns_guild: Callable[[int], bool] | None = None,
        access: ChannelAccess | None = None,
    ) -> list[BoardUpdate]:
        """The boards whose list changed (or that are not posted yet), one per server. With
        `access`, a board names only questions from channels @everyone can read."""
        now = now or self._clock.now()
        readable = None if access is None else can_read_place(access)
        updates: list[BoardUpdate] = []
        async with self._sessionmaker() as session:
            longest = timedelta(days=60)
            for guild_id in await repo.board_guilds(session, now - longest):
                if owns_guild is not None and not owns_guild(guild_id):
                    continue
                config = await self._settings.read(session, guild_id)
                horizon = timedelta(days=config.nudge_settings.board_days)
                listed = await repo.listed_open_questions(session, guild_id, now - horizon)
                if readable is not None:
                    listed = [(q, at) for q, at in listed if readable(q, EVERYONE)]
                channel = config.help_wanted_channel_id if config.nudge_settings.enabled else None
                state = await repo.get_board(session, guild_id)
                update = plan_board(guild_id, channel, board_entries(listed), state, now)
                if update is not None:
                    updates.append(update)
        return [u for u in updates if await self._claim(u, now)]

    async def _claim(self, update: BoardUpdate, now: datetime) -> bool:
        """Only one process edits or posts a board at a time (the others leave it to that one)."""
        async with self._sessionmaker.begin() as session:
            return await repo.claim_board(
                session, update.guild_id, update.channel_id, update.seen, CLAIM_PREFIX + update.fingerprint, now
            )

    async def release(self, update: BoardUpdate) -> None:
        """The update could not be made for a passing reason: leave it for the next poll."""
        async with self._sessionmaker.begin() as session:
            state = await repo.get_board(session, update.guild_id)
            if state is not None and state.fingerprint == CLAIM_PREFIX + update.fingerprint:
                await repo.save_board(session, replace(state, fingerprint=update.seen or ""), self._clock.now())

    async def posted(self, update: BoardUpdate, message_ids: tuple[int, ...], *, complete: bool = True) -> None:
        """The board now shows `update` in these messages (`complete` False: only some of its
        pages got through; the next poll finishes it)."""
        mark = update.fingerprint if complete else ""
        state = BoardState(update.guild_id, update.channel_id, message_ids, mark, update.recreated)
        async with self._sessionmaker.begin() as session:
            await repo.save_board(session, state, self._clock.now())

    async def deleted(self, update: BoardUpdate) -> BoardUpdate | None:
        """A board message was deleted: the update that posts it again, or None when it was
        already posted again once (the board is retired, and that is stored)."""
        again = after_deletion(update)
        if again is None:
            retired = BoardState(update.guild_id, update.channel_id, (), update.fingerprint, RETIRED)
            async with self._sessionmaker.begin() as session:
                await repo.save_board(session, retired, self._clock.now())
        return again

    async def board(self, guild_id: int) -> BoardState | None:
        async with self._sessionmaker() as session:
            return await repo.get_board(session, guild_id)
