"""Helper nudges in simcord with virtual time: the commands, the poller posting the ladder
exactly once, who gets pinged, and the persistent buttons.

Questions are written straight into the store here (the engine has its own tests); the
questions service is a small stand-in that resolves in the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.facts import QuestionFact
from bot.conversation.safety import has_live_mention
from bot.errors import InvalidInput, NotFound
from bot.nudges.board_service import BoardService
from bot.nudges.service import NudgeService
from bot.runtime.bot import HearthBot
from bot.settings.service import SettingsService
from bot.store.models.core import GuildSettings, Message, Question, QuestionResponder
from tests.cogs.simworld import HearthWorld, SimcordClock
from tests.cogs.store_services import open_store_services

MINUTE = 60.0


class StoreQuestions:
    """The two calls the buttons make on the questions service, acting on the store."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self.resolved: list[tuple[int, int]] = []

    async def get(self, guild_id: int, message_id: int) -> QuestionFact:
        async with self._sessionmaker() as session:
            q = await session.get(Question, message_id)
        if q is None or q.guild_id != guild_id:
            raise NotFound("I don't know a question with that id in this server.")
        return QuestionFact(
            guild_id=q.guild_id,
            channel_id=q.channel_id,
            message_id=q.message_id,
            asker_id=q.asker_id,
            asked_at=q.asked_at,
            status=q.status,  # type: ignore[arg-type]
        )

    async def resolve(self, guild_id: int, message_id: int, *, by_user_id: int, moderator: bool) -> None:
        self.resolved.append((message_id, by_user_id))
        await set_status(self._sessionmaker, message_id, "resolved")


async def set_status(
    sessionmaker: async_sessionmaker[AsyncSession], message_id: int, status: str, responder: int | None = None
) -> None:
    async with sessionmaker.begin() as session:
        q = await session.get(Question, message_id)
        assert q is not None
        q.status = status
        if responder is not None:
            session.add(QuestionResponder(question_id=message_id, user_id=responder, guild_id=q.guild_id))


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.nudges"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    async with open_store_services(tmp_path / "hearth.db") as services:
        services.nudges = NudgeService(services.sessionmaker, hearth_clock)
        services.boards = BoardService(
            services.sessionmaker, hearth_clock, SettingsService(services.sessionmaker, hearth_clock)
        )
        services.questions = StoreQuestions(services.sessionmaker)
        yield services


async def store_question(services: Any, message: discord.Message, *, topics: tuple[str, ...] = ()) -> None:
    assert message.guild is not None
    async with services.sessionmaker.begin() as session:
        session.add(
            Question(
                message_id=message.id,
                guild_id=message.guild.id,
                channel_id=message.channel.id,
                asker_id=message.author.id,
                asked_at=message.created_at,
                status="open",
                topics=list(topics),
                snippet=message.content[:140],
            )
        )


async def help_wanted_in_general(hearth: HearthWorld, services: Any) -> None:
    """Set #general as the help-wanted channel, straight in the store."""
    async with services.sessionmaker.begin() as session:
        settings = await session.get(GuildSettings, hearth.guild.id)
        if settings is None:
            settings = GuildSettings(guild_id=hearth.guild.id)
            session.add(settings)
        settings.help_wanted_channel_id = hearth.general.id


async def store_message(services: Any, message: discord.Message) -> None:
    """What the pipeline keeps of a message (its author and time), straight in the store."""
    assert message.guild is not None
    async with services.sessionmaker.begin() as session:
        session.add(
            Message(
                message_id=message.id,
                guild_id=message.guild.id,
                channel_id=message.channel.id,
                author_id=message.author.id,
                created_at=message.created_at,
            )
        )


def bot_messages(channel: Any, bot: HearthBot) -> list[discord.Message]:
    return [m for m in channel.history() if bot.user is not None and m.author.id == bot.user.id]


async def quick_ladder(hearth: HearthWorld) -> None:
    """A moderator shortens the ladder to minutes (3, 6, 10) so virtual time stays short."""
    result = await hearth.moderator.slash(
        hearth.help,
        "nudges set",
        first_after_minutes=3,
        help_wanted_after_minutes=6,
        still_needed_after_minutes=10,
        min_nudges_per_day=20,  # the server's daily budget and a fresh nudge are tested in the store
        nudge_fresh_hours=0,
    )
    assert result.ephemeral


async def helper_awake_now(hearth: HearthWorld, member: Any, topics: str = "") -> None:
    """Join as a helper whose waking hours cover the whole day (the test clock starts at midnight)."""
    await member.slash(hearth.help, "helper join", topics=topics)
    await member.slash(hearth.help, "helper settings", start_hour=0, end_hour=0)


