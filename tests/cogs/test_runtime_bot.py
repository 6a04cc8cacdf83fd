"""HearthBot construction, scheduler wrapper, message-content fallback, shard ownership, signals."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import discord
import pytest

from bot.conversation.clock import FakeClock
from bot.runtime.bot import MESSAGE_CONTENT_WARNING, HearthBot, RuntimeOptions
from bot.runtime.command_errors import HearthTree
from bot.runtime.lifecycle import install_signal_handlers, runtime_options
from bot.runtime.scheduler import Scheduler
from bot.settings.config import Settings
from tests.cogs.simworld import HearthWorld, RecordingServices, recorder


def _bot(**options: object) -> HearthBot:
    return HearthBot(
        services=RecordingServices(),  # type: ignore[arg-type]
        clock=FakeClock(),
        settings=RuntimeOptions(**options),  # type: ignore[arg-type]
    )


async def test_defaults_mention_nobody_and_use_hearth_tree() -> None:
    bot = _bot()
    assert bot.allowed_mentions is not None
    assert bot.allowed_mentions.to_dict() == {"parse": []}
    assert isinstance(bot.tree, HearthTree)
    intents = bot.intents
    assert intents.guilds and intents.members and intents.guild_messages and intents.guild_reactions
    assert intents.message_content
    assert not intents.presences and not intents.typing


async def test_shard_ownership() -> None:
    bot = _bot(shard_count=4, shard_ids=[1, 3])
    guild_on = {shard: (shard << 22) | 7 for shard in range(4)}  # (id >> 22) % 4 == shard
    assert [bot.owns_guild(guild_on[s]) for s in range(4)] == [False, True, False, True]
    assert _bot().owns_guild(guild_on[2])


async def test_scheduler_runs_jobs_and_keeps_errors() -> None:
    scheduler = Scheduler()
    ran: list[str] = []

    async def ok() -> None:
        ran.append("ok")

    async def broken() -> None:
        raise RuntimeError("boom")

    scheduler.start()
    try:
        scheduler.add_interval("ok", ok, seconds=0.05, first_run_in=0)
        scheduler.add_interval("broken", broken, seconds=3600)
        await scheduler.run_now("broken")
        for _ in range(100):
            if len(ran) >= 2:
                break
            await asyncio.sleep(0.02)
        assert len(ran) >= 2
        assert [str(e) for e in scheduler.errors] == ["boom"]
        assert scheduler.job_names == ["broken", "ok"]
        scheduler.remove("ok")
        assert scheduler.job_names == ["broken"]
    finally:
        scheduler.shutdown()
    assert not scheduler.running
    with pytest.raises(ValueError):
        scheduler.add_interval("bad", ok, seconds=0)


def test_runtime_options_from_settings() -> None:
    settings = Settings.model_validate(
        {
            "discord": {
                "message_content": False,
                "shard_count": 2,
                "shard_ids": [1],
                "backfill_days_on_join": 0,
            }
        }
    )
    options = runtime_options(settings)
    assert not options.message_content
    assert (options.shard_count, list(options.shard_ids or [])) == (2, [1])
    assert not options.backfill_on_join
    assert options.poll_seconds == 60
    assert runtime_options(Settings()).backfill_days == 30


async def test_signal_handler_asks_to_stop() -> None:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = install_signal_handlers(loop, stopped.set)
    try:
        assert set(installed) == {signal.SIGINT, signal.SIGTERM}
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stopped.wait(), 2)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


@pytest.fixture
def hearth_options() -> RuntimeOptions:
    return RuntimeOptions(
        message_content=False,
        shard_count=1,
        extensions=("cogs.listeners", "cogs.not_installed"),
        backfill_on_join=False,
    )


async def test_without_message_content_warns_once_and_still_sees_replies(
    hearth_bot: HearthBot, hearth: HearthWorld, caplog: pytest.LogCaptureFixture
) -> None:
    assert hearth_bot.loaded_extensions == ["cogs.listeners"]
    assert hearth_bot.skipped_extensions == ["cogs.not_installed"]
    at_setup = [r for r in caplog.get_records("setup") if r.getMessage() == MESSAGE_CONTENT_WARNING]
    assert len(at_setup) == 1 and at_setup[0].levelno == logging.WARNING
    hearth_bot.warn_no_message_content()
    assert MESSAGE_CONTENT_WARNING not in caplog.text  # once only
    assert "Message Content Intent" in MESSAGE_CONTENT_WARNING
    question = await hearth.alice.send(hearth.help, "anyone around?")
    await hearth.bob.send(hearth.help, "yes", reply_to=question)
    events = recorder(hearth_bot).events
    assert [getattr(e, "reference_message_id", None) for e in events][-1] == question.id
    assert isinstance(hearth_bot.intents, discord.Intents) and not hearth_bot.intents.message_content
