"""Embeds Hearth shows: consistent colours, safe quoting of what members wrote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import discord

from bot.conversation.facts import QuestionFact
from bot.conversation.safety import channel_mention, jump_url, quote_snippet, truncate, user_mention

HEARTH_COLOUR = discord.Colour(0xE8743B)
OK_COLOUR = discord.Colour(0x3BA55C)
WARN_COLOUR = discord.Colour(0xFAA61A)

FIELD_LIMIT = 1024
DESCRIPTION_LIMIT = 4096


def no_mentions() -> discord.AllowedMentions:
    """Allowed mentions for a message that must ping nobody."""
    return discord.AllowedMentions.none()


def only_users(user_ids: Iterable[int]) -> discord.AllowedMentions:
    """Ping exactly these members: never everyone, here or a role."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(id=int(u)) for u in user_ids]
    )


def base_embed(title: str, description: str | None = None, *, colour: discord.Colour = HEARTH_COLOUR) -> discord.Embed:
    return discord.Embed(
        title=truncate(title, 256),
        description=truncate(description, DESCRIPTION_LIMIT) if description else None,
        colour=colour,
    )


def relative_time(when: datetime) -> str:
    """A Discord timestamp the client shows as '3 hours ago' and keeps current."""
    return discord.utils.format_dt(when, "R")


def question_line(index: int, question: QuestionFact, *, snippet_chars: int = 100) -> str:
    where = channel_mention(question.channel_id)
    link = jump_url(question.guild_id, question.channel_id, question.message_id)
    text = quote_snippet(question.snippet, snippet_chars) if question.snippet else "(no snippet stored)"
    replies = len(question.responder_ids)
    status = "no reply yet" if replies == 0 else f"{replies} replied"
    return (
        f"**{index}.** [{text}]({link})\n"
        f"in {where} · asked {relative_time(question.asked_at)} by {user_mention(question.asker_id)} · {status}"
    )


def open_questions_embed(
    questions: list[QuestionFact], *, page: int, pages: int, total: int, per_page: int
) -> discord.Embed:
    if not questions:
        return base_embed("Open questions", "Nothing open right now. Every question has had an answer.", colour=OK_COLOUR)
    lines = [question_line(page * per_page + i + 1, q) for i, q in enumerate(questions)]
    embed = base_embed("Open questions", "\n\n".join(lines))
    embed.set_footer(text=f"Page {page + 1} of {pages} · {total} open · oldest first")
    return embed


def settings_embed(settings: Any) -> discord.Embed:
    def chan(value: int | None) -> str:
        return channel_mention(value) if value else "not set"

    def chans(values: Iterable[int]) -> str:
        listed = [channel_mention(v) for v in values]
        return truncate(", ".join(listed), FIELD_LIMIT) if listed else "none"

    embed = base_embed("Hearth settings")
    embed.add_field(name="Time zone", value=str(settings.timezone), inline=True)
    embed.add_field(name="Response target", value=f"{settings.response_target_minutes} min", inline=True)
    embed.add_field(name="Tracking", value="on" if settings.tracking_enabled else "off", inline=True)
    embed.add_field(name="Digest channel", value=chan(settings.digest_channel_id), inline=True)
    embed.add_field(name="Help-wanted channel", value=chan(settings.help_wanted_channel_id), inline=True)
    embed.add_field(name="Intro channel", value=chan(settings.intro_channel_id), inline=True)
    embed.add_field(name="Help channels", value=chans(settings.help_channel_ids), inline=False)
    embed.add_field(name="Excluded channels", value=chans(settings.excluded_channel_ids), inline=False)
    roles = [f"<@&{int(r)}>" for r in settings.staff_role_ids]
    embed.add_field(name="Staff roles", value=truncate(", ".join(roles), FIELD_LIMIT) if roles else "none", inline=False)
    snippet = "off (no text stored)" if settings.snippet_chars == 0 else f"{settings.snippet_chars} characters"
    embed.add_field(name="Question snippet", value=snippet, inline=True)
    return embed


def key_value_embed(title: str, values: Mapping[str, Any], *, description: str | None = None) -> discord.Embed:
    embed = base_embed(title, description)
    for key, value in list(values.items())[:25]:
        embed.add_field(name=truncate(str(key), 256), value=truncate(str(value), FIELD_LIMIT) or "—", inline=True)
    return embed


__all__ = [
    "HEARTH_COLOUR",
    "base_embed",
    "key_value_embed",
    "no_mentions",
    "only_users",
    "open_questions_embed",
    "question_line",
    "relative_time",
    "settings_embed",
]
