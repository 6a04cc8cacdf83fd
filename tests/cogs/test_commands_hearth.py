"""/hearth setup, status and backfill through simcord, on real services and a migrated SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands

from bot.runtime.bot import HearthBot
from tests.cogs.commands_support import (
    allow_for,
    expected_only,
    open_command_services,
    reply_text,
    services_of,
)
from tests.cogs.simworld import HearthWorld, SimcordClock


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.listeners", "cogs.hearth", "cogs.questions"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as services:
        yield services


async def test_setup_saves_valid_settings(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    result = await hearth.moderator.slash(
        hearth.general,
        "hearth setup",
        timezone="Europe/Berlin",
        response_target_minutes=45,
        digest_channel=hearth.general,
        help_channel_add=hearth.help,
        snippet_chars=80,
        staff_role_add=hearth.mod_role,
    )
    assert result.ephemeral
    assert "Settings saved" in reply_text(result)
    stored = await services_of(hearth_bot).settings.get(hearth.guild.id)
    assert stored.timezone == "Europe/Berlin"
    assert stored.response_target_minutes == 45
    assert stored.digest_channel_id == hearth.general.id
    assert list(stored.help_channel_ids) == [hearth.help.id]
    assert stored.snippet_chars == 80
    assert list(stored.staff_role_ids) == [hearth.mod_role.id]
    # the engine's rules follow the change
    assert hearth.help.id in services_of(hearth_bot).pipeline.rules.get(hearth.guild.id).help_channel_ids


async def test_setup_without_options_shows_settings(hearth: HearthWorld) -> None:
    result = await hearth.moderator.slash(hearth.general, "hearth setup")
    text = reply_text(result)
    assert result.ephemeral
    assert "Nothing changed" in text and "Time zone: UTC" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "not a time zone"),
        ({"response_target_minutes": 0}, "between 1 and 10080"),
        ({"response_target_minutes": 10081}, "between 1 and 10080"),
        ({"snippet_chars": 5000}, "between 0"),
        ({"timezone": "Europe/Paris", "response_target_minutes": -3}, "between 1 and 10080"),
    ],
)
async def test_setup_rejects_bad_arguments_and_stores_nothing(
    hearth: HearthWorld, hearth_bot: HearthBot, options: dict[str, Any], message: str
) -> None:
    before = await services_of(hearth_bot).settings.get(hearth.guild.id)
    result = await hearth.moderator.slash(hearth.general, "hearth setup", **options)
    assert result.ephemeral
    assert message in reply_text(result)
    assert await services_of(hearth_bot).settings.get(hearth.guild.id) == before
    assert expected_only(hearth.env.errors)


async def test_setup_rejects_channel_the_bot_cannot_post_in(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    me = hearth_bot.user
    assert me is not None
    bot_member = hearth.guild.me
    assert bot_member is not None
    locked = hearth.guild.create_text_channel(
        "locked", overwrites={bot_member: discord.PermissionOverwrite(send_messages=False)}
    )
    await hearth.env.settle()
    result = await hearth.moderator.slash(hearth.general, "hearth setup", digest_channel=locked)
    assert result.ephemeral
    assert "cannot post" in reply_text(result)
    assert "Send Messages" in reply_text(result)
    stored = await services_of(hearth_bot).settings.get(hearth.guild.id)
    assert stored.digest_channel_id is None
    assert expected_only(hearth.env.errors)


async def test_timezone_autocomplete_suggests_iana_names(hearth: HearthWorld) -> None:
    choices = await hearth.moderator.autocomplete(hearth.general, "hearth setup", "timezone", "europe/ber")
    assert [c["value"] for c in choices][:1] == ["Europe/Berlin"]


async def test_status_shows_settings_and_open_questions(hearth: HearthWorld) -> None:
    await hearth.alice.send(hearth.help, "How do I install the package on Windows?")
    await hearth.env.settle()
    result = await hearth.moderator.slash(hearth.general, "hearth status")
    text = reply_text(result)
    assert result.ephemeral
    assert "Hearth status" in text
    assert "Open questions: 1" in text
    assert "Message content: on" in text


async def test_backfill_reads_history_and_reports_progress(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    result = await hearth.moderator.slash(hearth.general, "hearth backfill", days=7)
    assert result.ephemeral
    await hearth.env.settle()
    final = result.response
    assert final is not None
    assert "Backfill done" in final.content


async def test_backfill_rejects_out_of_range_days(hearth: HearthWorld) -> None:
    result = await hearth.moderator.slash(hearth.general, "hearth backfill", days=0)
    assert result.ephemeral
    assert "between 1 and 365" in reply_text(result)
    assert expected_only(hearth.env.errors)


@pytest.mark.parametrize("command", ["hearth setup", "hearth status", "hearth backfill"])
async def test_member_without_manage_server_is_refused(hearth: HearthWorld, command: str) -> None:
    # Discord hides the command (default_permissions), but an admin can override that per member:
    # the runtime check must still refuse.
    allow_for(hearth.env, hearth.guild, "hearth", hearth.alice)
    result = await hearth.alice.slash(hearth.general, command)
    assert result.ephemeral
    assert "Manage Server" in reply_text(result)
    errors = hearth.env.errors
    assert all(isinstance(e, app_commands.MissingPermissions) for e in errors)


async def test_hearth_commands_are_hidden_from_members_by_default(hearth: HearthWorld) -> None:
    assert not any(name.startswith("hearth") for name in hearth.alice.available_commands(hearth.general))
    assert any(name.startswith("hearth") for name in hearth.moderator.available_commands(hearth.general))
