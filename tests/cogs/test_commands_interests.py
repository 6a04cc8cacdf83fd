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


async def test_autocomplete_offers_the_servers_interests(hearth: HearthWorld) -> None:
    await hearth.alice.slash(hearth.general, "interests add", interest="photography")
    await hearth.bob.slash(hearth.general, "interests add", interest="physics")
    await hearth.bob.slash(hearth.general, "interests add", interest="cooking")
    choices = await hearth.carol.autocomplete(hearth.general, "interests add", "interest", "ph")
    assert sorted(c["value"] for c in choices) == ["photography", "physics"]
    mine = await hearth.bob.autocomplete(hearth.general, "interests remove", "interest", "")
    assert sorted(c["value"] for c in mine) == ["cooking", "physics"]


async def test_interests_are_per_server(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    await hearth.alice.slash(hearth.general, "interests add", interest="chess")
    assert await stored(hearth_bot, hearth.guild.id + 1, hearth.alice.id) == []
