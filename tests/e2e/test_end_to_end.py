"""The real HearthBot, through discord.py's real gateway and HTTP code, against the fake Discord,
with the real services on a SQLite file: questions, answers, slash commands, restart, resume."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.conversation.clock import SystemClock
from bot.runtime.bot import HearthBot
from bot.store.models.core import Message
from tests.cogs.real_services import open_real_services
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.harness import RunningBot, run_bot

EXTENSIONS = ("cogs.listeners", "cogs.hearth", "cogs.questions")
EPHEMERAL = 64


async def _status(bot: HearthBot, guild_id: int, message_id: int) -> str | None:
    await bot.services.pipeline.flush()
    assert bot.services.questions is not None
    found = await bot.services.questions.find(guild_id, message_id)
    return None if found is None else str(found.status)


async def _slash(fake: FakeDiscord, running: RunningBot, user: Any, name: str) -> dict[str, Any]:
    before = len(fake.interaction_responses)
    interaction_id = await fake.slash(user, fake.help, name)
    await running.wait_for(lambda: len(fake.interaction_responses) > before)
    response = fake.interaction_responses[before]
    assert response.get("interaction_id") == interaction_id
    return response


@pytest.mark.timeout(90)
async def test_live_server_question_answer_command_restart(fake: FakeDiscord, tmp_path: Path) -> None:
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    mod = fake.add_member("mod", moderator=True)
    clock = SystemClock()
    db = tmp_path / "hearth.db"
    async with (
        open_real_services(db, clock) as services,
        run_bot(fake, services, clock, extensions=EXTENSIONS) as running,
    ):
        bot = running.bot
        assert {c["name"] for c in fake.commands} >= {"hearth", "questions"}
        question = await fake.member_says(alice, fake.help, "How do I get the bot to post in my channel?")
        qid = int(question["id"])
        await _wait_status(running, bot, fake.guild.id, qid, "open")
        await fake.member_says(
            bob, fake.help, "Give it the Send Messages permission there", reply_to=question
        )
        await _wait_status(running, bot, fake.guild.id, qid, "answered")

        status = await _slash(fake, running, mod, "hearth status")
        assert status["type"] == 4 and int(status["data"]["flags"]) & EPHEMERAL
        assert status["data"]["allowed_mentions"] == {"parse": []}
        pending = await fake.member_says(bob, fake.general, "Is there a way to schedule announcements?")
        await _wait_status(running, bot, fake.guild.id, int(pending["id"]), "open")
        listing = await _slash(fake, running, alice, "questions open")
        assert listing["type"] in (4, 5)
        assert running.errors == []
    assert fake.unhandled == []

    # a new process on the same database: the state is intact and the engine picks up where it was
    async with (
        open_real_services(db, clock) as services,
        run_bot(fake, services, clock, extensions=EXTENSIONS) as running,
    ):
        bot = running.bot
        assert await _status(bot, fake.guild.id, qid) == "answered"
        # the restored engine still holds the open question: a reply now answers it
        await fake.member_says(alice, fake.general, "Yes, with the events tab", reply_to=pending)
        await _wait_status(running, bot, fake.guild.id, int(pending["id"]), "answered")
        assert running.errors == []
    assert fake.gateway.identifies == 2


async def _wait_status(
    running: RunningBot, bot: HearthBot, guild_id: int, message_id: int, wanted: str
) -> None:
    for _ in range(250):
        if await _status(bot, guild_id, message_id) == wanted:
            return
        assert running.task is not None and not running.task.done()
        await asyncio.sleep(0.02)
    raise AssertionError(f"question {message_id} never became {wanted}")


async def _stored_message_ids(services: Any) -> set[int]:
    await services.pipeline.flush()
    async with services.sessionmaker() as session:
        return set((await session.scalars(select(Message.message_id))).all())


@pytest.mark.timeout(90)
async def test_resume_mid_stream_loses_nothing_in_the_store(fake: FakeDiscord, tmp_path: Path) -> None:
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    clock = SystemClock()
    async with (
        open_real_services(tmp_path / "hearth.db", clock) as services,
        run_bot(fake, services, clock) as running,
    ):
        sent = [await fake.member_says(alice, fake.help, f"before the drop {n}") for n in range(3)]
        await fake.gateway.drop()
        sent += [await fake.member_says(bob, fake.general, f"while away {n}") for n in range(3)]
        await fake.gateway.wait_connected()
        sent.append(await fake.member_says(alice, fake.general, "after the resume"))
        wanted = {int(m["id"]) for m in sent}
        for _ in range(250):
            if wanted <= await _stored_message_ids(services):
                break
            await asyncio.sleep(0.02)
        assert wanted <= await _stored_message_ids(services)
        assert fake.gateway.resumes == 1 and fake.gateway.identifies == 1
        assert running.errors == []
