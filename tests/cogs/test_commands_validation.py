"""The validation and error wording behind the commands, without Discord."""

from __future__ import annotations

from typing import Any

import pytest
from discord import app_commands

from bot.errors import InvalidInput, UserFacingError
from bot.interests.service import normalize_interest
from bot.questions.service import parse_message_ref
from bot.runtime.command_errors import describe_error, permission_label
from bot.settings.service import timezone_choices, validate_minutes, validate_timezone


@pytest.mark.parametrize("name", ["UTC", "utc", "Europe/Berlin", "America/New_York", " Asia/Tokyo "])
def test_known_timezones_pass(name: str) -> None:
    expected = "UTC" if name.strip().upper() == "UTC" else name.strip()
    assert validate_timezone(name) == expected


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "Europe/../etc/passwd", "GMT+25", "x" * 500])
def test_unknown_timezones_fail(name: str) -> None:
    with pytest.raises(InvalidInput):
        validate_timezone(name)


def test_timezone_choices_prefer_prefix_matches() -> None:
    found = timezone_choices("berl")
    assert "Europe/Berlin" in found and len(found) <= 25


@pytest.mark.parametrize("minutes", [1, 30, 10080])
def test_minutes_in_range(minutes: int) -> None:
    assert validate_minutes(minutes) == minutes


@pytest.mark.parametrize("minutes", [0, -1, 10081, 10**12])
def test_minutes_out_of_range(minutes: int) -> None:
    with pytest.raises(InvalidInput):
        validate_minutes(minutes)


def test_interest_normalised() -> None:
    assert normalize_interest("  Machine   Learning ") == "machine learning"
    assert normalize_interest("C++") == "c++"
    assert normalize_interest("x" * 40) == "x" * 40


@pytest.mark.parametrize("raw", ["", "x" * 41, "@here", "<#1>", "a\u200bb", "**bold**", "-dash"])
def test_bad_interests(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_interest(raw)


def test_message_refs() -> None:
    assert parse_message_ref("123456789012345678", 1) == 123456789012345678
    assert parse_message_ref("https://discord.com/channels/42/7/99999", 42) == 99999
    with pytest.raises(InvalidInput):
        parse_message_ref("https://discord.com/channels/43/7/99999", 42)
    with pytest.raises(InvalidInput):
        parse_message_ref("hello", 42)
    with pytest.raises(InvalidInput):
        parse_message_ref("99999999999999999999", 42)  # beyond 64 bits
    with pytest.raises(InvalidInput):
        parse_message_ref("https://discord.com/channels/42/7/" + "9" * 25, 42)


def test_refusal_names_the_missing_permission() -> None:
    text = describe_error(app_commands.MissingPermissions(["manage_guild"]))
    assert text == "You need the **Manage Server** permission to use this command."
    both = describe_error(app_commands.BotMissingPermissions(["send_messages", "embed_links"]))
    assert both == "I need the **Send Messages** and **Embed Links** permission to do that here."
    assert permission_label("manage_guild") == "Manage Server"


def test_service_errors_are_shown_and_bugs_are_not() -> None:
    command: app_commands.Command[Any, ..., None] = app_commands.Command(name="x", description="x", callback=_noop)
    shown = app_commands.CommandInvokeError(command, UserFacingError("Nope."))
    assert describe_error(shown) == "Nope."
    bug = app_commands.CommandInvokeError(command, KeyError("secret"))
    assert describe_error(bug) is None
    assert describe_error(app_commands.NoPrivateMessage()) == "This command only works in a server."


async def _noop(interaction: object) -> None:
    return None
