"""/hearth setup, /hearth status, /hearth backfill: moderator commands (Manage Server)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidInput
from bot.runtime.command_errors import ensure_error_handler
from bot.settings.service import SettingsChange, SettingsService, timezone_choices
from cogs.common.checks import moderator_only
from cogs.common.context import guild_id_of, needed
from cogs.common.embeds import no_mentions, settings_embed
from cogs.members import STAFF_ROLES_CHANGED

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

log = logging.getLogger(__name__)

POST_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
PROGRESS_EVERY_SECONDS = 2.0

SetupChannel = discord.TextChannel
TrackedChannel = discord.TextChannel | discord.ForumChannel


def check_bot_can_post(interaction: discord.Interaction[Any], channel_id: int, what: str) -> None:
    guild = interaction.guild
    channel = guild.get_channel(channel_id) if guild is not None else None
    me = guild.me if guild is not None else None
    if channel is None or me is None:
        raise InvalidInput(f"I cannot see the {what} channel; check that I have access to it.")
    perms = channel.permissions_for(me)
    missing = [p.replace("_", " ").title() for p in POST_PERMISSIONS if not getattr(perms, p)]
    if missing:
        raise InvalidInput(
            f"I cannot post in {channel.mention} ({what}): I am missing {', '.join(missing)}. "
            "Give me those permissions there or pick another channel."
        )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class HearthCog(commands.GroupCog, group_name="hearth", group_description="Set up and check Hearth (moderators)"):
    def __init__(self, bot: HearthBot, settings: SettingsService) -> None:
        self.bot = bot
        self.settings = settings
        self._tasks: set[asyncio.Task[Any]] = set()
        super().__init__()

    async def cog_load(self) -> None:
        ensure_error_handler(self.bot.tree)

    async def cog_unload(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    @app_commands.command(name="setup", description="Change Hearth's settings for this server (no options: show them)")
    @app_commands.describe(
        timezone="IANA time zone for digests and quiet hours, e.g. Europe/Berlin",
        response_target_minutes="Minutes a question may wait before Hearth asks helpers (1-10080)",
        digest_channel="Where the weekly digest is posted",
        help_wanted_channel="Where questions that waited too long are listed",
        intro_channel="Where introductions are posted",
        help_channel_add="A channel where every question-shaped message counts as a question",
        help_channel_remove="Stop treating this channel as a help channel",
        exclude_channel="Ignore this channel entirely",
        include_channel="Stop ignoring this channel",
        snippet_chars="Characters of a question kept to show moderators (0 = keep no text, max 300)",
        tracking="Track questions and interactions in this server",
        staff_role_add="A staff role: the digest counts member-to-member ties apart from staff",
        staff_role_remove="Stop treating this role as staff",
    )
    @moderator_only()
    async def setup(
        self,
        interaction: discord.Interaction[Any],
        timezone: str | None = None,
        response_target_minutes: int | None = None,
        digest_channel: SetupChannel | None = None,
        help_wanted_channel: SetupChannel | None = None,
        intro_channel: SetupChannel | None = None,
        help_channel_add: TrackedChannel | None = None,
        help_channel_remove: TrackedChannel | None = None,
        exclude_channel: TrackedChannel | None = None,
        include_channel: TrackedChannel | None = None,
        snippet_chars: int | None = None,
        tracking: bool | None = None,
        staff_role_add: discord.Role | None = None,
        staff_role_remove: discord.Role | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        for channel, what in (
            (digest_channel, "digest"),
            (help_wanted_channel, "help-wanted"),
            (intro_channel, "intro"),
        ):
            if channel is not None:
                check_bot_can_post(interaction, channel.id, what)
        change = SettingsChange(
            timezone=timezone,
            response_target_minutes=response_target_minutes,
            digest_channel_id=digest_channel.id if digest_channel else None,
            help_wanted_channel_id=help_wanted_channel.id if help_wanted_channel else None,
            intro_channel_id=intro_channel.id if intro_channel else None,
            snippet_chars=snippet_chars,
            tracking_enabled=tracking,
            add_help_channels=[help_channel_add.id] if help_channel_add else [],
            remove_help_channels=[help_channel_remove.id] if help_channel_remove else [],
            add_excluded_channels=[exclude_channel.id] if exclude_channel else [],
            remove_excluded_channels=[include_channel.id] if include_channel else [],
            add_staff_roles=[staff_role_add.id] if staff_role_add else [],
            remove_staff_roles=[staff_role_remove.id] if staff_role_remove else [],
        )
        if change.is_empty():
            current = await self.settings.get(guild_id)
            await interaction.response.send_message(
                "Nothing changed. Current settings:",
                embed=settings_embed(current),
                ephemeral=True,
                allowed_mentions=no_mentions(),
            )
            return
        updated = await self.settings.update(guild_id, change)
        if change.add_staff_roles or change.remove_staff_roles:
            self.bot.dispatch(STAFF_ROLES_CHANGED, guild_id)
        await interaction.response.send_message(
            "Settings saved.", embed=settings_embed(updated), ephemeral=True, allowed_mentions=no_mentions()
        )

    @setup.autocomplete("timezone")
    async def _timezone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in timezone_choices(current)]

    @app_commands.command(name="status", description="How Hearth is doing in this server")
    @moderator_only()
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_id_of(interaction)
        current = await self.settings.get(guild_id)
        embed = settings_embed(current)
        embed.title = "Hearth status"
        questions = self.bot.services.questions
        if questions is not None:
            page = await questions.open_page(guild_id, 0)
            embed.add_field(name="Open questions", value=str(page.total), inline=True)
        content_on = self.bot.intents.message_content
        embed.add_field(
            name="Message content",
            value="on" if content_on else "off: questions are found only by structure (see the README)",
            inline=True,
        )
        backfill = self.bot.services.backfill
        if backfill is not None:
            embed.add_field(
                name="Backfill", value="running" if backfill.is_running(guild_id) else "idle", inline=True
            )
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=no_mentions())

    @app_commands.command(name="backfill", description="Read recent history so Hearth knows what happened before")
    @app_commands.describe(days="How many days back to read (1-365, default 30)")
    @moderator_only()
    async def backfill(self, interaction: discord.Interaction[Any], days: int = 30) -> None:
        guild = interaction.guild
        if guild is None:
            raise InvalidInput("This command only works in a server.")
        if not 1 <= days <= 365:
            raise InvalidInput(f"`days` must be between 1 and 365; {days} is out of range.")
        service = self.bot.services.backfill
        if service is None:
            raise InvalidInput("Backfill is not available in this deployment.")
        if service.is_running(guild.id):
            raise InvalidInput("A backfill of this server is already running; its message shows the progress.")
        await interaction.response.send_message(
            f"Backfill of the last {days} days starting…", ephemeral=True, allowed_mentions=no_mentions()
        )
        task = asyncio.create_task(self._run_backfill(interaction, guild, days))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_backfill(self, interaction: discord.Interaction[Any], guild: discord.Guild, days: int) -> None:
        from bot.sources.backfill import BackfillBusyError, BackfillReport
        from bot.sources.history import run_guild_backfill

        last_edit: datetime | None = None

        async def show(text: str) -> None:
            try:
                await interaction.edit_original_response(content=text, allowed_mentions=no_mentions())
            except discord.HTTPException as exc:  # the token expires after 15 minutes
                log.info("could not update backfill progress for guild %s: %s", guild.id, exc)

        async def progress(report: BackfillReport) -> None:
            nonlocal last_edit
            now = self.bot.clock.now()
            if last_edit is None or (now - last_edit).total_seconds() >= PROGRESS_EVERY_SECONDS:
                last_edit = now
                await show(report.summary())

        try:
            report = await run_guild_backfill(self.bot, guild, days=days, progress=progress)
        except BackfillBusyError:
            await show("A backfill of this server is already running.")
            return
        except Exception:
            log.exception("backfill of guild %s failed", guild.id)
            await show("The backfill stopped on an error (logged). Run it again to resume where it stopped.")
            return
        text = report.summary()
        if report.skipped_channels:
            text += f"\nSkipped (no access): {', '.join('#' + n for n in report.skipped_channels[:20])}"
        await show(discord.utils.escape_mentions(text))


async def setup(bot: HearthBot) -> None:
    await bot.add_cog(HearthCog(bot, needed(bot.services.settings, "settings")))
