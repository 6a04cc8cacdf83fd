"""Questions: open lists, single lookups, status changes and the state restored after a restart."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.facts import MessageFact, QuestionFact, QuestionStatus
from bot.store.dialect import IN_CHUNK
from bot.store.models.core import Message, Question, QuestionResponder


def question_fact(row: Question | Row[Any], responders: Sequence[int]) -> QuestionFact:
    """A stored question (a mapped object or a row of its columns) as the engine's fact."""
    return QuestionFact(
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        message_id=row.message_id,
        asker_id=row.asker_id,
        asked_at=row.asked_at,
        status=row.status,  # type: ignore[arg-type]
        snippet=row.snippet,
        topics=tuple(row.topics or ()),
        first_response_message_id=row.first_response_message_id,
        first_response_at=row.first_response_at,
        responder_ids=tuple(responders),
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        parent_channel_id=row.parent_channel_id,
        source=row.source,  # type: ignore[arg-type]
        resolved_on=row.resolved_on_message_id,
        confidence=1.0 if row.confidence is None else float(row.confidence),
    )


async def _responders(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        rows = await session.execute(
            select(QuestionResponder.question_id, QuestionResponder.user_id)
            .where(QuestionResponder.question_id.in_(chunk))
            .order_by(QuestionResponder.question_id, QuestionResponder.user_id)
        )
        for question_id, user_id in rows:
            found.setdefault(question_id, []).append(user_id)
    return found


async def _facts(session: AsyncSession, rows: Iterable[Question]) -> list[QuestionFact]:
    questions = list(rows)
    responders = await _responders(session, [q.message_id for q in questions])
    return [question_fact(q, responders.get(q.message_id, ())) for q in questions]


def _open_filter(guild_id: int, channel_id: int | None) -> list[Any]:
    conditions: list[Any] = [Question.guild_id == guild_id, Question.status == "open"]
    if channel_id is not None:
        conditions.append(or_(Question.channel_id == channel_id, Question.parent_channel_id == channel_id))
    return conditions


async def open_questions(
    session: AsyncSession, guild_id: int, *, limit: int, offset: int = 0, channel_id: int | None = None
) -> list[QuestionFact]:
    """Open questions, the longest waiting first. `channel_id` also matches threads inside it."""
    rows = await session.scalars(
        select(Question)
        .where(*_open_filter(guild_id, channel_id))
        .order_by(Question.asked_at, Question.message_id)
        .limit(limit)
        .offset(offset)
    )
    return await _facts(session, rows)


async def count_open(session: AsyncSession, guild_id: int, *, channel_id: int | None = None) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Question).where(*_open_filter(guild_id, channel_id))
    )
    return int(total or 0)


async def get_question(session: AsyncSession, message_id: int) -> QuestionFact | None:
    row = await session.get(Question, message_id)
    if row is None:
        return None
    return (await _facts(session, [row]))[0]


async def set_status(
    session: AsyncSession,
    message_id: int,
    status: QuestionStatus,
    *,
    at: datetime | None = None,
    by_user_id: int | None = None,
) -> bool:
    """Change a question's status; `resolved` records when and by whom, `open` clears that.
    Returns False when there is no such question."""
    values: dict[str, Any] = {"status": status}
    if status == "resolved":
        values.update(resolved_at=at, resolved_by=by_user_id, resolved_on_message_id=None)
    elif status == "open":
        values.update(resolved_at=None, resolved_by=None, resolved_on_message_id=None)
    result = await session.execute(update(Question).where(Question.message_id == message_id).values(**values))
    return bool(getattr(result, "rowcount", 0))


async def questions_between(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime
) -> list[QuestionFact]:
    """Questions asked in [start, end), oldest first."""
    rows = await session.scalars(
        select(Question)
        .where(Question.guild_id == guild_id, Question.asked_at >= start, Question.asked_at < end)
        .order_by(Question.asked_at, Question.message_id)
    )
    return await _facts(session, rows)


async def restore_state(
    session: AsyncSession,
    guild_ids: Iterable[int] | None = None,
    *,
    since: datetime,
    statuses: tuple[QuestionStatus, ...] = ("open",),
    settled_since: datetime | None = None,
) -> tuple[list[QuestionFact], list[MessageFact]]:
    """What the engine needs after a restart: questions still open (any age), answered or resolved
    questions asked since `settled_since` (so thanks and a ✅ taken back still reach them), and the
    messages created since `since`, all oldest first. `guild_ids=None` means every guild."""
    guilds = None if guild_ids is None else list(guild_ids)
    wanted: ColumnElement[bool] = Question.status.in_(statuses)
    if settled_since is not None:
        wanted = or_(wanted, and_(Question.status.in_(("answered", "resolved")), Question.asked_at >= settled_since))
    q_stmt = select(Question).where(wanted)
    m_stmt = select(
        Message.guild_id,
        Message.channel_id,
        Message.message_id,
        Message.author_id,
        Message.created_at,
        Message.parent_channel_id,
        Message.is_bot,
        Message.is_question,
    ).where(Message.created_at >= since)
    if guilds is not None:
        q_stmt = q_stmt.where(Question.guild_id.in_(guilds))
        m_stmt = m_stmt.where(Message.guild_id.in_(guilds))
    questions = await _facts(
        session, await session.scalars(q_stmt.order_by(Question.asked_at, Question.message_id))
    )
    rows = await session.execute(m_stmt.order_by(Message.created_at, Message.message_id))
    messages = [MessageFact(*row) for row in rows]
    return questions, messages


__all__ = [
    "count_open",
    "get_question",
    "open_questions",
    "questions_between",
    "restore_state",
    "set_status",
]
