"""/interests add|remove|list with autocomplete from the server's interests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.runtime.bot import HearthBot
from tests.cogs.commands_support import expected_only, open_command_services, reply_text, services_of
from tests.cogs.simworld import HearthWorld, SimcordClock


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.interests"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as services:
        yield services


async def stored(bot: HearthBot, guild_id: int, user_id: int) -> list[str]:
    return list(await services_of(bot).interests.for_member(guild_id, user_id))


async def test_add_list_remove(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    result = await hearth.alice.slash(hearth.general, "interests add", interest="  Rust   Programming ")
    assert result.ephemeral and "rust programming" in reply_text(result)
    await hearth.alice.slash(hearth.general, "interests add", interest="gardening")
    assert await stored(hearth_bot, hearth.guild.id, hearth.alice.id) == ["gardening", "rust programming"]

    listing = await hearth.alice.slash(hearth.general, "interests list")
    assert "gardening" in reply_text(listing) and "rust programming" in reply_text(listing)

    removed = await hearth.alice.slash(hearth.general, "interests remove", interest="Gardening")
    assert "Removed" in reply_text(removed)
    assert await stored(hearth_bot, hearth.guild.id, hearth.alice.id) == ["rust programming"]


async def test_list_when_empty(hearth: HearthWorld) -> None:
    result = await hearth.bob.slash(hearth.general, "interests list")
    assert "no interests" in reply_text(result)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x" * 41, "at most 40 characters"),
        ("   ", "cannot be empty"),
        ("@everyone", "letters, digits"),
        ("<@123>", "letters, digits"),
        ("line\nbreak`", "letters, digits"),
    ],
)
async def test_add_rejects_bad_interests(
    hearth: HearthWorld, hearth_bot: HearthBot, value: str, message: str
) -> None:
    result = await hearth.alice.slash(hearth.general, "interests add", interest=value)
    assert result.ephemeral and message in reply_text(result)
    assert await stored(hearth_bot, hearth.guild.id, hearth.alice.id) == []
    assert expected_only(hearth.env.errors)


async def test_add_twice_and_remove_unknown_are_refused(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    await hearth.alice.slash(hearth.general, "interests add", interest="chess")
    again = await hearth.alice.slash(hearth.general, "interests add", interest="Chess")
    assert "already" in reply_text(again)
    missing = await hearth.alice.slash(hearth.general, "interests remove", interest="go")
    assert "not one of your interests" in reply_text(missing)
    assert await stored(hearth_bot, hearth.guild.id, hearth.alice.id) == ["chess"]
    assert expected_only(hearth.env.errors)


async def test_autocomplete_offers_the_servers_shared_interests(hearth: HearthWorld) -> None:
    for member in (hearth.alice, hearth.bob):
        await member.slash(hearth.general, "interests add", interest="photography")
        await member.slash(hearth.general, "interests add", interest="physics")
    await hearth.bob.slash(hearth.general, "interests add", interest="phrase only bob uses")
    await hearth.bob.slash(hearth.general, "interests add", interest="cooking")
    choices = await hearth.carol.autocomplete(hearth.general, "interests add", "interest", "ph")
    # one member's own words are never offered to everyone
    assert sorted(c["value"] for c in choices) == ["photography", "physics"]
    mine = await hearth.bob.autocomplete(hearth.general, "interests remove", "interest", "")
    assert sorted(c["value"] for c in mine) == ["cooking", "photography", "phrase only bob uses", "physics"]


async def test_a_moderator_blocks_an_interest_server_wide(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    for member in (hearth.alice, hearth.bob):
        await member.slash(hearth.general, "interests add", interest="slurword")
    refused = await hearth.alice.slash(hearth.general, "interests block", interest="slurword")
    assert "Manage Server" in reply_text(refused)
    done = await hearth.moderator.slash(hearth.general, "interests block", interest="SlurWord")
    assert done.ephemeral and "removed from 2 members" in reply_text(done)
    assert await stored(hearth_bot, hearth.guild.id, hearth.alice.id) == []
    assert await hearth.carol.autocomplete(hearth.general, "interests add", "interest", "slur") == []
    again = await hearth.carol.slash(hearth.general, "interests add", interest="slurword fans")
    assert "blocked" in reply_text(again)
    assert await stored(hearth_bot, hearth.guild.id, hearth.carol.id) == []
    allowed = await hearth.moderator.slash(hearth.general, "interests unblock", interest="slurword")
    assert "can be added again" in reply_text(allowed)
    await hearth.carol.slash(hearth.general, "interests add", interest="slurword")
    assert await stored(hearth_bot, hearth.guild.id, hearth.carol.id) == ["slurword"]
    assert expected_only(hearth.env.errors)


async def test_interests_are_per_server(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    await hearth.alice.slash(hearth.general, "interests add", interest="chess")
    assert await stored(hearth_bot, hearth.guild.id + 1, hearth.alice.id) == []
