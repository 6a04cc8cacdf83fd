"""Builders for hand-made conversations fed to the Engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.conversation.clock import FakeClock
from bot.conversation.engine import Engine, GuildRules
from bot.conversation.events import Event, MessageCreated
from bot.conversation.facts import Fact, InteractionFact, QuestionFact

GUILD = 1
CHANNEL = 10
T0 = datetime(2025, 1, 6, 12, tzinfo=UTC)


class Chat:
    """Feeds events to an Engine, one message id and a few seconds per message."""

    def __init__(self, rules: GuildRules | None = None) -> None:
        self.clock = FakeClock(T0)
        self.engine = Engine(self.clock, (lambda _g: rules) if rules is not None else None)
        self.facts: list[Fact] = []
        self.next_id = 1000
        self.at = T0

    def send(self, author: int, content: str, *, seconds: float = 10, **kw: Any) -> int:
        self.next_id += 1
        self.at = self.at + timedelta(seconds=seconds)
        fields: dict[str, Any] = {"guild_id": GUILD, "channel_id": CHANNEL, "message_id": self.next_id,
                                  "author_id": author, "created_at": self.at, "content": content}
        fields.update(kw)
        self.feed(MessageCreated(**fields))
        return self.next_id

    def feed(self, event: Event) -> list[Fact]:
        self.clock.set(getattr(event, "created_at", None) or getattr(event, "at", None) or self.clock.now())
        out = self.engine.handle(event)
        self.facts.extend(out)
        return out

    def targets(self, message_id: int) -> set[tuple[int, str]]:
        return {(f.target_user_id, f.kind) for f in self.facts
                if isinstance(f, InteractionFact) and f.message_id == message_id}

    def interactions(self) -> list[InteractionFact]:
        return [f for f in self.facts if isinstance(f, InteractionFact)]

    def question(self, message_id: int) -> QuestionFact | None:
        return self.engine.question(message_id)
