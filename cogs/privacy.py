"""/privacy show|export|delete|optout|optin: a member's own data in this server."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.conversation.safety import channel_mention, quote_snippet, truncate
from bot.plural import plural
from bot.privacy.service import PrivacyService
from bot.runtime.command_errors import ensure_error_handler, send_ephemeral
from cogs.common.context import guild_id_of, needed
from cogs.common.embeds import FIELD_LIMIT, base_embed, no_mentions

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

# 16 fields x (64 + 200) characters, one of them 400 longer, keeps the embed under Discord's 6,000
MAX_FIELDS = 16
FIELD_CHARS = 200
LONG_FIELD_CHARS = 600  # the questions asked, a few of them quoted
QUESTIONS_SHOWN = 3
QUESTIONS_FIELD = "Questions you asked"

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
        return plural(len(value), "item")
    if isinstance(value, dict):
        return truncate(", ".join(f"{k}: {v}" for k, v in value.items()), 200) or "none"
    return truncate(str(value), 200)


def _when(value: Any) -> str | None:
    """A stored time as a Discord timestamp (each reader sees the date in their own words)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return discord.utils.format_dt(moment, "D")


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _tracking(member: dict[str, Any] | None) -> str:
    if member is not None and member.get("opted_out"):
        return "Off: you opted out, so Hearth does not read your messages here (`/privacy optin` resumes it)."
    return "On: Hearth notes which of your messages are questions and who answers whom (`/privacy optout` stops it)."


def _profile_fields(member: dict[str, Any]) -> list[tuple[str, str]]:
    seen = [
        f"{label} {when}"
        for label, key in (("joined", "joined_at"), ("first seen", "first_seen_at"), ("last seen", "last_seen_at"))
        if (when := _when(member.get(key))) is not None
    ]
    if (left := _when(member.get("left_at"))) is not None:
        seen.append(f"left {left}")
    fields = [("Seen here", " · ".join(seen))] if seen else []
    zone = member.get("timezone")
    fields.append(("Time zone", str(zone) if zone else "not set"))
    if member.get("is_staff"):
        fields.append(("Staff", "you count as staff in the weekly digest"))
    return fields


def _activity(summary: dict[str, Any]) -> str:
    return " · ".join(
        (
            f"{plural(_count(summary.get('messages_recorded')), 'message')} recorded",
            f"{plural(_count(summary.get('responses_given')), 'response')} from you to others",
            f"{plural(_count(summary.get('responses_received')), 'response')} from others to you",
        )
    )


def _questions(questions: list[Any]) -> str:
    rows = [q for q in questions if isinstance(q, dict)]
    if not rows:
        return "none"
    statuses = Counter(str(q.get("status") or "open") for q in rows)
    lines = [f"{plural(len(rows), 'question')}: " + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))]
    for q in rows[-QUESTIONS_SHOWN:]:
        parts = [_when(q.get("asked_at")) or "undated"]
        channel = q.get("channel_id")
        if isinstance(channel, int) or (isinstance(channel, str) and channel.isdigit()):
            parts.append(f"in {channel_mention(int(channel))}")
        snippet = q.get("snippet")
        if isinstance(snippet, str) and snippet:
            parts.append(f"“{quote_snippet(snippet, 80)}”")
        parts.append(f"({q.get('status') or 'open'})")
        lines.append("- " + " ".join(parts))
    if len(rows) > QUESTIONS_SHOWN:
        lines.append(f"… and {plural(len(rows) - QUESTIONS_SHOWN, 'earlier question')} (all in the file)")
    return "\n".join(lines)


def _rows(rows: dict[Any, Any]) -> str:
    counts = {str(table): _count(n) for table, n in rows.items()}
    total = sum(counts.values())
    if not total:
        return "none"
    detail = ", ".join(f"{table.replace('_', ' ')} {n}" for table, n in sorted(counts.items()) if n)
    return f"{plural(total, 'row')} in {plural(len([n for n in counts.values() if n]), 'table')}: {detail}"


def summary_fields(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """What is stored about the member, as (name, value) lines in words: tracking, dates,
    activity counts, interests, questions, rows; anything else by its key."""
    fields: list[tuple[str, str]] = []
    member = summary.get("member")
    member = member if isinstance(member, dict) else None
    known = {"member", "interests", "questions_asked", "messages_recorded", "responses_given",
             "responses_received", "rows_by_table"}
    fields.append(("Tracking", _tracking(member)))
    if member is not None:
        fields += _profile_fields(member)
    if any(key in summary for key in ("messages_recorded", "responses_given", "responses_received")):
        fields.append(("Activity", _activity(summary)))
    interests = summary.get("interests")
    if isinstance(interests, list | tuple):
        shown = [str(i) for i in interests]
        fields.append(("Interests", ", ".join(shown) if shown else "none (`/interests add` adds some)"))
    else:
        known.discard("interests")
    questions = summary.get("questions_asked")
    if isinstance(questions, list | tuple):
        fields.append((QUESTIONS_FIELD, _questions(list(questions))))
    else:
        known.discard("questions_asked")
    rows = summary.get("rows_by_table")
    if isinstance(rows, dict):
        fields.append(("Stored rows", _rows(rows)))
    else:
        known.discard("rows_by_table")
    if "member" in summary and member is None and summary["member"] is not None:
        known.discard("member")
    for key, value in summary.items():
        if key not in known:
            fields.append((str(key).replace("_", " ").strip(), _describe(value)))
    return fields


def summary_embed(summary: dict[str, Any]) -> discord.Embed:
    embed = base_embed("What Hearth stores about you here", STORED_NOTE)
    long_used = False
    for name, value in summary_fields(summary)[:MAX_FIELDS]:
        limit = FIELD_CHARS
        if name == QUESTIONS_FIELD and not long_used:
            limit, long_used = LONG_FIELD_CHARS, True
        embed.add_field(name=truncate(name, 64) or "-", value=truncate(value, min(FIELD_LIMIT, limit)) or "-", inline=False)
    embed.set_footer(text="The attached file holds all of it as JSON; /privacy delete removes it.")
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


def _json_file(data: bytes, guild_id: int, user_id: int) -> discord.File:
    return discord.File(io.BytesIO(data), filename=f"hearth-data-{guild_id}-{user_id}.json")


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
        guild_id = guild_id_of(interaction)
        data = await self.privacy.export_json(guild_id, interaction.user.id)
        summary = json.loads(data)["data"]  # the embed and the attached file say the same thing
        await interaction.response.send_message(
            embed=summary_embed(summary),
            file=_json_file(data, guild_id, interaction.user.id),
            ephemeral=True,
            allowed_mentions=no_mentions(),
        )

    @app_commands.command(name="export", description="Everything Hearth stores about you, as a JSON file")
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = guild_id_of(interaction)
        data = await self.privacy.export_json(guild_id, interaction.user.id)
        await interaction.response.send_message(
            "Here is everything Hearth stores about you in this server.",
            file=_json_file(data, guild_id, interaction.user.id),
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
