"""Questions: which messages are questions, and the open → answered → resolved state of each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.conversation import text
from bot.conversation.facts import QuestionFact, QuestionStatus

RESOLVE_EMOJI = frozenset({"✅", "☑️", "☑", "✔️", "✔", "white_check_mark", "ballot_box_with_check", "heavy_check_mark"})

QuestionSource = Literal["auto", "manual", "forum"]


def looks_like_question(content: str, *, help_channel: bool = False) -> bool:
    """Question shape; in a help channel an error paste or a plea for help counts too."""
    if text.question_shape(content):
        return True
    if help_channel:
        prose = text.strip_leading_address(content).strip()
        return len(prose) >= 12 and (text.looks_like_error_paste(content) or not text.is_acknowledgement(prose))
    return False


@dataclass(slots=True)
class QuestionState:
    """The mutable state of one tracked question; `to_fact()` gives its full upsert."""

    guild_id: int
    channel_id: int
    message_id: int
    asker_id: int
    asked_at: datetime
    snippet: str | None = None
    topics: tuple[str, ...] = ()
    parent_channel_id: int | None = None
    source: QuestionSource = "auto"
    status: QuestionStatus = "open"
    first_response_message_id: int | None = None
    first_response_at: datetime | None = None
    responders: list[int] = field(default_factory=list)
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    resolved_on: int | None = None  # the message the asker ticked ✅ on, while it is what resolved this

    def add_response(self, message_id: int, author_id: int, at: datetime) -> bool:
        """Another member responded; returns True when the state changed."""
        if author_id == self.asker_id:
            return False
        changed = False
        if self.first_response_message_id is None:
            self.first_response_message_id = message_id
            self.first_response_at = at
            changed = True
        if author_id not in self.responders:
            self.responders.append(author_id)
            changed = True
        if self.status == "open":
            self.status = "answered"
            changed = True
        return changed

    def resolve(self, by_user_id: int, at: datetime) -> bool:
        if self.status == "resolved":
            return False
        self.status = "resolved"
        self.resolved_at = at
        self.resolved_by = by_user_id
        self.resolved_on = None
        return True

    def unresolve(self) -> bool:
        """Back to answered (or open, with no response yet): the signal that resolved it was taken back."""
        if self.status != "resolved":
            return False
        self.status = "answered" if self.first_response_message_id is not None else "open"
        self.resolved_at = None
        self.resolved_by = None
        self.resolved_on = None
        return True

    def to_fact(self) -> QuestionFact:
        return QuestionFact(
            guild_id=self.guild_id,
            channel_id=self.channel_id,
            message_id=self.message_id,
            asker_id=self.asker_id,
            asked_at=self.asked_at,
            status=self.status,
            snippet=self.snippet,
            topics=self.topics,
            first_response_message_id=self.first_response_message_id,
            first_response_at=self.first_response_at,
            responder_ids=tuple(self.responders),
            resolved_at=self.resolved_at,
            resolved_by=self.resolved_by,
            parent_channel_id=self.parent_channel_id,
            source=self.source,
            resolved_on=self.resolved_on,
        )

    @classmethod
    def from_fact(cls, fact: QuestionFact) -> QuestionState:
        return cls(
            guild_id=fact.guild_id,
            channel_id=fact.channel_id,
            message_id=fact.message_id,
            asker_id=fact.asker_id,
            asked_at=fact.asked_at,
            snippet=fact.snippet,
            topics=fact.topics,
            parent_channel_id=fact.parent_channel_id,
            source=fact.source,
            status=fact.status,
            first_response_message_id=fact.first_response_message_id,
            first_response_at=fact.first_response_at,
            responders=list(fact.responder_ids),
            resolved_at=fact.resolved_at,
            resolved_by=fact.resolved_by,
            resolved_on=fact.resolved_on,
        )
