"""How the writer reduces a run of facts to the rows one batch writes (no database access).

Facts apply in order: the latest question state wins, a deleted message takes its own
interactions and question with it, and a member's first and last sightings widen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from bot.conversation.facts import Fact, InteractionFact, MemberFact, MessageFact, MessageGone, QuestionFact

# these facts' fields are exactly their table's columns
_MESSAGE_FIELDS = tuple(f.name for f in fields(MessageFact))
_INTERACTION_FIELDS = tuple(f.name for f in fields(InteractionFact))


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _left_after_join(joined: datetime | None, left: datetime | None) -> datetime | None:
    """A join later than the last leave means the member is back: no `left_at`."""
    if joined is not None and left is not None and joined > left:
        return None
    return left


@dataclass
class Batch:
    """The reduced effect of a sequence of facts, ready to be written."""

    gone: set[int] = field(default_factory=set)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    interactions: dict[tuple[int, int, int], dict[str, Any]] = field(default_factory=dict)
    interactions_by_message: dict[int, set[tuple[int, int]]] = field(default_factory=dict)
    questions: dict[int, QuestionFact] = field(default_factory=dict)
    members: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)

    def add(self, fact: Fact) -> None:
        if isinstance(fact, MessageFact):
            self.messages[fact.message_id] = {name: getattr(fact, name) for name in _MESSAGE_FIELDS}
        elif isinstance(fact, InteractionFact):
            key = (fact.message_id, fact.source_user_id, fact.target_user_id)
            self.interactions[key] = {name: getattr(fact, name) for name in _INTERACTION_FIELDS}
            self.interactions_by_message.setdefault(fact.message_id, set()).add(key[1:])
        elif isinstance(fact, QuestionFact):
            self.questions[fact.message_id] = fact
        elif isinstance(fact, MessageGone):
            self._gone(fact.message_id)
        elif isinstance(fact, MemberFact):
            self._member(fact)
        else:  # pragma: no cover - the Fact union is closed
            raise TypeError(f"not a fact: {fact!r}")

    def _gone(self, message_id: int) -> None:
        self.gone.add(message_id)
        self.messages.pop(message_id, None)
        self.questions.pop(message_id, None)
        for source, target in self.interactions_by_message.pop(message_id, ()):
            self.interactions.pop((message_id, source, target), None)

    def _member(self, fact: MemberFact) -> None:
        key = (fact.guild_id, fact.user_id)
        row = self.members.get(key)
        if row is None:
            self.members[key] = {
                "guild_id": fact.guild_id,
                "user_id": fact.user_id,
                "is_bot": fact.is_bot,
                "joined_at": fact.joined_at,
                "left_at": _left_after_join(fact.joined_at, fact.left_at),
                "first_seen_at": fact.seen_at,
                "last_seen_at": fact.seen_at,
            }
            return
        row["is_bot"] = row["is_bot"] or fact.is_bot
        row["joined_at"] = _later(row["joined_at"], fact.joined_at)
        # keep the latest leave seen so far; a later join clears it when written
        row["left_at"] = _left_after_join(row["joined_at"], _later(row["left_at"], fact.left_at))
        row["first_seen_at"] = _earlier(row["first_seen_at"], fact.seen_at)
        row["last_seen_at"] = _later(row["last_seen_at"], fact.seen_at)


def question_row(fact: QuestionFact) -> dict[str, Any]:
    return {
        "message_id": fact.message_id,
        "guild_id": fact.guild_id,
        "channel_id": fact.channel_id,
        "parent_channel_id": fact.parent_channel_id,
        "asker_id": fact.asker_id,
        "asked_at": fact.asked_at,
        "status": fact.status,
        "snippet": fact.snippet,
        "topics": list(fact.topics),
        "first_response_message_id": fact.first_response_message_id,
        "first_response_at": fact.first_response_at,
        "resolved_at": fact.resolved_at,
        "resolved_by": fact.resolved_by,
        "resolved_on_message_id": fact.resolved_on,
        "source": fact.source,
    }
