"""Read what `analyze` stored for a set of channels, for the analysis report."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.continuations import Line
from bot.store.models.core import Interaction, Message, Question, QuestionResponder

_CHUNK = 500

if TYPE_CHECKING:
    from sqlalchemy import Row

    # message_id, guild_id, channel_id, asker_id, asked_at, status, first_response_message_id,
    # first_response_at, source
    QuestionRow: TypeAlias = Row[int, int, int, int, datetime, str, int | None, datetime | None, str]


def _chunks(ids: Collection[int]) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


_QUESTION_COLUMNS = (
    Question.message_id,
    Question.guild_id,
    Question.channel_id,
    Question.asker_id,
    Question.asked_at,
    Question.status,
    Question.first_response_message_id,
    Question.first_response_at,
    Question.source,
)


async def report_questions(
    session: AsyncSession, guild_id: int, channel_ids: Collection[int]
) -> AsyncIterator[tuple[QuestionRow, list[int]]]:
    """Questions asked in `channel_ids`, oldest first, each with its responder ids.

    Each question is a row with the attributes of `Question` the reports read (message_id,
    guild_id, channel_id, asker_id, asked_at, status, first_response_message_id,
    first_response_at, source): plain rows, not ORM objects, as a report reads hundreds of
    thousands of them."""
    for chunk in _chunks(channel_ids):
        stmt = (
            select(*_QUESTION_COLUMNS)
            .where(Question.guild_id == guild_id, Question.channel_id.in_(chunk))
            .order_by(Question.message_id)
            .execution_options(yield_per=2000)
        )
        batch: list[QuestionRow] = []
        result = await session.stream(stmt)
        async for question in result:
            batch.append(question)
            if len(batch) >= 2000:
                for item in await _with_responders(session, batch):
                    yield item
                batch = []
        for item in await _with_responders(session, batch):
            yield item


async def _with_responders(
    session: AsyncSession, batch: list[QuestionRow]
) -> list[tuple[QuestionRow, list[int]]]:
    if not batch:
        return []
    ids = [q.message_id for q in batch]
    rows = await session.execute(
        select(QuestionResponder.question_id, QuestionResponder.user_id)
        .where(QuestionResponder.question_id.in_(ids))
        .order_by(QuestionResponder.question_id, QuestionResponder.user_id)
    )
    responders: dict[int, list[int]] = {}
    for question_id, user_id in rows:
        responders.setdefault(question_id, []).append(user_id)
    return [(q, responders.get(q.message_id, [])) for q in batch]


async def report_interactions(
    session: AsyncSession, guild_id: int, channel_ids: Collection[int]
) -> AsyncIterator[tuple[int, int, int, int | None, str, datetime]]:
    """(message_id, source, target, target_message_id, kind, at) for `channel_ids`, in message order."""
    for chunk in _chunks(channel_ids):
        stmt = (
            select(
                Interaction.message_id,
                Interaction.source_user_id,
                Interaction.target_user_id,
                Interaction.target_message_id,
                Interaction.kind,
                Interaction.at,
            )
            .where(Interaction.guild_id == guild_id, Interaction.channel_id.in_(chunk))
            .order_by(Interaction.message_id, Interaction.source_user_id, Interaction.target_user_id)
            .execution_options(yield_per=5000)
        )
        result = await session.stream(stmt)
        async for row in result:
            yield (row[0], row[1], row[2], row[3], row[4], row[5])


async def report_lines(session: AsyncSession, guild_id: int, channel_ids: Collection[int]) -> AsyncIterator[Line]:
    """Every stored message of `channel_ids` in time order, with whether it responds to someone
    else's message (for `bot.conversation.continuations`)."""
    responds = (
        select(Interaction.message_id)
        .where(Interaction.message_id == Message.message_id, Interaction.target_message_id.is_not(None))
        .exists()
    )
    for chunk in _chunks(channel_ids):
        stmt = (
            select(Message.message_id, Message.channel_id, Message.author_id, Message.created_at, Message.is_bot, responds)
            .where(Message.guild_id == guild_id, Message.channel_id.in_(chunk))
            .order_by(Message.created_at, Message.message_id)
            .execution_options(yield_per=5000)
        )
        result = await session.stream(stmt)
        async for row in result:
            yield Line(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]))
