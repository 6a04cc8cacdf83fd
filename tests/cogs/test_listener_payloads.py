"""The raw-event conversions of `bot/sources/gateway.py`: guild, channel and message taken alike from
every raw payload, and nothing from a direct message."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import discord

from bot.conversation.events import MessageDeleted, MessageEdited, ReactionAdded, ReactionRemoved
from bot.sources import gateway as convert

AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
GUILD, CHANNEL, MESSAGE, USER = 10, 20, 30, 40


def _reaction(event_type: Any, guild_id: int | None = GUILD) -> discord.RawReactionActionEvent:
    data: dict[str, Any] = {
        "message_id": str(MESSAGE),
        "channel_id": str(CHANNEL),
        "user_id": str(USER),
        "burst": False,
        "type": 0,
        "message_author_id": "7",
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return discord.RawReactionActionEvent(data, discord.PartialEmoji(name="✅"), event_type)  # type: ignore[arg-type]


def test_deletes_single_and_bulk() -> None:
    single = discord.RawMessageDeleteEvent(
        {"id": str(MESSAGE), "channel_id": str(CHANNEL), "guild_id": str(GUILD)}
    )
    assert convert.message_deleted(single, at=AT) == MessageDeleted(
        guild_id=GUILD, channel_id=CHANNEL, message_id=MESSAGE, deleted_at=AT
    )
    bulk = discord.RawBulkMessageDeleteEvent(
        {"ids": ["33", "31"], "channel_id": str(CHANNEL), "guild_id": str(GUILD)}
    )
    assert [(e.guild_id, e.channel_id, e.message_id) for e in convert.messages_bulk_deleted(bulk, at=AT)] == [
        (GUILD, CHANNEL, 31),
        (GUILD, CHANNEL, 33),
    ]
    in_dm = discord.RawBulkMessageDeleteEvent({"ids": ["33"], "channel_id": str(CHANNEL)})
    assert convert.messages_bulk_deleted(in_dm, at=AT) == []
    dm_delete = discord.RawMessageDeleteEvent({"id": "1", "channel_id": "2"})
    assert convert.message_deleted(dm_delete, at=AT) is None


def test_reactions_added_and_removed() -> None:
    added = convert.reaction_added(_reaction("REACTION_ADD"), at=AT)
    assert added == ReactionAdded(
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=MESSAGE,
        user_id=USER,
        emoji="✅",
        at=AT,
        user_is_bot=False,
        message_author_id=7,
    )
    removed = convert.reaction_removed(_reaction("REACTION_REMOVE"), at=AT)
    assert removed == ReactionRemoved(
        guild_id=GUILD, channel_id=CHANNEL, message_id=MESSAGE, user_id=USER, emoji="✅", at=AT
    )
    assert convert.reaction_added(_reaction("REACTION_ADD", guild_id=None), at=AT) is None
    assert convert.reaction_removed(_reaction("REACTION_REMOVE", guild_id=None), at=AT) is None


def _update(data: dict[str, Any], *, in_guild: bool = True) -> discord.RawMessageUpdateEvent:
    message = SimpleNamespace(  # what the raw event reads from the parsed message
        id=MESSAGE, channel=SimpleNamespace(id=CHANNEL), guild=SimpleNamespace(id=GUILD) if in_guild else None
    )
    return discord.RawMessageUpdateEvent(data, message)  # type: ignore[arg-type]


def test_edits_carry_the_new_text_and_mentions() -> None:
    data: dict[str, Any] = {
        "id": str(MESSAGE),
        "channel_id": str(CHANNEL),
        "guild_id": str(GUILD),
        "content": "how do I deploy?",
        "edited_timestamp": "2026-01-05T12:30:00+00:00",
        "mentions": [{"id": "5"}, {"id": "5"}, {"id": "6"}],
    }
    edited = convert.message_edited(_update(data), at=AT)
    assert edited == MessageEdited(
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=MESSAGE,
        edited_at=datetime(2026, 1, 5, 12, 30, tzinfo=UTC),
        content="how do I deploy?",
        mentions=(5, 6),
    )
    unfurl = {k: v for k, v in data.items() if k != "content"}
    assert convert.message_edited(_update(unfurl), at=AT) is None
    assert convert.message_edited(_update(data, in_guild=False), at=AT) is None
