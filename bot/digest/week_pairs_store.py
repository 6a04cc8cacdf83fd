"""The digest week's interactions read once: one scan counts them per pair of people
into a temporary table, and every week-0 figure built on interactions (totals, active and
connected members, the tie graph) is read from that table instead of scanning the week again.

Same definitions as `bot.digest.inputs_store` (which serves the earlier weeks): a pair of
humans (no bots, never oneself); a member pair has no staff on either side.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, and_, case, delete, func, select, union

from bot.digest.inputs_store import Groups, _human_pairs, _not_in
from bot.store.models.core import Interaction, Message, Question

I = Interaction  # noqa: E741
PAIRS = Table(
    "digest_week_pairs",
    MetaData(),
    Column("lo", BigInteger, nullable=False),  # the pair's smaller user id
    Column("hi", BigInteger, nullable=False),
    Column("member", Integer, nullable=False),  # 1: no staff on either side
    Column("n", Integer, nullable=False),  # interactions between the two, either way
    Column("lo_sent", Integer, nullable=False),  # 1: `lo` was the source of at least one
    Column("hi_sent", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
P = PAIRS.c


async def load(session: Any, guild_id: int, since: datetime, until: datetime, g: Groups) -> Table:
    """Count the interactions between humans in [since, until) per pair of people (one scan)."""
    conn = await session.connection()
    await conn.run_sync(lambda sync: PAIRS.create(sync, checkfirst=True))  # lives with the connection
    await session.execute(delete(PAIRS))
    lo = case((I.source_user_id < I.target_user_id, I.source_user_id), else_=I.target_user_id)
    hi = case((I.source_user_id < I.target_user_id, I.target_user_id), else_=I.source_user_id)
    member = case((and_(_not_in(I.source_user_id, g.staff), _not_in(I.target_user_id, g.staff)), 1), else_=0)
    counted = (
        select(
            lo,
            hi,
            func.max(member),
            func.count(),
            func.max(case((I.source_user_id < I.target_user_id, 1), else_=0)),
            func.max(case((I.source_user_id > I.target_user_id, 1), else_=0)),
        )
        .where(_human_pairs(guild_id, since, until, g))
        .group_by(lo, hi)
    )
    columns = ["lo", "hi", "member", "n", "lo_sent", "hi_sent"]
    await session.execute(PAIRS.insert().from_select(columns, counted))
    return PAIRS


async def interaction_counts(session: Any) -> tuple[int, int, int]:
    """(interactions, member interactions, active connections) of the loaded week."""
    stmt = select(func.sum(P.n), func.sum(P.n * P.member), func.sum(P.member))
    n, m, c = (await session.execute(stmt)).one()
    return int(n or 0), int(m or 0), int(c or 0)


async def active_and_connected(
    session: Any, guild_id: int, since: datetime, until: datetime, g: Groups
) -> tuple[int, int]:
    """(active members, of them with at least one member-to-member interaction) of the loaded week;
    `since`/`until` are the loaded week's bounds, for the messages and questions."""
    active = union(
        select(Message.author_id.label("u")).where(
            Message.guild_id == guild_id,
            Message.created_at >= since,
            Message.created_at < until,
            Message.is_bot.is_(False),
            _not_in(Message.author_id, g.non_members),
        ),
        select(P.lo).where(P.lo_sent == 1, _not_in(P.lo, g.staff)),
        select(P.hi).where(P.hi_sent == 1, _not_in(P.hi, g.staff)),
        select(Question.asker_id).where(
            Question.guild_id == guild_id,
            Question.asked_at >= since,
            Question.asked_at < until,
            _not_in(Question.asker_id, g.non_members),
        ),
    ).subquery()
    connected = union(
        select(P.lo.label("u")).where(P.member == 1), select(P.hi).where(P.member == 1)
    ).subquery()
    in_connected = case((active.c.u.in_(select(connected.c.u)), 1), else_=0)
    row = (await session.execute(select(func.count(), func.sum(in_connected)).select_from(active))).one()
    return int(row[0] or 0), int(row[1] or 0)


async def tie_edges(session: Any, limit: int) -> list[tuple[int, int]]:
    """The loaded week's member pairs, strongest first, at most `limit`."""
    stmt = select(P.lo, P.hi).where(P.member == 1).order_by(P.n.desc(), P.lo, P.hi).limit(limit)
    return [(int(a), int(b)) for a, b in await session.execute(stmt)]
