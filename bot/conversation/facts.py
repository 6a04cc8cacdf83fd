"""What the engine concludes from events: the only things the store writes.

Facts carry ids, times and derived flags, never message bodies (a question keeps a
short snippet only when the server allows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

InteractionKind = Literal["reply", "mention", "thread", "reaction", "inferred"]
QuestionStatus = Literal["open", "answered", "resolved"]


@dataclass(frozen=True, slots=True)
class MessageFact:
    guild_id: int
    channel_id: int
    message_id: int
    author_id: int
    created_at: datetime
    parent_channel_id: int | None = None
    is_bot: bool = False
    is_question: bool = False


@dataclass(frozen=True, slots=True)
class InteractionFact:
    """`source_user_id` responded to `target_user_id` with `message_id`. One per (message, target)."""

    guild_id: int
    channel_id: int
    message_id: int
    source_user_id: int
    target_user_id: int
    target_message_id: int | None
    kind: InteractionKind
    at: datetime


@dataclass(frozen=True, slots=True)
class QuestionFact:
    """The whole current state of one question (an upsert keyed by `message_id`)."""

    guild_id: int
    channel_id: int
    message_id: int
    asker_id: int
    asked_at: datetime
    status: QuestionStatus
    snippet: str | None = None
    topics: tuple[str, ...] = ()
    first_response_message_id: int | None = None
    first_response_at: datetime | None = None
    responder_ids: tuple[int, ...] = ()
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    parent_channel_id: int | None = None
    source: Literal["auto", "manual", "forum"] = "auto"
    resolved_on: int | None = None  # the message whose ✅ by the asker resolved it (taking it back undoes that)
    confidence: float = 1.0  # how surely it reads as a help request (`questions.help_confidence`)


@dataclass(frozen=True, slots=True)
class MessageGone:
    """A message was deleted: its question (if any) and its interactions go with it."""

    guild_id: int
    message_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class MemberFact:
    guild_id: int
    user_id: int
    seen_at: datetime
    is_bot: bool = False
    joined_at: datetime | None = None
    left_at: datetime | None = None


Fact = MessageFact | InteractionFact | QuestionFact | MessageGone | MemberFact
