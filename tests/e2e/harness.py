"""Run a real HearthBot against the fake Discord: start, wait for ready, collect errors, stop."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord

from bot.conversation.clock import Clock
from bot.runtime.bot import HearthBot, RuntimeOptions
from tests.e2e.fake_discord import FakeDiscord


class RunningBot:
    def __init__(self, bot: HearthBot) -> None:
        self.bot = bot
        self.errors: list[str] = []
        self.task: asyncio.Task[None] | None = None

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Poll until `predicate()` holds (events travel through a real socket)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():
            if self.task is not None and self.task.done():
                self.task.result()
                raise AssertionError("the bot stopped")
            if loop.time() > deadline:
                raise AssertionError("condition not reached in time")
            await asyncio.sleep(0.02)


def _collect_errors(running: RunningBot) -> None:
    bot = running.bot

    async def on_error(event_method: str, /, *args: Any, **kwargs: Any) -> None:
        running.errors.append(f"{event_method}: {traceback.format_exc()}")

    bot.on_error = on_error  # type: ignore[method-assign]


def _collect_tree_errors(running: RunningBot) -> None:
    """Wrap the tree's handler (installed by the cogs in setup_hook) to record every error."""
    tree = running.bot.tree
    previous = tree.on_error

    async def tree_error(
        interaction: discord.Interaction[Any], error: discord.app_commands.AppCommandError
    ) -> None:
        running.errors.append(f"app command error: {error!r}")
        await previous(interaction, error)

    tree.on_error = tree_error  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def run_bot(
    fake: FakeDiscord,
    services: Any,
    clock: Clock,
    *,
    extensions: tuple[str, ...] = ("cogs.listeners",),
    message_content: bool = True,
    on_created: Callable[[HearthBot], Awaitable[None]] | None = None,
) -> AsyncIterator[RunningBot]:
    options = RuntimeOptions(
        message_content=message_content,
        shard_count=1,
        extensions=extensions,
        backfill_on_join=False,
    )
    bot = HearthBot(services=services, clock=clock, settings=options, guild_ready_timeout=0.05)
    running = RunningBot(bot)
    _collect_errors(running)
    if on_created is not None:
        await on_created(bot)
    running.task = asyncio.create_task(bot.start("fake-token"))
    try:
        await running.wait_for(bot.is_ready, within=15)
        _collect_tree_errors(running)
        yield running
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(running.task, 10)
