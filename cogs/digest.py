"""The weekly digest on Discord: `/digest preview` (anyone, ephemeral), `/digest send-now` and
`/digest settings` (moderators), and the poller that posts each server's digest once a week.

The cog renders and sends; what is due, and exactly-once, come from `DigestService`.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.conversation.safety import channel_mention, truncate
from bot.digest.chart import render_chart
from bot.digest.markdown import late_note, period, sections, title
from bot.digest.service import DigestService
from bot.digest.week_digest import DigestAction, WeekDigest
from bot.errors import InvalidInput
from bot.questions.visibility import EVERYONE
from bot.runtime.command_errors import ensure_error_handler
from cogs.common.checks import moderator_only
from cogs.common.context import guild_id_of, needed
from cogs.common.embeds import FIELD_LIMIT, base_embed, key_value_embed, no_mentions

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

log = logging.getLogger(__name__)

POLL_JOB = "digests"
CHART_NAME = "digest.png"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_CHOICES = [app_commands.Choice(name=day, value=i) for i, day in enumerate(WEEKDAYS)]


# --- rendering ------------------------------------------------------------------


def digest_embeds(
    digest: WeekDigest, names: dict[int, str] | None = None, channels: dict[int, str] | None = None
) -> list[discord.Embed]:
    """The digest as one embed: headline on top, a field per section (what to act on first),
    the chart as its image."""
    lines = [f"**{digest.headline}**", f"_{period(digest)}_"]
    note = late_note(digest)
    if note:
        lines.insert(0, f"⏰ {note}")
    embed = base_embed(title(digest), "\n".join(lines))
    for heading, section in sections(digest, names, channels)[:25]:
        embed.add_field(
            name=truncate(heading, 256), value=truncate("\n".join(section), FIELD_LIMIT), inline=False
        )
    embed.set_image(url=f"attachment://{CHART_NAME}")
    return [embed]


def settings_embed(service_config: Any) -> discord.Embed:
    s = service_config.digest_settings
    values = {
        "Enabled": "yes" if s.enabled else "no",
        "Channel": channel_mention(service_config.digest_channel_id) if service_config.digest_channel_id else "not set",
        "Posted": f"{WEEKDAYS[s.weekday]}s at {s.hour:02d}:00 ({service_config.timezone})",
        "Top helpers shown": str(s.top_helpers),
        "Quiet week below": f"{s.quiet_threshold} interactions",
    }
    return key_value_embed("Digest settings", values)


# --- the cog --------------------------------------------------------------------


class DigestCog(commands.Cog):
    digest = app_commands.Group(name="digest", description="The weekly community digest", guild_only=True)

    def __init__(self, bot: HearthBot, service: DigestService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        ensure_error_handler(self.bot.tree)
        self.service.set_staff_source(self.staff_ids)
        self.bot.scheduler.add_interval(POLL_JOB, self.poll, self.bot.poll_seconds())

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(POLL_JOB)
        self.service.set_staff_source(None)

    def staff_ids(self, guild_id: int) -> set[int]:
        """The owner and members who can manage the server count as staff in the figures."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return set()
        staff = {guild.owner_id} if guild.owner_id else set()
        staff.update(m.id for m in guild.members if m.guild_permissions.manage_guild and not m.bot)
        return staff

    def names(self, guild_id: int, digest: WeekDigest) -> dict[int, str]:
        """Display names of the members a digest lists (never stored: read from the cache)."""
        guild = self.bot.get_guild(guild_id)
        wanted = {h.user_id for h in digest.top_helpers} | {b.user_id for b in digest.bridges}
        wanted |= set(digest.unanswered_newcomers)
        wanted |= {q.asker_id for q in digest.open_questions if q.asker_id is not None}
        if guild is None:
            return {}
        found = {uid: guild.get_member(uid) for uid in wanted}
        return {uid: m.display_name for uid, m in found.items() if m is not None}

    def channel_names(self, guild_id: int, digest: WeekDigest) -> dict[int, str]:
        """Names of the channels (and threads) of the open questions a digest lists (from the cache)."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return {}
        wanted = {q.channel_id for q in digest.open_questions}
        wanted |= {q.parent_channel_id for q in digest.open_questions if q.parent_channel_id is not None}
        found = {cid: guild.get_channel_or_thread(cid) for cid in wanted}
        return {cid: c.name for cid, c in found.items() if c is not None}

    def _shown_to(self, digest: WeekDigest, reader: int | None) -> WeekDigest:
        """Only the open questions of channels `reader` (`EVERYONE` for a post) can read."""
        access = self.bot.channel_access
        return digest.with_open_questions(
            lambda q: access.can_read(digest.guild_id, q.channel_id, reader, parent_channel_id=q.parent_channel_id)
        )

    async def _files(self, guild_id: int, digest: WeekDigest) -> tuple[list[discord.Embed], discord.File]:
        names = self.names(guild_id, digest)
        png = await asyncio.to_thread(render_chart, digest, names)
        embeds = digest_embeds(digest, names, self.channel_names(guild_id, digest))
        return embeds, discord.File(io.BytesIO(png), filename=CHART_NAME)

    # --- commands -------------------------------------------------------------------

    @digest.command(name="preview", description="The digest of this week so far (only you see it)")
    async def preview(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_id_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        digest = await self.service.preview(guild_id, self.bot.clock.now())
        digest = self._shown_to(digest, interaction.user.id)
        embeds, file = await self._files(guild_id, digest)
        await interaction.followup.send(
            embeds=embeds, file=file, ephemeral=True, allowed_mentions=no_mentions()
        )

    @digest.command(name="send-now", description="Post the last week's digest in the digest channel now")
    @moderator_only()
    async def send_now(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_id_of(interaction)
        config = await self.service.config(guild_id)
        if config.digest_channel_id is None:
            raise InvalidInput("Set a digest channel first: `/digest settings channel:#channel`.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        action, first = await self.service.send_now(guild_id, self.bot.clock.now())
        message = await self.deliver(action)
        if message is None:
            text = f"I could not post in {channel_mention(config.digest_channel_id)}: check my permissions there."
        elif first:
            text = f"Posted the digest of {action.week_key} in {channel_mention(config.digest_channel_id)}."
        else:
            text = f"Posted the digest of {action.week_key} again in {channel_mention(config.digest_channel_id)}."
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=no_mentions())

    @digest.command(
        name="settings", description="Where and when the weekly digest is posted (no options: show)"
    )
    @app_commands.describe(
        channel="The channel the digest is posted in",
        enabled="Post the weekly digest at all",
        weekday="The day it is posted (for the week before)",
        hour="The local hour it is posted (0-23, the server's time zone)",
        top_helpers="How many top helpers to name (0-25)",
        quiet_threshold="Fewer interactions than this make a quiet week with a short digest",
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    @moderator_only()
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel | None = None,
        enabled: bool | None = None,
        weekday: app_commands.Choice[int] | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
        top_helpers: app_commands.Range[int, 0, 25] | None = None,
        quiet_threshold: app_commands.Range[int, 0, 1_000_000] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        changes = {
            "enabled": enabled,
            "weekday": None if weekday is None else weekday.value,
            "hour": hour,
            "top_helpers": top_helpers,
            "quiet_threshold": quiet_threshold,
        }
        if channel is None and all(v is None for v in changes.values()):
            config = await self.service.config(guild_id)
            text = None
        else:
            config = await self.service.update_settings(
                guild_id, channel_id=None if channel is None else channel.id, **changes
            )
            text = "Saved."
        await interaction.response.send_message(
            text, embed=settings_embed(config), ephemeral=True, allowed_mentions=no_mentions()
        )

    # --- posting --------------------------------------------------------------------

    async def poll(self) -> int:
        """Post every digest due for the servers this process owns; returns how many were posted."""
        posted = 0
        for action in await self.service.claim_due(self.bot.clock.now(), self.bot.serves_guild):
            if await self.deliver(action) is not None:
                posted += 1
        return posted

    async def deliver(self, action: DigestAction) -> discord.Message | None:
        """Post one (claimed) digest; a failure is logged, never retried (exactly once)."""
        digest = action.digest
        if digest is None or action.channel_id is None:
            return None
        channel = self.bot.get_channel(action.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("digest channel %s of guild %s is gone", action.channel_id, action.guild_id)
            return None
        embeds, file = await self._files(action.guild_id, self._shown_to(digest, EVERYONE))
        try:
            message = await channel.send(embeds=embeds, file=file, allowed_mentions=no_mentions())
        except discord.HTTPException:
            log.warning(
                "posting the %s digest of guild %s failed", action.week_key, action.guild_id, exc_info=True
            )
            return None
        await self.service.mark_sent(action, message.id, action.channel_id)
        return message


async def setup(bot: HearthBot) -> None:
    await bot.add_cog(DigestCog(bot, needed(bot.services.digests, "digests")))
