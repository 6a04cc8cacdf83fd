"""Small builders for facts used across the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.conversation.facts import Fact, InteractionFact, MemberFact, MessageFact, QuestionFact

GUILD = 1000
T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def message(
    mid: int,
    author: int,
    minutes: float = 0,
    *,
    guild: int = GUILD,
    channel: int = 10,
    is_question: bool = False,
) -> MessageFact:
    return MessageFact(
        guild_id=guild,
        channel_id=channel,
        message_id=mid,
        author_id=author,
        created_at=at(minutes),
        is_question=is_question,
    )


def reply(
    mid: int, source: int, target: int, target_mid: int, minutes: float = 0, *, guild: int = GUILD
) -> InteractionFact:
    return InteractionFact(
        guild_id=guild,
        channel_id=10,
        message_id=mid,
        source_user_id=source,
        target_user_id=target,
        target_message_id=target_mid,
        kind="reply",
        at=at(minutes),
    )


def question(
    mid: int,
    asker: int,
    minutes: float = 0,
    *,
    guild: int = GUILD,
    status: str = "open",
    responders: tuple[int, ...] = (),
    snippet: str | None = "how do I?",
) -> QuestionFact:
    return QuestionFact(
        guild_id=guild,
        channel_id=10,
        message_id=mid,
        asker_id=asker,
        asked_at=at(minutes),
        status=status,  # type: ignore[arg-type]
        snippet=snippet,
        topics=("python",),
        responder_ids=responders,
    )


def member(
    user: int,
    minutes: float = 0,
    *,
    guild: int = GUILD,
    joined: float | None = None,
    left: float | None = None,
    is_bot: bool = False,
) -> MemberFact:
    return MemberFact(
        guild_id=guild,
        user_id=user,
        seen_at=at(minutes),
        is_bot=is_bot,
        joined_at=None if joined is None else at(joined),
        left_at=None if left is None else at(left),
    )


def conversation(n_messages: int, *, guild: int = GUILD, users: int = 50, start_id: int = 1) -> list[Fact]:
    """A synthetic stream of messages `start_id`.. (everything derives from the message id, so
    two overlapping streams agree): each message, its author seen, every 3rd a reply to the
    previous message, every 10th a question."""
    facts: list[Fact] = []
    for mid in range(start_id, start_id + n_messages):
        author = 1 + (mid * 7) % users
        minutes = mid / 10
        facts.append(message(mid, author, minutes, guild=guild, is_question=mid % 10 == 0))
        facts.append(member(author, minutes, guild=guild))
        if mid % 3 == 1 and mid > 1:
            target = 1 + ((mid - 1) * 7) % users
            if target != author:
                facts.append(reply(mid, author, target, mid - 1, minutes, guild=guild))
        if mid % 10 == 0:
            facts.append(question(mid, author, minutes, guild=guild))
    return facts
