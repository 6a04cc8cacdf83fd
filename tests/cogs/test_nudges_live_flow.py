"""The whole path with real services: a member's message goes through the listeners, engine
and store; the poller nudges helpers; a reply stops the ladder; `/hearth nudges` is attached
to the `/hearth` group.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio

import bot.store.models.nudges  # noqa: F401  (registers the nudge tables on Base.metadata)
from bot.nudges.board_service import BoardService
from bot.nudges.service import NudgeService
from bot.runtime.bot import HearthBot
from bot.services import Services
from bot.settings.service import SettingsService
from bot.store.base import Base
from tests.cogs.commands_support import open_command_services, reply_text
from tests.cogs.simworld import HearthWorld, SimcordClock

MINUTE = 60.0


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.listeners", "cogs.hearth", "cogs.questions", "cogs.nudges"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Services]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as services:
        async with services.db_engine.begin() as conn:  # nudge tables, until they are in the migration
            await conn.run_sync(Base.metadata.create_all)
        services.nudges = NudgeService(services.sessionmaker, hearth_clock)
        services.boards = BoardService(
            services.sessionmaker, hearth_clock, SettingsService(services.sessionmaker, hearth_clock)
        )
        yield services


def bot_messages(channel: Any, bot: HearthBot) -> list[discord.Message]:
    return [m for m in channel.history() if bot.user is not None and m.author.id == bot.user.id]


async def poll(hearth: HearthWorld, bot: HearthBot, services: Services) -> None:
    await services.pipeline.flush()
    await bot.scheduler.run_now("nudges")
    await hearth.env.settle()
    assert bot.scheduler.errors == []


async def setup_ladder(hearth: HearthWorld) -> None:
    saved = await hearth.moderator.slash(
        hearth.help,
        "hearth nudges set",
        first_after_minutes=3,
        help_wanted_after_minutes=6,
        still_needed_after_minutes=10,
    )
    assert saved.ephemeral and "Saved" in reply_text(saved)
    for member in (hearth.bob, hearth.carol):
        await member.slash(hearth.help, "helper join", topics="python")
        await member.slash(hearth.help, "helper settings", start_hour=0, end_hour=0)  # awake all day


async def test_nudges_live_under_hearth(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    assert hearth_bot.tree.get_command("nudges") is None
    assert "hearth nudges set" in hearth.moderator.available_commands(hearth.help)


async def test_question_from_the_listeners_is_nudged_then_answered(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Services
) -> None:
    await setup_ladder(hearth)
    question = await hearth.alice.send(hearth.help, "How do I install python packages on windows?")
    await hearth_services.pipeline.flush()
    assert hearth_services.questions is not None
    stored = await hearth_services.questions.find(hearth.guild.id, question.id)
    assert stored is not None and stored.status == "open"

    await hearth.env.advance_time(3 * MINUTE)
    await poll(hearth, hearth_bot, hearth_services)
    [nudge] = bot_messages(hearth.help, hearth_bot)
    assert {u.id for u in nudge.mentions} == {hearth.bob.id, hearth.carol.id}

    await hearth.bob.send(hearth.help, "Use pip install, from a terminal", reply_to=question)
    for _ in range(4):
        await hearth.env.advance_time(3 * MINUTE)
        await poll(hearth, hearth_bot, hearth_services)
    assert len(bot_messages(hearth.help, hearth_bot)) == 1  # the answer stopped the ladder
    assert hearth_services.nudges is not None
    now = hearth_bot.clock.now()
    assert await hearth_services.nudges.stats(hearth.guild.id, now.replace(hour=0, minute=0), now) == (1, 1)
