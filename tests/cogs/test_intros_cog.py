"""Introductions end to end in simcord, with virtual time: members join, a round opens a private
thread naming what they share, the introduction carries buttons that still work after the bot
restarts, and a conversation the engine saw becomes the outcome by itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
from simcord import ChannelHandle, MemberActor

import bot.store.models.intros  # noqa: F401  (registers the intro tables on Base.metadata)
from bot.intros.rounds import IntroRemoved
from bot.intros.service import IntroService
from bot.runtime.bot import HearthBot, RuntimeOptions
from bot.services import Services
from bot.store.base import Base
from tests.cogs.commands_support import allow_for, expected_only, open_command_services, reply_text
from tests.cogs.conftest import bot_options
from tests.cogs.simworld import HearthWorld, SimcordClock

HOUR = 3600.0
DAY = 24 * HOUR
EXTENSIONS = ["cogs.listeners", "cogs.interests", "cogs.intros"]


@pytest.fixture
def hearth_extensions() -> list[str]:
    return EXTENSIONS


@pytest.fixture
def hearth_options(hearth_extensions: list[str]) -> RuntimeOptions:
    """Slow timers: the tests jump days ahead, then flush and poll by hand."""
    return bot_options(hearth_extensions, poll_seconds=12 * HOUR, flush_seconds=HOUR)  # flushed by hand


async def with_intros(services: Services, clock: SimcordClock) -> Services:
    async with services.db_engine.begin() as conn:  # intro tables, until they are in the migration
        await conn.run_sync(Base.metadata.create_all)
    services.intros = IntroService(services.sessionmaker, clock)
    return services


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Services]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as services:
        yield await with_intros(services, hearth_clock)


def bot_messages(channel: ChannelHandle, bot: HearthBot) -> list[discord.Message]:
    return [m for m in channel.history() if bot.user is not None and m.author.id == bot.user.id]


async def join_with(hearth: HearthWorld, member: MemberActor, *interests: str) -> None:
    for interest in interests:
        await member.slash(hearth.general, "interests add", interest=interest)
    joined = await member.slash(hearth.general, "intros join")
    assert joined.ephemeral and "You're in" in reply_text(joined)


async def poll(hearth: HearthWorld, bot: HearthBot, services: Services) -> None:
    await services.pipeline.flush()
    await bot.scheduler.run_now("intros")
    await hearth.env.settle()


async def test_round_opens_a_private_thread_pinging_only_the_pair(
    hearth: HearthWorld,
    hearth_bot: HearthBot,
    hearth_services: Services,
    hearth_clock: SimcordClock,
    tmp_path: Path,
) -> None:
    assert "intros" in hearth_bot.scheduler.job_names
    await join_with(hearth, hearth.alice, "chess", "birdwatching")
    await join_with(hearth, hearth.bob, "birdwatching")
    status = await hearth.alice.slash(hearth.general, "intros status")
    assert "birdwatching" in reply_text(status) and "weekly" in reply_text(status)

    allow_for(hearth.env, hearth.guild, "intros", hearth.carol)
    refused = await hearth.carol.slash(hearth.general, "intros run-now")
    assert refused.ephemeral and "Manage Server" in reply_text(refused)
    assert expected_only(hearth.env.errors)
    saved = await hearth.moderator.slash(hearth.general, "intros settings", channel=hearth.general, hour=18)
    assert saved.ephemeral and "18:00" in reply_text(saved)

    done = await hearth.moderator.slash(hearth.general, "intros run-now")
    assert "1 introductions made" in reply_text(done)
    [thread] = hearth.general.threads
    assert thread.is_thread
    [intro] = bot_messages(thread, hearth_bot)
    assert {u.id for u in intro.mentions} == {hearth.alice.id, hearth.bob.id}
    assert "birdwatching" in intro.content and "chess" not in intro.content
    assert not intro.mention_everyone and intro.role_mentions == []
    monthly = await hearth.carol.slash(hearth.general, "intros join", how_often="monthly")
    assert "every month" in reply_text(monthly)
    members = hearth.env.backend.get_channel(thread.id).thread_members
    assert {hearth.alice.id, hearth.bob.id} <= set(members) and hearth.carol.id not in members

    # nobody talked: after four days the follow-up is recorded, and nothing more is posted;
    # the introduction itself carries the answer buttons
    assert {c.label for row in intro.components for c in row.children} >= {"We talked", "Not yet", "Skip"}
    await hearth.env.advance_time(4 * DAY)
    await poll(hearth, hearth_bot, hearth_services)
    await poll(hearth, hearth_bot, hearth_services)
    assert bot_messages(thread, hearth_bot) == [intro]
    follow = intro

    # the bot restarts: a new process, new services on the same database file
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as again:
        fresh = await with_intros(again, hearth_clock)
        restarted = HearthBot(services=fresh, clock=hearth_clock, settings=hearth_bot.settings)
        await hearth.env.restart_bot(restarted)
        await hearth.env.settle()
        answer = await hearth.alice.click(follow, label="We talked")
        assert answer.ephemeral and "Wonderful" in reply_text(answer)
        assert fresh.intros is not None
        latest = (await fresh.intros.status(hearth.guild.id, hearth.alice.id)).latest
        assert latest is not None and latest.outcome == "talked"


async def test_scheduled_round_and_a_conversation_seen_by_the_engine(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Services
) -> None:
    # simcord's clock starts on Thursday 2026-01-01 00:00 UTC
    await hearth.moderator.slash(hearth.general, "intros settings", channel=hearth.general, day=3, hour=1)
    shown = await hearth.moderator.slash(hearth.general, "intros settings")
    assert "Thursday 01:00 (UTC)" in reply_text(shown) and hearth.general.mention in reply_text(shown)
    await join_with(hearth, hearth.alice, "jazz")
    await join_with(hearth, hearth.bob, "jazz")
    left = await hearth.carol.slash(hearth.general, "intros leave")
    assert "not in introductions" in reply_text(left)

    await poll(hearth, hearth_bot, hearth_services)
    assert hearth.general.threads == []
    await hearth.env.advance_time(1 * HOUR)
    await poll(hearth, hearth_bot, hearth_services)
    [thread] = hearth.general.threads
    await poll(hearth, hearth_bot, hearth_services)
    assert len(hearth.general.threads) == 1  # the round ran once

    hello = await hearth.alice.send(hearth.general, "Hi Bob! What jazz are you listening to lately?")
    await hearth.env.advance_time(HOUR)
    await hearth.bob.send(hearth.general, "Mostly Coltrane, you?", reply_to=hello)
    await hearth.env.advance_time(4 * DAY)
    await poll(hearth, hearth_bot, hearth_services)
    assert len(bot_messages(thread, hearth_bot)) == 1  # the follow-up posted nothing
    assert hearth_services.intros is not None
    latest = (await hearth_services.intros.status(hearth.guild.id, hearth.bob.id)).latest
    assert latest is not None and latest.outcome == "interacted"


async def test_pause_and_no_channel_falls_back_to_direct_messages(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Services
) -> None:
    await join_with(hearth, hearth.alice, "go")
    await join_with(hearth, hearth.bob, "go")
    await join_with(hearth, hearth.carol, "go")
    paused = await hearth.carol.slash(hearth.general, "intros pause", weeks=2)
    assert "Paused until" in reply_text(paused)
    done = await hearth.moderator.slash(hearth.general, "intros run-now")
    assert "1 introductions made" in reply_text(done)
    assert hearth.general.threads == []
    alice_dm = bot_messages(hearth.alice.user.dm_channel, hearth_bot)
    assert len(alice_dm) == 1 and f"<@{hearth.bob.id}>" in alice_dm[0].content
    assert bot_messages(hearth.carol.user.dm_channel, hearth_bot) == []


async def test_a_removed_member_is_paused_quietly(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Services
) -> None:
    cog: Any = hearth_bot.get_cog("IntroCog")  # loaded as an extension: its own module object
    assert cog is not None
    assert await cog.deliver(IntroRemoved(hearth_bot.clock.now(), hearth.guild.id, hearth.bob.id))
    await hearth.env.settle()
    assert hearth.bob.user.dm_channel is None or bot_messages(hearth.bob.user.dm_channel, hearth_bot) == []
    status = await hearth.bob.slash(hearth.general, "intros status")
    assert "stop by themselves" in reply_text(status) and "/intros join" in reply_text(status)
