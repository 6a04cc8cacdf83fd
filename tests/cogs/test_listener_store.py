"""Listeners through the real pipeline and database: what a server sees is what Hearth stores."""

from __future__ import annotations

from typing import Any

import pytest

from bot.runtime.bot import HearthBot
from tests.cogs.simworld import HearthWorld


@pytest.fixture
def hearth_services(real_hearth_services: Any) -> Any:
    return real_hearth_services


async def _question(bot: HearthBot, guild_id: int, message_id: int) -> Any:
    await bot.services.pipeline.flush()
    assert bot.services.questions is not None
    return await bot.services.questions.find(guild_id, message_id)


async def test_question_then_reply_then_thanks(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    question = await hearth.alice.send(hearth.help, "How do I connect the bot to my server?")
    stored = await _question(hearth_bot, hearth.guild.id, question.id)
    assert stored is not None and stored.status == "open" and stored.asker_id == hearth.alice.id
    answer = await hearth.bob.send(hearth.help, "Use the OAuth2 URL generator", reply_to=question)
    stored = await _question(hearth_bot, hearth.guild.id, question.id)
    assert stored.status == "answered"
    assert stored.first_response_message_id == answer.id
    assert hearth.bob.id in stored.responder_ids
    await hearth.alice.send(hearth.help, f"thanks {hearth.bob.mention}, that worked!")
    stored = await _question(hearth_bot, hearth.guild.id, question.id)
    assert stored.status in ("answered", "resolved")


async def test_checkmark_resolves(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    question = await hearth.alice.send(hearth.help, "Why is my command not showing up?")
    answer = await hearth.bob.send(hearth.help, "You need to sync the tree", reply_to=question)
    await hearth.alice.react(answer, "✅")
    stored = await _question(hearth_bot, hearth.guild.id, question.id)
    assert stored.status == "resolved"


async def test_edit_into_question_and_delete(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    sent = await hearth.alice.send(hearth.help, "hello")
    assert await _question(hearth_bot, hearth.guild.id, sent.id) is None
    await hearth.alice.edit(sent, "How do I change the prefix?")
    edited = await _question(hearth_bot, hearth.guild.id, sent.id)
    assert edited is not None and edited.status == "open"
    await hearth.alice.delete(sent)
    assert await _question(hearth_bot, hearth.guild.id, sent.id) is None


async def test_forum_post_and_thread_reply(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    post, starter = await hearth.forum_post(
        hearth.alice, "Bot offline", "It goes offline at night", tags=["discord"]
    )
    stored = await _question(hearth_bot, hearth.guild.id, starter.id)
    assert stored is not None and stored.status == "open" and stored.source == "forum"
    await hearth.bob.send(post, "Is your host sleeping at night?")
    stored = await _question(hearth_bot, hearth.guild.id, starter.id)
    assert stored.status == "answered"
