"""The queries behind the HTML report: member ties, first responders, open questions, newcomers.

Everything is aggregated in SQL (pair counts, one row per question or newcomer), so a server
with millions of interactions comes back as rows the size of its membership.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.report.page import NewcomerRow, OpenQuestionRow
from bot.store.base import UTCDateTime
from bot.store.models.core import Interaction, Member, Message, Question, QuestionResponder

I = Interaction  # noqa: E741  (short table aliases keep the queries readable)
Q = Question


def _not_in(column: Any, ids: Collection[int]) -> Any:
    return column.not_in(sorted(ids)) if ids else true()


async def member_ties(
    session: AsyncSession, guild_id: int, leave_out: Collection[int]
) -> list[tuple[int, int, int]]:
    """(source, target, interactions) for every directed pair of distinct members, none in `leave_out`."""
    n = func.count().label("n")
    stmt = (
        select(I.source_user_id, I.target_user_id, n)
        .where(
            I.guild_id == guild_id,
            I.source_user_id != I.target_user_id,
            _not_in(I.source_user_id, leave_out),
            _not_in(I.target_user_id, leave_out),
        )
        .group_by(I.source_user_id, I.target_user_id)
        .order_by(I.source_user_id, I.target_user_id)
    )
    return [(int(s), int(t), int(c)) for s, t, c in await session.execute(stmt)]


async def helped_pairs(
    session: AsyncSession, guild_id: int, leave_out: Collection[int]
) -> list[tuple[int, int, int]]:
    """(responder, asker, questions) over every question: who helped whom (not themselves)."""
    n = func.count().label("n")
    stmt = (
        select(QuestionResponder.user_id, Q.asker_id, n)
        .join(Q, Q.message_id == QuestionResponder.question_id)
        .where(
            Q.guild_id == guild_id,
            QuestionResponder.user_id != Q.asker_id,
            _not_in(QuestionResponder.user_id, leave_out),
            _not_in(Q.asker_id, leave_out),
        )
        .group_by(QuestionResponder.user_id, Q.asker_id)
        .order_by(QuestionResponder.user_id, Q.asker_id)
    )
    return [(int(r), int(a), int(c)) for r, a, c in await session.execute(stmt)]


async def first_responders(
    session: AsyncSession, guild_id: int, leave_out: Collection[int]
) -> list[tuple[int, int]]:
    """(member, questions they gave the first response to), most first; an asker's own
    follow-up is not a response."""
    n = func.count().label("n")
    stmt = (
        select(Message.author_id, n)
        .join(Q, Q.first_response_message_id == Message.message_id)
        .where(Q.guild_id == guild_id, Message.author_id != Q.asker_id, _not_in(Message.author_id, leave_out))
        .group_by(Message.author_id)
        .order_by(n.desc(), Message.author_id)
    )
    return [(int(u), int(c)) for u, c in await session.execute(stmt)]


async def open_questions(session: AsyncSession, guild_id: int) -> list[OpenQuestionRow]:
    """Every question still open (nobody has answered it), oldest first."""
    stmt = (
        select(Q.channel_id, Q.message_id, Q.asker_id, Q.asked_at, Q.snippet, Q.topics)
        .where(Q.guild_id == guild_id, Q.status == "open")
        .order_by(Q.asked_at, Q.message_id)
    )
    return [
        OpenQuestionRow(int(c), int(m), int(a), at, snippet, tuple(str(t) for t in (topics or ())))
        for c, m, a, at, snippet, topics in await session.execute(stmt)
    ]


async def newcomers(
    session: AsyncSession, guild_id: int, non_members: Collection[int]
) -> list[NewcomerRow]:
    """Members who joined (a join time is known), each with the first time another member
    (not staff, not a bot) turned to them after they joined, and who that was."""
    first = (
        select(I.target_user_id.label("u"), func.min(I.at, type_=UTCDateTime).label("at"))
        .join(Member, (Member.guild_id == I.guild_id) & (Member.user_id == I.target_user_id))
        .where(
            I.guild_id == guild_id,
            I.source_user_id != I.target_user_id,
            I.at >= Member.joined_at,
            _not_in(I.source_user_id, non_members),
        )
        .group_by(I.target_user_id)
        .subquery()
    )
    stmt = (
        select(Member.user_id, Member.joined_at, first.c.at)
        .outerjoin(first, first.c.u == Member.user_id)
        .where(
            Member.guild_id == guild_id,
            Member.joined_at.is_not(None),
            Member.is_bot.is_(False),
            _not_in(Member.user_id, non_members),
        )
        .order_by(Member.joined_at, Member.user_id)
    )
    rows = list(await session.execute(stmt))
    # who turned to them first: the smallest id among the members who did at that moment
    firsts = (
        select(I.target_user_id, func.min(I.source_user_id))
        .join(first, (first.c.u == I.target_user_id) & (first.c.at == I.at))
        .where(
            I.guild_id == guild_id,
            I.source_user_id != I.target_user_id,
            _not_in(I.source_user_id, non_members),
        )
        .group_by(I.target_user_id)
    )
    repliers = {int(u): int(s) for u, s in await session.execute(firsts)}
    return [
        NewcomerRow(int(user_id), joined_at, at, repliers.get(int(user_id)))
        for user_id, joined_at, at in rows
    ]
