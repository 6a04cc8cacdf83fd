"""Every command is classified, and every moderator command (feature cogs included) refuses members.

`tests/cogs/test_permissions_walk.py` walks the tree and refuses members for every command it
sees as moderator-level (default_permissions or `moderator_only`). A moderator subcommand that
carried neither would look member-level and slip past that walk, so here every command in the
tree must be named in exactly one of the two lists below: a new command fails this test until
someone decides which it is. Each moderator command, the feature ones included (`/hearth
nudges`, `/intros settings`, `/intros run-now`, `/digest send-now`, `/digest settings`), is
then run by a member whose Discord-side permission was overridden to allow it, and must refuse.
"""

from __future__ import annotations

from typing import Any

from discord import app_commands

from bot.runtime.bot import HearthBot
from tests.cogs.commands_support import allow_for, reply_text
from tests.cogs.conftest import (  # noqa: F401  (fixtures)
    hearth,
    hearth_bot,
    hearth_clock,
    hearth_options,
    simcord_bot,
)
from tests.cogs.simworld import HearthWorld
from tests.cogs.test_permissions_walk import (  # noqa: F401  (fixtures)
    REFUSAL,
    context_menus,
    hearth_extensions,
    hearth_services,
    leaf_commands,
    moderator_level,
    sample_options,
)
from tests.reliability.conftest import Figures

MODERATOR_COMMANDS = {
    "hearth setup",
    "hearth status",
    "hearth backfill",
    "hearth nudges show",
    "hearth nudges set",
    "intros settings",
    "intros run-now",
    "digest send-now",
    "digest settings",
    "interests block",
    "interests unblock",
}
# member-level; the ones acting on someone else's question check asker-or-moderator inside
MEMBER_COMMANDS = {
    "digest preview",
    "interests add",
    "interests remove",
    "interests list",
    "intros join",
    "intros pause",
    "intros leave",
    "intros status",
    "helper join",
    "helper leave",
    "helper pause",
    "helper settings",
    "privacy show",
    "privacy export",
    "privacy delete",
    "privacy optout",
    "privacy optin",
    "questions open",
    "questions resolve",
    "Mark as answer",
    "Track as question",
}


async def test_every_command_is_classified_and_moderator_ones_refuse(
    hearth: HearthWorld, hearth_bot: HearthBot, figures: Figures  # noqa: F811  (fixtures imported above)
) -> None:
    commands: dict[str, Any] = {c.qualified_name: c for c in leaf_commands(hearth_bot)}
    commands.update({m.name: m for m in context_menus(hearth_bot)})
    unclassified = set(commands) - MODERATOR_COMMANDS - MEMBER_COMMANDS
    assert not unclassified, f"new commands: add them to MODERATOR_COMMANDS or MEMBER_COMMANDS: {unclassified}"
    assert set(commands) == MODERATOR_COMMANDS | MEMBER_COMMANDS, set(commands) ^ (MODERATOR_COMMANDS | MEMBER_COMMANDS)
    for name in MODERATOR_COMMANDS:
        assert moderator_level(commands[name]), f"/{name} carries neither default_permissions nor a runtime check"
    for name in MEMBER_COMMANDS:
        assert not moderator_level(commands[name]), f"/{name} is moderator-level: move it to MODERATOR_COMMANDS"

    before = len(hearth.env.errors)
    for name in sorted(MODERATOR_COMMANDS):
        command = commands[name]
        root = command.root_parent or command
        allow_for(hearth.env, hearth.guild, root.name, hearth.alice)  # a server admin let members see it
        result = await hearth.alice.slash(hearth.general, name, **sample_options(command, hearth))
        assert result.ephemeral and REFUSAL in reply_text(result), f"/{name} did not refuse a member"
        figures.add("moderator commands refused to a member")
    refusals = hearth.env.errors[before:]
    assert len(refusals) == len(MODERATOR_COMMANDS)
    assert all(isinstance(e, app_commands.MissingPermissions) for e in refusals)
    # and the moderator gets past the check on the same commands (no refusal text)
    for name in ("digest settings", "intros settings", "hearth nudges show", "hearth status"):
        result = await hearth.moderator.slash(hearth.general, name, **sample_options(commands[name], hearth))
        assert REFUSAL not in reply_text(result), f"/{name} refused a moderator"
        figures.add("moderator commands allowed to a moderator")
