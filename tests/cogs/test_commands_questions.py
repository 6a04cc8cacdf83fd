"""/questions open and resolve, and the "Mark as answer" / "Track as question" menus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.conversation.safety import has_live_mention
from bot.runtime.bot import HearthBot
from tests.cogs.commands_support import expected_only, open_command_services, reply_text, services_of
from tests.cogs.simworld import HearthWorld, SimcordClock

MESSAGE_MENU = 3


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.listeners", "cogs.questions"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as services:
        yield services


async def status_of(bot: HearthBot, guild_id: int, message_id: int) -> str:
    question = await services_of(bot).questions.find(guild_id, message_id)
    assert question is not None
    return str(question.status)


async def test_open_lists_questions_with_link_channel_and_age(hearth: HearthWorld) -> None:
    asked = await hearth.alice.send(hearth.help, "How do I configure the proxy for pip?")
    await hearth.env.settle()
    result = await hearth.bob.slash(hearth.general, "questions open")
    text = reply_text(result)
    assert result.ephemeral
    assert "configure the proxy" in text
    assert f"/channels/{hearth.guild.id}/{hearth.help.id}/{asked.id}" in text  # jump link
    assert f"<#{hearth.help.id}>" in text  # channel
    assert "<t:" in text  # age as a live relative timestamp
    assert "1 open" in text


async def test_open_is_empty_when_nothing_waits(hearth: HearthWorld) -> None:
    result = await hearth.bob.slash(hearth.general, "questions open")
    assert "Nothing open" in reply_text(result)


async def test_open_never_shows_a_live_mention(hearth: HearthWorld) -> None:
    await hearth.alice.send(hearth.help, "@everyone how do I fix <@&123> and <#456> @here ?")
    await hearth.env.settle()
    result = await hearth.bob.slash(hearth.general, "questions open", public=True)
    response = result.response
    assert response is not None and not result.ephemeral
    listed = "".join(embed.description or "" for embed in response.embeds)
    assert "everyone how do I fix" in listed  # the question is listed...
    # ...and what the member wrote (the link text) is inert; the asker is named with a mention,
    # which an embed shows as a name and never pings
    member_text = [line.split("](", 1)[0] for line in listed.splitlines() if "](" in line]
    assert member_text and not any(has_live_mention(part) for part in member_text)
    assert not has_live_mention(response.content)


async def test_open_pages_with_buttons(hearth: HearthWorld) -> None:
    for i in range(7):  # forum posts: each one its own question, whatever the chat flow
        await hearth.forum_post(hearth.members[i % 3], f"Problem {i}", f"How do I solve problem number {i}?")
        await hearth.env.advance_time(60)
    await hearth.env.settle()
    result = await hearth.bob.slash(hearth.general, "questions open")
    assert "Page 1 of 2" in reply_text(result)
    assert "problem number 0" in reply_text(result)
    response = result.response
    assert response is not None
    await hearth.bob.click(response, label="Next")
    assert "Page 2 of 2" in reply_text(result)
    assert "problem number 6" in reply_text(result)
    assert "problem number 0" not in reply_text(result)


async def test_open_filters_by_channel(hearth: HearthWorld) -> None:
    await hearth.alice.send(hearth.help, "How do I read a file in python?")
    await hearth.carol.send(hearth.general, "Does anyone know a good editor?")
    await hearth.env.settle()
    result = await hearth.bob.slash(hearth.general, "questions open", channel=hearth.general)
    text = reply_text(result)
    assert "good editor" in text and "read a file" not in text


async def test_resolve_by_asker(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    asked = await hearth.alice.send(hearth.help, "How do I update my graphics driver?")
    await hearth.env.settle()
    choices = await hearth.alice.autocomplete(hearth.help, "questions resolve", "question", "")
    assert [c["value"] for c in choices] == [str(asked.id)]
    result = await hearth.alice.slash(hearth.help, "questions resolve", question=str(asked.id))
    assert result.ephemeral and "Resolved" in reply_text(result)
    assert await status_of(hearth_bot, hearth.guild.id, asked.id) == "resolved"


async def test_resolve_by_moderator_with_a_link(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    asked = await hearth.alice.send(hearth.help, "How do I reset my password?")
    await hearth.env.settle()
    link = f"https://discord.com/channels/{hearth.guild.id}/{hearth.help.id}/{asked.id}"
    result = await hearth.moderator.slash(hearth.help, "questions resolve", question=link)
    assert "Resolved" in reply_text(result)
    assert await status_of(hearth_bot, hearth.guild.id, asked.id) == "resolved"


async def test_resolve_refuses_other_members(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    asked = await hearth.alice.send(hearth.help, "How do I mount a network drive?")
    await hearth.env.settle()
    assert await hearth.bob.autocomplete(hearth.help, "questions resolve", "question", "") == []
    result = await hearth.bob.slash(hearth.help, "questions resolve", question=str(asked.id))
    assert result.ephemeral
    assert "Only the member who asked or a moderator" in reply_text(result)
    assert await status_of(hearth_bot, hearth.guild.id, asked.id) == "open"
    assert expected_only(hearth.env.errors)


@pytest.mark.parametrize("value", ["not a link", "123", "https://discord.com/channels/1/2/3"])
async def test_resolve_rejects_unknown_or_foreign_questions(hearth: HearthWorld, value: str) -> None:
    result = await hearth.alice.slash(hearth.help, "questions resolve", question=value)
    assert result.ephemeral
    assert reply_text(result)
    assert expected_only(hearth.env.errors)


async def test_mark_as_answer_by_asker(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    asked = await hearth.alice.send(hearth.help, "How do I undo my last git commit?")
    await hearth.env.settle()
    answer = await hearth.bob.send(hearth.help, "git reset --soft HEAD~1", reply_to=asked)
    await hearth.env.settle()
    result = await hearth.alice.context_menu(hearth.help, "Mark as answer", answer)
    assert result.ephemeral and "Marked as the answer" in reply_text(result)
    question = await services_of(hearth_bot).questions.find(hearth.guild.id, asked.id)
    assert question is not None and question.status == "resolved"
    assert hearth.bob.id in question.responder_ids


async def test_mark_as_answer_refuses_a_bystander(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    asked = await hearth.alice.send(hearth.help, "How do I list hidden files?")
    await hearth.env.settle()
    answer = await hearth.bob.send(hearth.help, "ls -a", reply_to=asked)
    await hearth.env.settle()
    result = await hearth.carol.context_menu(hearth.help, "Mark as answer", answer)
    assert "Only the member who asked or a moderator" in reply_text(result)
    assert await status_of(hearth_bot, hearth.guild.id, asked.id) != "resolved"
    assert expected_only(hearth.env.errors)


async def test_track_as_question(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    message = await hearth.alice.send(hearth.general, "My build fails after the upgrade.")
    await hearth.env.settle()
    assert await services_of(hearth_bot).questions.find(hearth.guild.id, message.id) is None
    result = await hearth.alice.context_menu(hearth.general, "Track as question", message)
    assert result.ephemeral and "Tracked as a question" in reply_text(result)
    question = await services_of(hearth_bot).questions.find(hearth.guild.id, message.id)
    assert question is not None and question.asker_id == hearth.alice.id and question.status == "open"
    listing = await hearth.bob.slash(hearth.general, "questions open")
    assert f"/{hearth.general.id}/{message.id})" in reply_text(listing)


async def test_track_refuses_someone_elses_message(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    message = await hearth.alice.send(hearth.general, "My build fails after the upgrade.")
    await hearth.env.settle()
    result = await hearth.carol.context_menu(hearth.general, "Track as question", message)
    assert "Only the author of the message or a moderator" in reply_text(result)
    assert await services_of(hearth_bot).questions.find(hearth.guild.id, message.id) is None
    assert expected_only(hearth.env.errors)


async def test_moderator_tracks_a_members_message(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    message = await hearth.alice.send(hearth.general, "The installer crashes on start.")
    await hearth.env.settle()
    result = await hearth.moderator.context_menu(hearth.general, "Track as question", message)
    assert "Tracked as a question" in reply_text(result)
    question = await services_of(hearth_bot).questions.find(hearth.guild.id, message.id)
    assert question is not None and question.asker_id == hearth.alice.id


async def test_open_offers_the_asker_a_resolve_menu(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    asked = await hearth.alice.send(hearth.help, "How do I rotate my API key?")
    await hearth.bob.send(hearth.help, "Does anyone know a good theme for the editor?")
    await hearth.env.settle()
    bystander = await hearth.carol.slash(hearth.general, "questions open")
    assert bystander.response is not None and bystander.response.components == []  # nothing to resolve

    result = await hearth.alice.slash(hearth.general, "questions open")
    response = result.response
    assert response is not None and response.components  # alice sees a menu with her own question
    await hearth.alice.select(response, [str(asked.id)])
    assert await status_of(hearth_bot, hearth.guild.id, asked.id) == "resolved"
    assert "rotate my API key" not in reply_text(result)  # the page was re-rendered without it
    assert "good theme" in reply_text(result)