async def poll(hearth: HearthWorld, bot: HearthBot) -> None:
    await bot.scheduler.run_now("nudges")
    await hearth.env.settle()
    assert bot.scheduler.errors == []


def text_of(result: Any) -> str:
    response = result.response
    assert response is not None
    parts = [response.content or ""]
    for embed in response.embeds:
        parts += [embed.title or "", embed.description or ""]
        parts += [f"{f.name}: {f.value}" for f in embed.fields]
    return "\n".join(parts)


async def test_poller_is_registered(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    assert hearth_bot.loaded_extensions == ["cogs.nudges"]
    assert "nudges" in hearth_bot.scheduler.job_names
    available = hearth.moderator.available_commands(hearth.help)
    assert {"helper join", "helper leave", "helper pause", "helper settings", "nudges set"} <= set(available)


async def test_ladder_nudges_once_then_checks_and_the_button_resolves(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    await quick_ladder(hearth)
    joined = await hearth.bob.slash(hearth.help, "helper join", topics="webhooks, python")
    assert joined.ephemeral and "helping" in text_of(joined)
    await hearth.bob.slash(hearth.help, "helper settings", timezone="Asia/Tokyo")  # 09:00 there
    await helper_awake_now(hearth, hearth.carol)
    question = await hearth.alice.send(hearth.help, "How do I configure the webhook? @everyone")
    await store_question(hearth_services, question, topics=("webhooks",))

    await hearth.env.advance_time(2 * MINUTE)
    await poll(hearth, hearth_bot)
    assert bot_messages(hearth.help, hearth_bot) == []

    await hearth.env.advance_time(1 * MINUTE)
    await poll(hearth, hearth_bot)
    [nudge] = bot_messages(hearth.help, hearth_bot)
    assert nudge.reference is not None and nudge.reference.message_id == question.id
    assert {u.id for u in nudge.mentions} == {hearth.bob.id, hearth.carol.id}
    assert not nudge.mention_everyone and nudge.role_mentions == []

    await hearth.env.advance_time(1 * MINUTE)
    await poll(hearth, hearth_bot)
    assert len(bot_messages(hearth.help, hearth_bot)) == 1  # exactly once

    await hearth.env.advance_time(6 * MINUTE)
    await store_message(hearth_services, await hearth.alice.send(hearth.general, "back, still on it"))
    await hearth.env.advance_time(1 * MINUTE)
    await poll(hearth, hearth_bot)
    messages = bot_messages(hearth.help, hearth_bot)
    assert len(messages) == 2  # no help-wanted channel set: the listing step is skipped
    check = messages[-1]
    assert {u.id for u in check.mentions} == {hearth.alice.id}

    refused = await hearth.bob.click(check, label="Solved")
    assert refused.ephemeral and "Only the member who asked" in text_of(refused)
    kept = await hearth.alice.click(check, label="Still stuck")
    assert kept.ephemeral and "stays open" in text_of(kept)
    solved = await hearth.alice.click(check, label="Solved")
    assert solved.ephemeral and "solved" in text_of(solved).lower()
    assert hearth_services.questions.resolved == [(question.id, hearth.alice.id)]
    assert await hearth_services.nudges.check_answers(question.id) == {"stuck"}  # her first answer

    restarted = NudgeService(hearth_services.sessionmaker, hearth_bot.clock)
    assert await restarted.due(hearth_bot.clock.now()) == []


async def test_buttons_work_after_a_restart(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    """A button on an old message still works: its custom_id carries the question id."""
    question = await hearth.alice.send(hearth.help, "Where is the config file?")
    await store_question(hearth_services, question)
    view = discord.ui.View(timeout=None)
    from cogs.nudges import StillNeededButton

    view.add_item(StillNeededButton("solved", question.id))
    channel = hearth_bot.get_channel(hearth.help.id)
    assert isinstance(channel, discord.TextChannel)
    old = await channel.send(
        "is this still needed?", view=view, allowed_mentions=discord.AllowedMentions.none()
    )
    view.stop()  # the view object is gone; only the dynamic item registration remains
    await hearth.env.settle()
    result = await hearth.alice.click(old, label="Solved")
    assert result.ephemeral
    assert hearth_services.questions.resolved == [(question.id, hearth.alice.id)]


async def test_an_answer_stops_the_ladder(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    await quick_ladder(hearth)
    await helper_awake_now(hearth, hearth.carol, topics="python")
    question = await hearth.alice.send(hearth.help, "How do I install python on windows?")
    await store_question(hearth_services, question)
    await hearth.env.advance_time(1 * MINUTE)
    await set_status(hearth_services.sessionmaker, question.id, "answered", responder=hearth.bob.id)
    for _ in range(4):  # past the nudge, listing and check times
        await hearth.env.advance_time(3 * MINUTE)
        await poll(hearth, hearth_bot)
    assert bot_messages(hearth.help, hearth_bot) == []


async def test_paused_or_departed_helpers_are_not_nudged(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    await quick_ladder(hearth)
    await helper_awake_now(hearth, hearth.bob)
    paused = await hearth.bob.slash(hearth.help, "helper pause", days=2)
    assert "Paused until" in text_of(paused)
    await helper_awake_now(hearth, hearth.carol)
    left = await hearth.carol.slash(hearth.help, "helper leave")
    assert "no more invitations" in text_of(left)
    question = await hearth.alice.send(hearth.help, "How do I reset my password?")
    await store_question(hearth_services, question)
    await hearth.env.advance_time(4 * MINUTE)
    await poll(hearth, hearth_bot)
    assert bot_messages(hearth.help, hearth_bot) == []


async def test_helper_settings_and_moderator_settings(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    shown = await hearth.bob.slash(
        hearth.help, "helper settings", timezone="Europe/Paris", start_hour=9, end_hour=22
    )
    assert "Europe/Paris" in text_of(shown)
    info = await hearth_services.nudges.helper(hearth.guild.id, hearth.bob.id)
    assert (info.timezone, info.active_start_hour, info.active_end_hour) == ("Europe/Paris", 9, 22)
    bad = await hearth.bob.slash(hearth.help, "helper settings", timezone="Mars/Olympus_Mons")
    assert bad.ephemeral and "Unknown time zone" in text_of(bad)
    half = await hearth.bob.slash(hearth.help, "helper settings", start_hour=7)
    assert half.ephemeral and "both" in text_of(half)
    errors = hearth.env.errors
    assert len(errors) == 2 and all(isinstance(getattr(e, "original", e), InvalidInput) for e in errors)
    unchanged = await hearth_services.nudges.helper(hearth.guild.id, hearth.bob.id)
    assert unchanged == info

    assert "nudges set" not in hearth.alice.available_commands(hearth.help)
    saved = await hearth.moderator.slash(hearth.help, "nudges set", daily_cap=4, helpers_per_nudge=1)
    assert saved.ephemeral
    current = await hearth_services.nudges.settings(hearth.guild.id)
    assert (current.daily_cap, current.helpers_per_nudge) == (4, 1)
    shown_mod = await hearth.moderator.slash(hearth.help, "nudges show")
    assert "4" in text_of(shown_mod)


async def test_no_nudge_outside_the_helpers_waking_hours(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    """Helpers asleep in their time zone are not pinged; the nudge waits inside its window."""
    await quick_ladder(hearth)
    await hearth.bob.slash(hearth.help, "helper join")
    await hearth.bob.slash(hearth.help, "helper settings", timezone="UTC", start_hour=9, end_hour=17)
    assert hearth.env.now().hour < 9  # the simulated day starts at midnight UTC
    question = await hearth.alice.send(hearth.help, "Anyone around to help with SQL?")
    await store_question(hearth_services, question)
    await hearth.env.advance_time(4 * MINUTE)
    await poll(hearth, hearth_bot)
    assert bot_messages(hearth.help, hearth_bot) == []


async def test_listing_puts_it_on_the_board_without_pings(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    await quick_ladder(hearth)
    await help_wanted_in_general(hearth, hearth_services)
    question = await hearth.alice.send(hearth.help, "Why does @everyone get pinged by my bot <@&123>?")
    await store_question(hearth_services, question, topics=("pings",))
    await hearth.env.advance_time(6 * MINUTE)  # nobody is a helper: the nudge had no one to invite
    await poll(hearth, hearth_bot)
    [board] = bot_messages(hearth.general, hearth_bot)
    assert board.mentions == [] and not board.mention_everyone and board.role_mentions == []
    [embed] = board.embeds
    assert embed.title == "Open questions"
    assert embed.description is not None and str(question.id) in embed.description
    # the board's own asker and channel mentions (inert in an embed) are all that is live
    ours = embed.description.replace(f"<@{hearth.alice.id}>", "").replace(f"<#{hearth.help.id}>", "")
    assert has_live_mention(ours) is False
    assert bot_messages(hearth.help, hearth_bot) == []


async def test_moderator_settings_refuse_members_at_runtime(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any
) -> None:
    root = hearth.env.backend.find_command("nudges", hearth.guild.id, type=1)
    assert root is not None
    hearth.guild.set_command_permissions(int(root["id"]), {hearth.alice: True})  # an admin shows it to her
    refused = await hearth.alice.slash(hearth.help, "nudges set", daily_cap=9)
    assert refused.ephemeral and "Manage Server" in text_of(refused)
    assert (await hearth_services.nudges.settings(hearth.guild.id)).daily_cap == 2
    assert [type(e) for e in hearth.env.errors] == [app_commands.MissingPermissions]
