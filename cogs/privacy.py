"""/privacy show|export|delete|optout|optin: a member's own data in this server."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.conversation.safety import truncate
from bot.privacy.service import PrivacyService
from bot.runtime.command_errors import ensure_error_handler, send_ephemeral
from cogs.common.context import guild_id_of, needed
from cogs.common.embeds import FIELD_LIMIT, base_embed, no_mentions

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

MAX_FIELDS = 20  # 20 x (64 + 200) characters keeps the embed under Discord's 6,000 total

STORED_NOTE = (
    "Hearth stores ids, times and what it concluded from messages (who answered whom, which "
    "questions are open), never message text, except a short snippet of a question when the "
    "server allows it."
)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return truncate(", ".join(value), 200) if value else "none"
    if isinstance(value, list | tuple | set | frozenset):
        return f"{len(value)} item(s)"
    if isinstance(value, dict):
        return truncate(json.dumps(value, default=str, ensure_ascii=False), 200)
    return truncate(str(value), 200)


def summary_embed(summary: dict[str, Any]) -> discord.Embed:
    embed = base_embed("What Hearth stores about you here", STORED_NOTE)
    if not summary:
        embed.add_field(name="Stored", value="Nothing.", inline=False)
    for key, value in list(summary.items())[:MAX_FIELDS]:
        name = truncate(str(key).replace("_", " ").strip(), 64) or "-"
        embed.add_field(name=name, value=truncate(_describe(value), FIELD_LIMIT) or "-")
    embed.set_footer(text="/privacy export gives all of it as a file; /privacy delete removes it.")
    return embed


class ConfirmDelete(discord.ui.View):
    def __init__(self, service: PrivacyService, guild_id: int, user_id: int) -> None:
        super().__init__(timeout=120)
        self.service = service
        self.guild_id = guild_id
        self.user_id = user_id
        self.done = False

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.user_id:
            await send_ephemeral(interaction, "Only the member who asked can confirm this.")
            return False
        return True

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.done = True
        self.stop()
        report = await self.service.delete(self.guild_id, self.user_id)
        detail = ", ".join(f"{table}: {n}" for table, n in sorted(report.rows_by_table.items())) or "nothing was stored"
        await interaction.response.edit_message(
            content=f"Removed you from {report.total} stored rows, deleted or anonymised ({truncate(detail, 1500)}).",
            view=None,
            allowed_mentions=no_mentions(),
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.done = True
        self.stop()
        await interaction.response.edit_message(
            content="Cancelled; nothing was deleted.", view=None, allowed_mentions=no_mentions()
        )


@app_commands.guild_only()
class PrivacyCog(commands.GroupCog, group_name="privacy", group_description="See, export or delete your data"):
    def __init__(self, bot: HearthBot, privacy: PrivacyService) -> None:
        self.bot = bot
        self.privacy = privacy
        super().__init__()

    async def cog_load(self) -> None:
        ensure_error_handler(self.bot.tree)
        pipeline = self.bot.services.pipeline
        if not self.privacy.has_pipeline and pipeline is not None:
            self.privacy.use_pipeline(pipeline)

    @app_commands.command(name="show", description="What Hearth stores about you in this server")
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        summary = await self.privacy.summary(guild_id_of(interaction), interaction.user.id)
        await interaction.response.send_message(
            embed=summary_embed(summary), ephemeral=True, allowed_mentions=no_mentions()
        )

    @app_commands.command(name="export", description="Everything Hearth stores about you, as a JSON file")
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_id_of(interaction)
        data = await self.privacy.export_json(guild_id, interaction.user.id)
        file = discord.File(io.BytesIO(data), filename=f"hearth-data-{guild_id}-{interaction.user.id}.json")
        await interaction.response.send_message(
            "Here is everything Hearth stores about you in this server.",
            file=file,
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )

    @app_commands.command(name="delete", description="Delete everything Hearth stores about you in this server")
    async def delete(self, interaction: discord.Interaction[Any]) -> None:
        view = ConfirmDelete(self.privacy, guild_id_of(interaction), interaction.user.id)
        await interaction.response.send_message(
            "This deletes every row Hearth stores about you in this server (questions you asked, "
            "interactions, interests, nudge and intro history). It cannot be undone. "
            "To also stop future tracking, use `/privacy optout`.",
            view=view,
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )

    @app_commands.command(name="optout", description="Stop Hearth from tracking your messages in this server")
    async def optout(self, interaction: discord.Interaction[Any]) -> None:
        changed = await self.privacy.set_opt_out(guild_id_of(interaction), interaction.user.id, True)
        text = (
            "Done: Hearth no longer tracks your messages here, and digests never single you out. "
            "What is already stored stays until you run `/privacy delete`."
            if changed
            else "You had already opted out."
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=no_mentions())

    @app_commands.command(name="optin", description="Let Hearth track your messages in this server again")
    async def optin(self, interaction: discord.Interaction[Any]) -> None:
        changed = await self.privacy.set_opt_out(guild_id_of(interaction), interaction.user.id, False)
        text = "Welcome back: Hearth tracks your messages here again." if changed else "You were not opted out."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=no_mentions())


async def setup(bot: HearthBot) -> None:
    await bot.add_cog(PrivacyCog(bot, needed(bot.services.privacy, "privacy")))
