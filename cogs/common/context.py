"""Small helpers cogs share for reaching their service and the invoking guild."""

from __future__ import annotations

from typing import Any, TypeVar

import discord

from bot.errors import UserFacingError

T = TypeVar("T")


def needed(service: T | None, name: str) -> T:
    """A service a cog cannot work without (`bot.services.<name>`): a clear error at load time
    when the container was built without it."""
    if service is None:
        raise RuntimeError(f"this extension needs bot.services.{name}, which is not configured")
    return service


def guild_id_of(interaction: discord.Interaction[Any]) -> int:
    if interaction.guild_id is None:
        raise UserFacingError("This command only works in a server.")
    return interaction.guild_id


def given_options(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    """The options the member actually gave to the slash command (left-out ones are None)."""
    return {name: value for name, value in interaction.namespace if value is not None}


__all__ = ["given_options", "guild_id_of", "needed"]
