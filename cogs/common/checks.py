"""Permission checks for app commands.

`default_permissions` only hides a command in Discord clients (and a server admin can
override it), so every moderator command also carries a runtime check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

T = TypeVar("T")

MODERATOR_PERMISSION = "manage_guild"
MODERATOR_MARK = "__hearth_moderator__"


def has_moderator_permission(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server (or Administrator) in the guild, as Discord resolved it for this interaction."""
    if interaction.guild is None:
        return False
    perms = interaction.permissions
    if perms.manage_guild or perms.administrator:
        return True
    user = interaction.user
    if isinstance(user, discord.Member):
        guild_perms = user.guild_permissions
        return guild_perms.manage_guild or guild_perms.administrator
    return False


async def moderator_predicate(interaction: discord.Interaction[Any]) -> bool:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    if has_moderator_permission(interaction):
        return True
    raise app_commands.MissingPermissions([MODERATOR_PERMISSION])


def moderator_only() -> Callable[[T], T]:
    """guild_only + default_permissions(manage_guild) + a runtime Manage Server check.

    Put it below `@app_commands.command(...)` (or on the callback of a context menu).
    """

    def decorator(func: T) -> T:
        func = app_commands.check(moderator_predicate)(func)
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)
        target = func.callback if isinstance(func, app_commands.Command) else func
        setattr(target, MODERATOR_MARK, True)
        return func

    return decorator


def is_moderator_command(command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu) -> bool:
    """True when the command was declared moderator-only (used by the permission walk)."""
    return bool(getattr(command.callback, MODERATOR_MARK, False)) or moderator_predicate in command.checks


__all__ = [
    "MODERATOR_PERMISSION",
    "has_moderator_permission",
    "is_moderator_command",
    "moderator_only",
    "moderator_predicate",
]
