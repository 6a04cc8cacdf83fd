"""/interests add|remove|list (and block|unblock for moderators): what a member likes to talk about (used for introductions and helpers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.conversation.safety import escape_markdown, neutralize_mentions
from bot.interests.service import MAX_INTEREST_CHARS, InterestService
from bot.runtime.command_errors import ensure_error_handler
from cogs.common.checks import moderator_only
from cogs.common.context import guild_id_of, needed
from cogs.common.embeds import base_embed, no_mentions

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot


def _shown(interest: str) -> str:
    return escape_markdown(neutralize_mentions(interest))


def _choices(names: list[str], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete choices among `names` containing what was typed (Discord allows 25)."""
    needle = current.strip().lower()
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names if needle in n.lower()][:25]


async def _confirm(interaction: discord.Interaction[Any], text: str) -> None:
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=no_mentions())


@app_commands.guild_only()
class InterestsCog(commands.GroupCog, group_name="interests", group_description="Your interests in this server"):
    def __init__(self, bot: HearthBot, interests: InterestService) -> None:
        self.bot = bot
        self.interests = interests
        super().__init__()

    async def cog_load(self) -> None:
        ensure_error_handler(self.bot.tree)

    @app_commands.command(name="add", description="Add an interest (others with the same one may be introduced to you)")
    @app_commands.describe(interest=f"A topic, up to {MAX_INTEREST_CHARS} characters")
    async def add(self, interaction: discord.Interaction[Any], interest: str) -> None:
        added = await self.interests.add(guild_id_of(interaction), interaction.user.id, interest)
        await _confirm(interaction, f"Added **{_shown(added)}** to your interests.")

    @add.autocomplete("interest")
    async def _add_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        return _choices(await self.interests.suggest(interaction.guild_id, current), "")

    @app_commands.command(name="remove", description="Remove one of your interests")
    @app_commands.describe(interest="One of your interests")
    async def remove(self, interaction: discord.Interaction[Any], interest: str) -> None:
        removed = await self.interests.remove(guild_id_of(interaction), interaction.user.id, interest)
        await _confirm(interaction, f"Removed **{_shown(removed)}** from your interests.")

    @remove.autocomplete("interest")
    async def _remove_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        return _choices(await self.interests.for_member(interaction.guild_id, interaction.user.id), current)

    @app_commands.command(name="block", description="Take an interest out of this server for good (moderators)")
    @app_commands.describe(interest="The interest (it is removed from every member and cannot be added again)")
    @moderator_only()
    async def block(self, interaction: discord.Interaction[Any], interest: str) -> None:
        blocked, removed = await self.interests.block(guild_id_of(interaction), interest)
        members = "1 member" if removed == 1 else f"{removed} members"
        await _confirm(interaction, f"Blocked **{_shown(blocked)}**: removed from {members}; nobody can add it again.")

    @app_commands.command(name="unblock", description="Allow a blocked interest again (moderators)")
    @app_commands.describe(interest="A blocked interest")
    @moderator_only()
    async def unblock(self, interaction: discord.Interaction[Any], interest: str) -> None:
        allowed = await self.interests.unblock(guild_id_of(interaction), interest)
        await _confirm(interaction, f"**{_shown(allowed)}** can be added again.")

    @unblock.autocomplete("interest")
    async def _unblock_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        return _choices(await self.interests.blocked(interaction.guild_id), current)

    @app_commands.command(name="list", description="Show your interests")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        mine = await self.interests.for_member(guild_id_of(interaction), interaction.user.id)
        if not mine:
            text = "You have no interests listed yet. Add one with `/interests add`."
        else:
            text = "\n".join(f"• {_shown(i)}" for i in mine)
        await interaction.response.send_message(
            embed=base_embed("Your interests", text), ephemeral=True, allowed_mentions=no_mentions()
        )


async def setup(bot: HearthBot) -> None:
    await bot.add_cog(InterestsCog(bot, needed(bot.services.interests, "interests")))
