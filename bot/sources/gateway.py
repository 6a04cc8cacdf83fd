"""Turn discord.py objects into the engine's normalised events (`bot.conversation.events`).

Pure conversion: no I/O, no state. Each function returns None for what Hearth does
not track (direct messages, system messages, updates that carry no content).
Times come from Discord when it gives one, otherwise from the `at` argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypedDict

import discord

from bot.conversation.events import (
    ChannelKind,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionAdded,
    ReactionRemoved,
    ThreadCreated,
    is_placeholder_account,
)

# Message types that carry something a member wrote; everything else is a system notice.
_MEMBER_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


class _InChannel(Protocol):
    """What every raw message event carries (deletes, edits, reactions)."""

    @property
    def guild_id(self) -> int | None: ...

    @property
    def channel_id(self) -> int: ...


class _Where(TypedDict):
    guild_id: int
    channel_id: int
    message_id: int


def _where(payload: _InChannel, message_id: int) -> _Where | None:
    """The guild, channel and message a raw event is about; None outside a guild (a DM)."""
    if payload.guild_id is None:
        return None
    return {"guild_id": payload.guild_id, "channel_id": payload.channel_id, "message_id": message_id}


def _unique_ids(users: Sequence[discord.abc.Snowflake]) -> tuple[int, ...]:
    if not users:
        return ()
    return tuple(dict.fromkeys(u.id for u in users if not is_placeholder_account(u.id)))


def _is_forum(channel: object) -> bool:
    return isinstance(channel, discord.ForumChannel)


def thread_is_forum_post(thread: discord.Thread) -> bool:
    """A thread is a forum (or media channel) post when its parent is a forum."""
    parent = thread.parent
    if parent is not None:
        return _is_forum(parent)
    return False


def _thread_tags(thread: discord.Thread) -> tuple[str, ...]:
    if not thread_is_forum_post(thread):
        return ()
    return tuple(tag.name for tag in thread.applied_tags)


def channel_kind_of(channel: object) -> tuple[ChannelKind, int | None]:
    """The kind of a message channel and its parent channel id (None for a plain channel)."""
    if isinstance(channel, discord.Thread):
        kind: ChannelKind = "forum_post" if thread_is_forum_post(channel) else "thread"
        return kind, channel.parent_id
    return "text", None


def emoji_key(emoji: discord.PartialEmoji | discord.Emoji | str) -> str:
    """A stable text for an emoji: the unicode character, or `name:id` for a custom one."""
    if isinstance(emoji, str):
        return emoji
    if emoji.id is None:
        return emoji.name or ""
    return f"{emoji.name}:{emoji.id}"


def message_created(msg: discord.Message) -> MessageCreated | None:
    """A member's message as a `MessageCreated`; None for DMs and system messages."""
    if msg.guild is None or msg.type not in _MEMBER_MESSAGE_TYPES:
        return None
    channel = msg.channel
    kind, parent_id = channel_kind_of(channel)
    is_starter = False
    owner_id: int | None = None
    tags: tuple[str, ...] = ()
    if isinstance(channel, discord.Thread):
        is_starter = msg.id == channel.id
        owner_id = channel.owner_id
        tags = _thread_tags(channel)
    reference_message_id: int | None = None
    reference_author_id: int | None = None
    ref = msg.reference
    if ref is not None and ref.type is discord.MessageReferenceType.reply:
        reference_message_id = ref.message_id
        resolved = ref.resolved
        if isinstance(resolved, discord.Message):
            reference_author_id = resolved.author.id
    author = msg.author
    return MessageCreated(
        guild_id=msg.guild.id,
        channel_id=channel.id,
        message_id=msg.id,
        author_id=author.id,
        created_at=msg.created_at,
        content=msg.content,
        author_is_bot=author.bot or msg.webhook_id is not None or is_placeholder_account(author.id),
        channel_kind=kind,
        parent_channel_id=parent_id,
        mentions=_unique_ids(msg.mentions),
        reference_message_id=reference_message_id,
        reference_author_id=reference_author_id,
        is_thread_starter=is_starter,
        thread_owner_id=owner_id,
        forum_tags=tags,
        author_name=getattr(author, "display_name", None) or author.name,
    )


