"""/privacy show|export|delete|optout|optin."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.runtime.bot import HearthBot
from tests.cogs.commands_support import open_command_services, reply_text, services_of
from tests.cogs.simworld import HearthWorld, SimcordClock


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.listeners", "cogs.questions", "cogs.interests", "cogs.privacy"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as services:
        yield services


async def seed(hearth: HearthWorld) -> int:
    asked = await hearth.alice.send(hearth.help, "How do I enable two factor login?")
    await hearth.bob.send(hearth.help, "Settings, then Security.", reply_to=asked)
    await hearth.alice.slash(hearth.general, "interests add", interest="security")
    await hearth.env.settle()
    return asked.id


async def test_show_lists_what_is_stored(hearth: HearthWorld) -> None:
    await seed(hearth)
    result = await hearth.alice.slash(hearth.general, "privacy show")
    assert result.ephemeral
    text = reply_text(result)
    assert "What Hearth stores about you here" in text
    assert "never message text" in text


async def test_export_is_a_json_file_of_the_members_data(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    await seed(hearth)
    result = await hearth.alice.slash(hearth.general, "privacy export")
    response = result.response
    assert response is not None and result.ephemeral
    assert len(response.attachments) == 1
    document = json.loads(await response.attachments[0].read())
    assert document["user_id"] == str(hearth.alice.id)
    assert document["guild_id"] == str(hearth.guild.id)
    assert "security" in json.dumps(document["data"])  # the interest is part of the export


async def test_optout_stops_tracking_and_optin_restarts(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    result = await hearth.alice.slash(hearth.general, "privacy optout")
    assert result.ephemeral and "no longer tracks" in reply_text(result)
    assert await services_of(hearth_bot).privacy.is_opted_out(hearth.guild.id, hearth.alice.id)
    rules = services_of(hearth_bot).pipeline.rules.get(hearth.guild.id)
    assert hearth.alice.id in rules.opted_out_user_ids

    asked = await hearth.alice.send(hearth.help, "How do I change my avatar?")
    await hearth.env.settle()
    assert await services_of(hearth_bot).questions.find(hearth.guild.id, asked.id) is None

    again = await hearth.alice.slash(hearth.general, "privacy optout")
    assert "already" in reply_text(again)
    back = await hearth.alice.slash(hearth.general, "privacy optin")
    assert "Welcome back" in reply_text(back)
    assert not await services_of(hearth_bot).privacy.is_opted_out(hearth.guild.id, hearth.alice.id)
    asked = await hearth.alice.send(hearth.help, "How do I change my banner?")
    await hearth.env.settle()
    assert await services_of(hearth_bot).questions.find(hearth.guild.id, asked.id) is not None


@pytest.mark.parametrize("confirm", [True, False])
async def test_delete_asks_for_confirmation(hearth: HearthWorld, hearth_bot: HearthBot, confirm: bool) -> None:
    question_id = await seed(hearth)
    result = await hearth.alice.slash(hearth.general, "privacy delete")
    response = result.response
    assert response is not None and result.ephemeral
    await hearth.alice.click(response, label="Delete my data" if confirm else "Cancel")
    text = reply_text(result)
    questions = services_of(hearth_bot).questions
    interests = services_of(hearth_bot).interests
    if confirm:
        assert "Removed you from" in text and "deleted or anonymised" in text
        assert await questions.find(hearth.guild.id, question_id) is None
        assert await interests.for_member(hearth.guild.id, hearth.alice.id) == []
        summary = await services_of(hearth_bot).privacy.summary(hearth.guild.id, hearth.alice.id)
        assert summary["rows_by_table"] == {}
        assert summary["questions_asked"] == [] and summary["interests"] == []
        # the engine forgot the question: a late reply does not write it back
        await hearth.carol.send(hearth.help, "Also check the app settings.")
        await hearth.env.settle()
        assert await questions.find(hearth.guild.id, question_id) is None
    else:
        assert "nothing was deleted" in text
        assert await questions.find(hearth.guild.id, question_id) is not None
        assert await interests.for_member(hearth.guild.id, hearth.alice.id) == ["security"]


async def test_delete_keeps_an_opt_out(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    await hearth.alice.slash(hearth.general, "privacy optout")
    result = await hearth.alice.slash(hearth.general, "privacy delete")
    assert result.response is not None
    await hearth.alice.click(result.response, label="Delete my data")
    assert await services_of(hearth_bot).privacy.is_opted_out(hearth.guild.id, hearth.alice.id)


async def test_show_reads_as_words_with_the_json_attached(hearth: HearthWorld) -> None:
    await seed(hearth)
    result = await hearth.alice.slash(hearth.general, "privacy show")
    response = result.response
    assert response is not None and result.ephemeral
    embed = response.embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Tracking"].startswith("On: ")
    assert fields["Interests"] == "security"
    assert fields["Activity"] == (
        "1 message recorded · 0 responses from you to others · 1 response from others to you"
    )
    questions = fields["Questions you asked"].splitlines()
    assert questions[0] == "1 question: 1 answered"
    assert f"<#{hearth.help.id}>" in questions[1] and "How do I enable two factor login?" in questions[1]
    assert questions[1].startswith("- <t:") and questions[1].endswith("(answered)")
    assert "Seen here" in fields and "<t:" in fields["Seen here"]
    assert fields["Stored rows"] == "5 rows in 5 tables: interactions 1, interests 1, members 1, messages 1, questions 1"
    assert fields["Time zone"] == "not set"
    text = reply_text(result)
    for raw in ("{", "}", '"', "_at", "rows_by_table", "messages_recorded"):
        assert raw not in text, raw
    # the whole record rides along as a file, the same as /privacy export
    assert len(response.attachments) == 1
    document = json.loads(await response.attachments[0].read())
    assert document["user_id"] == str(hearth.alice.id)
    assert document["data"]["interests"] == ["security"]


async def test_show_says_when_tracking_is_off(hearth: HearthWorld) -> None:
    await hearth.alice.slash(hearth.general, "privacy optout")
    result = await hearth.alice.slash(hearth.general, "privacy show")
    fields = {f.name: f.value for f in result.response.embeds[0].fields} if result.response else {}
    assert fields["Tracking"].startswith("Off: you opted out")
    assert fields["Interests"].startswith("none")
    assert fields["Questions you asked"] == "none"
