"""The one app-command error handler: expected errors become ephemeral replies, the rest is logged."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.errors import UserFacingError

log = logging.getLogger("hearth.commands")

NO_MENTIONS = discord.AllowedMentions.none()


def permission_label(name: str) -> str:
    """`manage_guild` -> `Manage Server` (the wording of Discord's own settings)."""
    special = {
        "manage_guild": "Manage Server",
        "administrator": "Administrator",
        "send_messages": "Send Messages",
        "embed_links": "Embed Links",
        "read_message_history": "Read Message History",
        "view_channel": "View Channel",
    }
    return special.get(name, name.replace("_", " ").replace("guild", "server").title())


def _join(names: list[str]) -> str:
    labels = [f"**{permission_label(n)}**" for n in names]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def describe_error(error: app_commands.AppCommandError) -> str | None:
    """The text shown for an expected error, or None when the error is a bug to log."""
    if isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, UserFacingError):
        return error.original.message
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_join(list(error.missing_permissions))} permission to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the {_join(list(error.missing_permissions))} permission to do that here."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.TransformerError):
        return f"I could not understand `{discord.utils.escape_markdown(str(error.value))[:100]}`."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Reply (or follow up) privately, pinging nobody."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id, exc_info=True)


async def handle_app_command_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError, *, log_unexpected: bool = True
) -> bool:
    """Reply privately to the member; True when the error was an expected refusal."""
    text = describe_error(error)
    expected = text is not None
    if text is None:
        if log_unexpected:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("app command %r failed", command, exc_info=error)
        text = "Something went wrong on my side; it has been logged."
    else:
        log.debug("app command refused: %s", type(error).__name__)
    await send_ephemeral(interaction, text)
    return expected


class HearthTree(app_commands.CommandTree[Any]):
    """A command tree whose `on_error` is the Hearth error handler (pass as `tree_cls=`)."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        await handle_app_command_error(interaction, error)


ErrorHook = Callable[[discord.Interaction[Any], app_commands.AppCommandError], Awaitable[None]]


def ensure_error_handler(tree: app_commands.CommandTree[Any]) -> None:
    """Install the handler on a tree that is not a HearthTree (idempotent).

    Expected refusals are answered here; anything else is answered and then handed to the
    handler that was installed before (which logs it, or collects it in a test harness).
    """
    if isinstance(tree, HearthTree) or getattr(tree.on_error, "__hearth__", False):
        return
    previous: ErrorHook = tree.on_error

    async def on_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        expected = await handle_app_command_error(interaction, error, log_unexpected=False)
        if not expected:
            await previous(interaction, error)

    on_error.__hearth__ = True  # type: ignore[attr-defined]
    tree.on_error = on_error  # type: ignore[method-assign]


__all__ = [
    "HearthTree",
    "describe_error",
    "ensure_error_handler",
    "handle_app_command_error",
    "permission_label",
    "send_ephemeral",
]
