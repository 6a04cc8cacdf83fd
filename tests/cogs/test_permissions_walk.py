"""Walk the whole app command tree with every extension in `cogs/` loaded.

Every moderator command (default_permissions set on it or its group, or declared with
`moderator_only`) must refuse a member without Manage Server at runtime, even when a server
admin has overridden Discord's default permissions for that member. A new command cannot slip
through: the walk finds it by itself.
"""

from __future__ import annotations

import pkgutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import AppCommandOptionType as Opt
from discord import app_commands

import cogs
from bot.runtime.bot import HearthBot
from cogs.common.checks import is_moderator_command
from tests.cogs.commands_support import allow_for, open_command_services, reply_text
from tests.cogs.simworld import HearthWorld, SimcordClock

REFUSAL = "You need the **Manage Server** permission"
KNOWN_MODERATOR_COMMANDS = {"hearth setup", "hearth status", "hearth backfill"}


def all_extensions() -> list[str]:
    return sorted(
        f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.ispkg and not m.name.startswith("_")
    )


@pytest.fixture
def hearth_extensions() -> list[str]:
    return all_extensions()


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock, features=True) as services:
        yield services


def moderator_level(command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu) -> bool:
    root = command.root_parent if isinstance(command, app_commands.Command) else None
    holder = root or command
    perms = holder.default_permissions or command.default_permissions
    return (perms is not None and perms.value != 0) or is_moderator_command(command)


def leaf_commands(bot: HearthBot) -> list[app_commands.Command[Any, ..., Any]]:
    return [c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)]


def context_menus(bot: HearthBot) -> list[app_commands.ContextMenu]:
    menus: list[app_commands.ContextMenu] = []
    for kind in (discord.AppCommandType.message, discord.AppCommandType.user):
        menus.extend(c for c in bot.tree.get_commands(type=kind) if isinstance(c, app_commands.ContextMenu))
    return menus


def sample_options(command: app_commands.Command[Any, ..., Any], world: HearthWorld) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for param in command.parameters:
        if not param.required:
            continue
        if param.choices:
            values[param.name] = param.choices[0].value
        elif param.type is Opt.string:
            values[param.name] = "sample"
        elif param.type is Opt.integer:
            values[param.name] = int(param.min_value) if param.min_value is not None else 1
        elif param.type is Opt.number:
            values[param.name] = float(param.min_value) if param.min_value is not None else 1.0
        elif param.type is Opt.boolean:
            values[param.name] = False
        elif param.type is Opt.channel:
            values[param.name] = world.forum if discord.ChannelType.forum in param.channel_types else world.general
        elif param.type in (Opt.user, Opt.mentionable):
            values[param.name] = world.bob
        elif param.type is Opt.role:
            values[param.name] = world.mod_role
        elif param.type is Opt.attachment:
            values[param.name] = ("sample.txt", b"sample")
        else:
            raise AssertionError(f"no sample value for option {param.name} of /{command.qualified_name}")
    return values


async def test_every_extension_loads(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    assert sorted(hearth_bot.loaded_extensions) == all_extensions()
    assert hearth_bot.skipped_extensions == []


async def test_every_command_is_guild_only(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    roots = list(hearth_bot.tree.get_commands()) + context_menus(hearth_bot)
    assert roots
    for command in roots:
        assert command.guild_only, f"/{command.name} must be guild_only"


async def test_every_moderator_command_refuses_members(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    tried: set[str] = set()
    for command in leaf_commands(hearth_bot):
        if not moderator_level(command):
            continue
        root = command.root_parent or command
        allow_for(hearth.env, hearth.guild, root.name, hearth.alice)
        result = await hearth.alice.slash(hearth.general, command.qualified_name, **sample_options(command, hearth))
        assert result.ephemeral, f"/{command.qualified_name}: refusal must be ephemeral"
        assert REFUSAL in reply_text(result), f"/{command.qualified_name} did not refuse a member"
        tried.add(command.qualified_name)
    for menu in context_menus(hearth_bot):
        if not moderator_level(menu):
            continue
        target: Any
        if menu.type is discord.AppCommandType.message:
            target = await hearth.bob.send(hearth.general, "a message to act on")
        else:
            target = hearth.bob
        allow_for(hearth.env, hearth.guild, menu.name, hearth.alice, type=menu.type.value)
        result = await hearth.alice.context_menu(hearth.general, menu.name, target)
        assert result.ephemeral and REFUSAL in reply_text(result), f"menu {menu.name!r} did not refuse a member"
        tried.add(menu.name)
    missing = KNOWN_MODERATOR_COMMANDS - tried
    assert not missing, f"moderator commands missing from the walk: {missing}"
    refusals = hearth.env.errors  # each refusal went through the tree's one error handler
    assert len(refusals) == len(tried)
    assert all(isinstance(e, app_commands.MissingPermissions) for e in refusals)


async def test_moderator_flag_matches_default_permissions(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    # A command with a runtime moderator check also carries default_permissions (Discord applies it
    # to top-level commands; on a subcommand of a mixed group the runtime check is what counts).
    for command in leaf_commands(hearth_bot):
        if is_moderator_command(command):
            root = command.root_parent or command
            perms = command.default_permissions or root.default_permissions
            assert perms is not None and perms.manage_guild, f"/{command.qualified_name} lacks default_permissions"
