"""What the bot itself does per message and once when ready: prefix commands only when there
are any, and the start-up heap moved out of the garbage collector's way."""

from __future__ import annotations

import gc
from typing import Any

from discord.ext import commands

from bot.conversation.clock import FakeClock
from bot.runtime.bot import HearthBot, RuntimeOptions
from tests.cogs.simworld import RecordingServices


async def _bot(**options: Any) -> HearthBot:
    bot = HearthBot(
        services=RecordingServices(),  # type: ignore[arg-type]
        clock=FakeClock(),
        settings=RuntimeOptions(**options),
    )
    await bot._async_setup_hook()  # what login() does first; close() needs it
    return bot


class _Counting(HearthBot):
    def __init__(self) -> None:
        super().__init__(
            services=RecordingServices(),  # type: ignore[arg-type]
            clock=FakeClock(),
            settings=RuntimeOptions(),
        )
        self.processed: list[object] = []

    async def process_commands(self, message: Any, /) -> None:
        self.processed.append(message)


async def test_messages_skip_prefix_processing_when_there_is_no_prefix_command() -> None:
    bot = _Counting()
    await bot._async_setup_hook()
    message = object()
    await bot.on_message(message)  # type: ignore[arg-type]
    assert bot.processed == []

    @commands.command(name="ping")
    async def ping(ctx: commands.Context[Any]) -> None:
        return None

    bot.add_command(ping)
    await bot.on_message(message)  # type: ignore[arg-type]
    assert bot.processed == [message]
    await bot.close()


async def test_the_heap_is_frozen_once_when_ready_and_released_on_close() -> None:
    gc.unfreeze()  # a bot of an earlier test that was never closed may have frozen it
    bot = await _bot()
    try:
        await bot.on_ready()
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the modules and objects that existed when the bot became ready
        # tracked objects made after the first ready are not frozen by a second one
        kept: list[list[int]] = [[] for _ in range(10)]
        await bot.on_ready()
        assert gc.get_freeze_count() == frozen
        assert kept
    finally:
        await bot.close()
    assert gc.get_freeze_count() == 0


async def test_a_second_bot_leaves_a_frozen_heap_to_the_first() -> None:
    gc.unfreeze()
    first, second = await _bot(), await _bot()
    try:
        await first.on_ready()
        frozen = gc.get_freeze_count()
        await second.on_ready()
        assert gc.get_freeze_count() == frozen
        await second.close()
        assert gc.get_freeze_count() > frozen - 100  # still frozen: the second bot did not freeze it
    finally:
        await first.close()
    assert gc.get_freeze_count() == 0


async def test_freezing_can_be_turned_off() -> None:
    gc.unfreeze()
    bot = await _bot(freeze_heap_when_ready=False)
    await bot.on_ready()
    assert gc.get_freeze_count() == 0
    await bot.close()
