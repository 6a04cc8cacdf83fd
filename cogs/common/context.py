"""Small helpers cogs share for reaching their service and the invoking guild."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserFacingError


def require_service(bot: Any, name: str) -> Any:
    """`bot.services.<name>`, or a clear error at load time when the container lacks it."""
    services = getattr(bot, "services", None)
    service = getattr(services, name, None)
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


__all__ = ["given_options", "guild_id_of", "require_service"]
