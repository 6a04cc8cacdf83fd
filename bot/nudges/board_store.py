"""Storage for the open-questions board: which open questions are on it, and the board's
messages and fingerprint per server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.facts import QuestionFact
from bot.nudges.board import BoardState
from bot.nudges.relist import RELIST_PREFIX
from bot.questions.store import question_fact
from bot.store.dialect import dialect_insert
from bot.store.models.core import Question
from bot.store.models.nudges import HelpBoard, Nudge

_ON_BOARD = or_(Nudge.step == "listing", Nudge.step.like(f"{RELIST_PREFIX}%"))


async def board_guilds(session: AsyncSession, since: datetime) -> list[int]:
    """Servers with a board, or with a question put on one since `since`."""
    listed = select(Nudge.guild_id).where(_ON_BOARD, Nudge.created_at >= since).group_by(Nudge.guild_id)
    boards = select(HelpBoard.guild_id)
    ids = set((await session.execute(listed)).scalars()) | set((await session.execute(boards)).scalars())
    return sorted(ids)


async def listed_open_questions(
    session: AsyncSession, guild_id: int, asked_since: datetime
) -> list[tuple[QuestionFact, datetime]]:
    """Open questions asked since `asked_since` that were put on the board, with the last time
    they were (the listing step, or a later "still stuck")."""
    latest = (
        select(Nudge.question_message_id, func.max(Nudge.created_at).label("listed_at"))
        .where(Nudge.guild_id == guild_id, _ON_BOARD)
        .group_by(Nudge.question_message_id)
        .subquery()
    )
    rows = await session.execute(
        select(Question, latest.c.listed_at)
        .join(latest, latest.c.question_message_id == Question.message_id)
        .where(Question.guild_id == guild_id, Question.status == "open", Question.asked_at >= asked_since)
    )
    return [(question_fact(q, []), listed_at) for q, listed_at in rows.all()]


async def get_board(session: AsyncSession, guild_id: int) -> BoardState | None:
    row = await session.get(HelpBoard, guild_id)
    if row is None:
        return None
    return BoardState(
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        message_ids=tuple(int(m) for m in row.message_ids or ()),
        fingerprint=row.fingerprint,
        recreated=row.recreated,
        updated_at=row.updated_at,
    )


async def claim_board(
    session: AsyncSession, guild_id: int, channel_id: int, seen: str | None, marker: str, now: datetime
) -> bool:
    """Take the board's next update: its fingerprint goes from `seen` (None: no row yet) to
    `marker`, only if nobody changed it since; False when another process got there first."""
    if seen is None:
        stmt = (
            dialect_insert(session, HelpBoard)
            .values(guild_id=guild_id, channel_id=channel_id, message_ids=[], fingerprint=marker, recreated=0,
                    updated_at=now)
            .on_conflict_do_nothing(index_elements=["guild_id"])
            .returning(HelpBoard.guild_id)
        )
        return (await session.execute(stmt)).scalar_one_or_none() is not None
    result = await session.execute(
        update(HelpBoard)
        .where(HelpBoard.guild_id == guild_id, HelpBoard.fingerprint == seen)
        .values(fingerprint=marker, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def save_board(session: AsyncSession, state: BoardState, now: datetime) -> None:
    row = await session.get(HelpBoard, state.guild_id)
    if row is None:
        row = HelpBoard(guild_id=state.guild_id)
        session.add(row)
    row.channel_id = state.channel_id
    row.message_ids = list(state.message_ids)
    row.fingerprint = state.fingerprint
    row.recreated = state.recreated
    row.updated_at = now
    await session.flush()
