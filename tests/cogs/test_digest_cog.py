"""The weekly digest in simcord: preview, settings, send-now, and the poller posting once.

Interactions are written straight into the store here (the engine and the writer have their
own tests); the digest reads them like any week.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from sqlalchemy import insert

from bot.conversation.safety import has_live_mention
from bot.digest.service import DigestService
from bot.digest.week_digest import week_bounds, week_key_of
from bot.runtime.bot import HearthBot
from bot.store.models.core import Interaction, Message, Question
from tests.cogs.simworld import HearthWorld, SimcordClock
from tests.cogs.store_services import open_store_services


@pytest.fixture(autouse=True)
def _mpl_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.digest"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    async with open_store_services(tmp_path / "hearth.db") as services:
        services.digests = DigestService(services.sessionmaker, hearth_clock)
        yield services


async def seed_week(services: Any, hearth: HearthWorld, start: datetime) -> None:
    """Alice, Bob and Carol talk with each other through the week starting at `start`."""
    people = [hearth.alice.id, hearth.bob.id, hearth.carol.id]
    rows = []
    for i in range(30):
        source, target = people[i % 3], people[(i + 1) % 3]
        rows.append((10_000 + i, source, target, start + timedelta(hours=3 * i + 1)))
    async with services.sessionmaker.begin() as session:
        await session.execute(
            insert(Message),
            [{"message_id": m, "guild_id": hearth.guild.id, "channel_id": hearth.general.id,
              "author_id": s, "created_at": at} for m, s, _, at in rows],
        )  # fmt: skip
        await session.execute(
            insert(Interaction),
            [{"message_id": m, "target_user_id": t, "guild_id": hearth.guild.id, "channel_id": hearth.general.id,
              "source_user_id": s, "kind": "reply", "at": at} for m, s, t, at in rows],
        )  # fmt: skip


def all_messages(result: Any) -> list[Any]:
    found = [result.response] if result.response is not None else []
    return found + list(result.followups)


def bot_messages(channel: Any, bot: HearthBot) -> list[discord.Message]:
    return [m for m in channel.history() if bot.user is not None and m.author.id == bot.user.id]


async def set_channel(hearth: HearthWorld) -> None:
    result = await hearth.moderator.slash(hearth.general, "digest settings", channel=hearth.general)
    assert result.ephemeral


async def test_commands_and_poller_are_registered(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    assert "digests" in hearth_bot.scheduler.job_names
    available = set(hearth.moderator.available_commands(hearth.general))
    assert {"digest preview", "digest send-now", "digest settings"} <= available
    refused = await hearth.alice.slash(hearth.general, "digest send-now")
    assert refused.ephemeral and bot_messages(hearth.general, hearth_bot) == []
    assert "Manage Server" in " ".join(m.content for m in all_messages(refused))
    assert [type(e) for e in hearth.env.errors] == [app_commands.MissingPermissions]


async def test_preview_is_ephemeral_with_chart(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    now = hearth_bot.clock.now()
    start, _ = week_bounds(week_key_of(now))
    await seed_week(hearth_services, hearth, start)  # partly in the future: the preview stops at now
    result = await hearth.alice.slash(hearth.general, "digest preview")
    assert result.ephemeral
    [reply] = [m for m in all_messages(result) if m.embeds]
    assert reply.ephemeral
    embed = reply.embeds[0]
    assert embed.title is not None and "so far" in embed.title
    assert embed.image.url == "attachment://digest.png"
    assert [a.filename for a in reply.attachments] == ["digest.png"]
    assert bot_messages(hearth.general, hearth_bot) == []


async def test_settings_show_and_change(hearth: HearthWorld) -> None:
    shown = await hearth.moderator.slash(hearth.general, "digest settings")
    assert shown.ephemeral and shown.response is not None
    assert "not set" in str(shown.response.embeds[0].to_dict())
    changed = await hearth.moderator.slash(
        hearth.general, "digest settings", channel=hearth.general, weekday=4, hour=17
    )
    text = str(changed.response.embeds[0].to_dict()) if changed.response else ""
    assert "Fridays at 17:00" in text
    refused = await hearth.alice.slash(hearth.general, "digest settings", hour=3)
    assert refused.ephemeral
    assert [type(e) for e in hearth.env.errors] == [app_commands.MissingPermissions]


async def test_send_now_posts_once_then_again_on_request(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    await set_channel(hearth)
    now = hearth_bot.clock.now()
    start, _ = week_bounds(week_key_of(now))
    await seed_week(hearth_services, hearth, start - timedelta(weeks=1))
    first = await hearth.moderator.slash(hearth.general, "digest send-now")
    assert first.ephemeral and any("Posted the digest" in m.content for m in all_messages(first))
    [posted] = bot_messages(hearth.general, hearth_bot)
    assert [a.filename for a in posted.attachments] == ["digest.png"]
    assert posted.embeds and "weekly digest" in (posted.embeds[0].title or "")
    assert not posted.mentions and not posted.mention_everyone
    assert not has_live_mention(str(posted.embeds[0].to_dict()))
    again = await hearth.moderator.slash(hearth.general, "digest send-now")
    assert any("again" in m.content for m in all_messages(again))
    assert len(bot_messages(hearth.general, hearth_bot)) == 2
    # The scheduled post for that week was claimed by the first send-now: the poller is silent.
    await hearth_bot.scheduler.run_now("digests")
    await hearth.env.settle()
    assert len(bot_messages(hearth.general, hearth_bot)) == 2


async def test_poller_posts_the_due_digest_exactly_once(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    await set_channel(hearth)
    now = hearth_bot.clock.now()
    start, _ = week_bounds(week_key_of(now))
    await seed_week(hearth_services, hearth, start - timedelta(weeks=1))
    for _ in range(2):
        await hearth_bot.scheduler.run_now("digests")
        await hearth.env.settle()
    assert hearth_bot.scheduler.errors == []
    [posted] = bot_messages(hearth.general, hearth_bot)
    assert posted.embeds[0].image.url == "attachment://digest.png"
    restarted = DigestService(hearth_services.sessionmaker, hearth_bot.clock)
    assert await restarted.due(hearth_bot.clock.now()) == []


async def test_posted_digest_leads_with_the_open_questions_by_channel_and_asker(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    await set_channel(hearth)
    now = hearth_bot.clock.now()
    start, _ = week_bounds(week_key_of(now))
    last_week = start - timedelta(weeks=1)
    await seed_week(hearth_services, hearth, last_week)
    async with hearth_services.sessionmaker.begin() as session:
        await session.execute(
            insert(Question),
            [{"message_id": 20_000, "guild_id": hearth.guild.id, "channel_id": hearth.general.id,
              "asker_id": hearth.bob.id, "asked_at": last_week + timedelta(days=5), "status": "open",
              "snippet": "@everyone why is **my** <@1> [build](http://x) red?", "topics": []}],
        )  # fmt: skip
    await hearth.moderator.slash(hearth.general, "digest send-now")
    [posted] = bot_messages(hearth.general, hearth_bot)
    first = posted.embeds[0].fields[0]
    assert first.name == "Worth a look this week"
    value = first.value or ""
    guild = hearth_bot.get_guild(hearth.guild.id)
    assert guild is not None
    bob = guild.get_member(hearth.bob.id)
    assert bob is not None
    assert f"#general · {bob.display_name} · “" in value.replace("\\", "")
    assert "waiting 2 days" in value and "/20000)" in value
    assert not has_live_mention(str(posted.embeds[0].to_dict()))
    assert not posted.mentions and not posted.mention_everyone