def _parse_time(value: object) -> datetime | None:
    if isinstance(value, str) and value:
        return discord.utils.parse_time(value)
    return None


def _mention_ids(data: object) -> tuple[int, ...]:
    if not isinstance(data, list):
        return ()
    ids: list[int] = []
    for user in data:
        if isinstance(user, dict) and "id" in user:
            try:
                ids.append(int(user["id"]))
            except (TypeError, ValueError):
                continue
    return tuple(dict.fromkeys(ids))


def message_edited(payload: discord.RawMessageUpdateEvent, *, at: datetime) -> MessageEdited | None:
    """An edit of a guild message's text; None for DMs and content-less updates (embed unfurls)."""
    data = payload.data
    where = _where(payload, payload.message_id)
    if where is None or "content" not in data:
        return None
    message = getattr(payload, "message", None)
    if isinstance(message, discord.Message) and message.author.bot:
        return None
    edited = _parse_time(data.get("edited_timestamp")) or at
    return MessageEdited(
        **where,
        edited_at=edited,
        content=str(data.get("content") or ""),
        mentions=_mention_ids(data.get("mentions")),
    )


def message_deleted(payload: discord.RawMessageDeleteEvent, *, at: datetime) -> MessageDeleted | None:
    where = _where(payload, payload.message_id)
    return None if where is None else MessageDeleted(**where, deleted_at=at)


def messages_bulk_deleted(
    payload: discord.RawBulkMessageDeleteEvent, *, at: datetime
) -> list[MessageDeleted]:
    return [
        MessageDeleted(**where, deleted_at=at)
        for message_id in sorted(payload.message_ids)
        if (where := _where(payload, message_id)) is not None
    ]


def reaction_added(
    payload: discord.RawReactionActionEvent, *, at: datetime, message_author_id: int | None = None
) -> ReactionAdded | None:
    """A reaction; `message_author_id` fills in the reacted message's author when the payload lacks it."""
    where = _where(payload, payload.message_id)
    if where is None:
        return None
    member = payload.member
    return ReactionAdded(
        **where,
        user_id=payload.user_id,
        emoji=emoji_key(payload.emoji),
        at=at,
        user_is_bot=bool(member is not None and member.bot),
        message_author_id=payload.message_author_id or message_author_id,
    )


def reaction_removed(payload: discord.RawReactionActionEvent, *, at: datetime) -> ReactionRemoved | None:
    where = _where(payload, payload.message_id)
    if where is None:
        return None
    return ReactionRemoved(
        **where,
        user_id=payload.user_id,
        emoji=emoji_key(payload.emoji),
        at=at,
    )


def thread_created(thread: discord.Thread, *, at: datetime | None = None) -> ThreadCreated:
    created = thread.created_at or at or discord.utils.snowflake_time(thread.id)
    return ThreadCreated(
        guild_id=thread.guild.id,
        thread_id=thread.id,
        parent_channel_id=thread.parent_id,
        owner_id=thread.owner_id,
        name=thread.name,
        created_at=created,
        is_forum_post=thread_is_forum_post(thread),
        tags=_thread_tags(thread),
    )


def member_joined(member: discord.Member, *, at: datetime) -> MemberJoined:
    joined = member.joined_at or at
    return MemberJoined(guild_id=member.guild.id, user_id=member.id, at=joined, is_bot=member.bot)


def member_left(payload: discord.RawMemberRemoveEvent, *, at: datetime) -> MemberLeft:
    return MemberLeft(guild_id=payload.guild_id, user_id=payload.user.id, at=at)


__all__ = [
    "channel_kind_of",
    "emoji_key",
    "member_joined",
    "member_left",
    "message_created",
    "message_deleted",
    "message_edited",
    "messages_bulk_deleted",
    "reaction_added",
    "reaction_removed",
    "thread_created",
    "thread_is_forum_post",
]
