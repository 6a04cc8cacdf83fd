"""Normalised events: a live Discord event and a message read from an export become one of these.

All ids are ints (Discord snowflakes); all times are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ChannelKind = Literal["text", "thread", "forum_post"]

# Discord gives every deleted account this one id ("Deleted User"): thousands of people, not one
# member, so it is read as a bot (never a member, helper, asker or tie).
DELETED_USER_ID = 456226577798135808


def is_placeholder_account(user_id: int) -> bool:
    """True for ids that stand for no one member (Discord's deleted-account placeholder)."""
    return user_id == DELETED_USER_ID


@dataclass(frozen=True, slots=True)
class MessageCreated:
    guild_id: int
    channel_id: int  # where it was posted; a thread's or forum post's own id for messages inside one
    message_id: int
    author_id: int
    created_at: datetime
    content: str
    author_is_bot: bool = False
    channel_kind: ChannelKind = "text"
    parent_channel_id: int | None = None  # the text or forum channel a thread / post belongs to
    mentions: tuple[int, ...] = ()  # user ids mentioned (never roles, @everyone or @here)
    reference_message_id: int | None = None  # Discord reply reference
    reference_author_id: int | None = None  # author of the referenced message, when known
    is_thread_starter: bool = False  # the first message of a thread or forum post
    thread_owner_id: int | None = None  # who opened the thread / post this message is in
    forum_tags: tuple[str, ...] = ()
    author_name: str | None = None  # display name, never stored with message facts


@dataclass(frozen=True, slots=True)
class MessageEdited:
    guild_id: int
    channel_id: int
    message_id: int
    edited_at: datetime
    content: str
    mentions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    guild_id: int
    channel_id: int
    message_id: int
    deleted_at: datetime


@dataclass(frozen=True, slots=True)
class ReactionAdded:
    guild_id: int
    channel_id: int
    message_id: int
    user_id: int
    emoji: str
    at: datetime
    user_is_bot: bool = False
    message_author_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReactionRemoved:
    guild_id: int
    channel_id: int
    message_id: int
    user_id: int
    emoji: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ThreadCreated:
    guild_id: int
    thread_id: int
    parent_channel_id: int
    owner_id: int
    name: str
    created_at: datetime
    is_forum_post: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MemberJoined:
    guild_id: int
    user_id: int
    at: datetime
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class MemberLeft:
    guild_id: int
    user_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class QuestionMarked:
    """A member or moderator said by hand: track this message as a question."""

    guild_id: int
    channel_id: int
    message_id: int
    by_user_id: int
    at: datetime
    author_id: int | None = None  # the message's author when known (the asker), else the engine's memory


@dataclass(frozen=True, slots=True)
class AnswerMarked:
    """The asker or a moderator marked `answer_message_id` as the answer to a question."""

    guild_id: int
    question_message_id: int
    answer_message_id: int
    answer_author_id: int
    by_user_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class QuestionResolved:
    """The asker or a moderator resolved a question by command or button."""

    guild_id: int
    question_message_id: int
    by_user_id: int
    at: datetime


Event = (
    MessageCreated
    | MessageEdited
    | MessageDeleted
    | ReactionAdded
    | ReactionRemoved
    | ThreadCreated
    | MemberJoined
    | MemberLeft
    | QuestionMarked
    | AnswerMarked
    | QuestionResolved
)

__all__ = [
    "AnswerMarked",
    "ChannelKind",
    "Event",
    "MemberJoined",
    "MemberLeft",
    "MessageCreated",
    "MessageDeleted",
    "MessageEdited",
    "QuestionMarked",
    "QuestionResolved",
    "ReactionAdded",
    "ReactionRemoved",
    "ThreadCreated",
]
