"""Outages through the real gateway and HTTP code: a 429 on a post, and messages missed while down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest

from bot.conversation.clock import SystemClock
from bot.sources.history import run_guild_backfill
from tests.cogs.real_services import open_real_services
from tests.cogs.simworld import RecordingServices
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.harness import run_bot


@pytest.mark.timeout(60)
async def test_rate_limited_post_is_sent_exactly_once(fake: FakeDiscord) -> None:
    async with run_bot(fake, RecordingServices(), SystemClock()) as running:
        channel = running.bot.get_channel(fake.general.id)
        assert isinstance(channel, discord.TextChannel)
        fake.rate_limit_next_posts = 2
        await channel.send("weekly digest", allowed_mentions=discord.AllowedMentions.none())
        posts = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
        assert len(posts) == 3 and fake.rate_limited == 2
        stored = [m for m in fake.messages[fake.general.id].values() if m["content"] == "weekly digest"]
        assert len(stored) == 1
        assert running.errors == []


@pytest.mark.timeout(90)
async def test_messages_missed_while_down_are_recovered_by_backfill(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    clock = SystemClock()
    db = tmp_path / "hearth.db"
    seen = fake.store_message(alice, fake.help.id, "hello before the outage")
    async with open_real_services(db, clock) as services, run_bot(fake, services, clock) as running:
        await fake.gateway.dispatch("MESSAGE_CREATE", seen)
        await asyncio.sleep(0.05)
    # Hearth is down: these never reach it through the gateway
    missed_question = fake.store_message(alice, fake.help.id, "How do I enable slow mode?")
    fake.store_message(bob, fake.help.id, "Channel settings, overview", reference=missed_question)
    async with open_real_services(db, clock) as services, run_bot(fake, services, clock) as running:
        bot = running.bot
        guild = bot.get_guild(fake.guild.id)
        assert guild is not None and services.questions is not None
        first = await run_guild_backfill(bot, guild, days=7, pause_seconds=0)
        assert first.finished and first.messages == 3
        found = await services.questions.find(fake.guild.id, int(missed_question["id"]))
        assert found is not None and found.status == "answered"
        again = await run_guild_backfill(bot, guild, days=7, pause_seconds=0)
        assert again.messages == 0 and again.resumed_channels == again.channels_total
        assert running.errors == []
    assert fake.unhandled == []
