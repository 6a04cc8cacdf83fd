"""Storage for what happens after an introduction: delivery, follow-up, answers, outcome, stats.

Plain async functions over an `AsyncSession`; they return small frozen rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.intros import took
from bot.db.models.core import Interaction, Message
from bot.db.models.intros import Introduction, IntroductionMember, IntroMember


@dataclass(frozen=True, slots=True)
class IntroductionRow:
    id: int
    guild_id: int
    created_at: datetime
    channel_id: int | None
    thread_id: int | None
    shared_interests: tuple[str, ...]
    starter: str
    outcome: str
    members: tuple[int, ...]
    responses: dict[int, str | None]
    followed_up_at: datetime | None
    sent_at: datetime | None = None


async def get_introduction(session: AsyncSession, intro_id: int) -> IntroductionRow | None:
    intro = await session.get(Introduction, intro_id)
    if intro is None:
        return None
    rows = await session.execute(
        select(IntroductionMember.user_id, IntroductionMember.response)
        .where(IntroductionMember.introduction_id == intro_id)
        .order_by(IntroductionMember.user_id)
    )
    responses = {uid: resp for uid, resp in rows}
    return IntroductionRow(
        intro.id,
        intro.guild_id,
        intro.created_at,
        intro.channel_id,
        intro.thread_id,
        tuple(intro.shared_interests or ()),
        intro.starter,
        intro.outcome,
        tuple(responses),
        responses,
        intro.followed_up_at,
        intro.sent_at,
    )


async def mark_sent(
    session: AsyncSession, intro_id: int, channel_id: int | None, thread_id: int | None, now: datetime
) -> None:
    await session.execute(
        update(Introduction)
        .where(Introduction.id == intro_id)
        .values(channel_id=channel_id, thread_id=thread_id, sent_at=now)
    )


async def follow_up_candidates(
    session: AsyncSession, created_before: datetime
) -> list[tuple[int, int, datetime]]:
    """(id, guild_id, created_at) of introductions not yet followed up, made before the bound."""
    rows = await session.execute(
        select(Introduction.id, Introduction.guild_id, Introduction.created_at).where(
            Introduction.followed_up_at.is_(None), Introduction.created_at <= created_before
        )
    )
    return [(i, g, c) for i, g, c in rows]


async def claim_follow_up(session: AsyncSession, intro_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Introduction)
        .where(Introduction.id == intro_id, Introduction.followed_up_at.is_(None))
        .values(followed_up_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def interacted_since(
    session: AsyncSession, guild_id: int, members: Sequence[int], since: datetime, thread_id: int | None
) -> bool:
    """Did any two of `members` interact anywhere in the server since `since`, or both post in the thread?"""
    ids = list(members)
    hit = await session.execute(
        select(Interaction.message_id)
        .where(
            Interaction.guild_id == guild_id,
            Interaction.at >= since,
            Interaction.source_user_id.in_(ids),
            Interaction.target_user_id.in_(ids),
            Interaction.source_user_id != Interaction.target_user_id,
        )
        .limit(1)
    )
    if hit.first() is not None:
        return True
    if thread_id is None:
        return False
    posters = await session.execute(
        select(func.count(func.distinct(Message.author_id))).where(
            Message.channel_id == thread_id, Message.author_id.in_(ids), Message.created_at >= since
        )
    )
    return int(posters.scalar_one()) >= 2


async def set_outcome(
    session: AsyncSession, intro_id: int, outcome: str, now: datetime | None = None
) -> None:
    values: dict[str, Any] = {"outcome": outcome}
    if now is not None:
        values["closed_at"] = now
    await session.execute(update(Introduction).where(Introduction.id == intro_id).values(**values))
    if took(outcome):
        intro = await session.get(Introduction, intro_id)
        if intro is not None:
            members = select(IntroductionMember.user_id).where(IntroductionMember.introduction_id == intro_id)
            await session.execute(
                update(IntroMember)
                .where(IntroMember.guild_id == intro.guild_id, IntroMember.user_id.in_(members))
                .values(ignored_count=0)
            )


async def record_response(session: AsyncSession, intro_id: int, user_id: int, response: str) -> bool:
    """Store one member's button answer; False when they are not in this introduction."""
    result = await session.execute(
        update(IntroductionMember)
        .where(IntroductionMember.introduction_id == intro_id, IntroductionMember.user_id == user_id)
        .values(response=response)
    )
    if not getattr(result, "rowcount", 0):
        return False
    intro = await session.get(Introduction, intro_id)
    if intro is not None:
        await session.execute(
            update(IntroMember)
            .where(IntroMember.guild_id == intro.guild_id, IntroMember.user_id == user_id)
            .values(ignored_count=0)
        )
    return True


async def expirable(session: AsyncSession, followed_up_before: datetime) -> list[tuple[int, int, datetime]]:
    """(id, guild_id, followed_up_at) of introductions still pending after their follow-up."""
    rows = await session.execute(
        select(Introduction.id, Introduction.guild_id, Introduction.followed_up_at).where(
            Introduction.outcome == "pending",
            Introduction.closed_at.is_(None),
            Introduction.followed_up_at.is_not(None),
            Introduction.followed_up_at <= followed_up_before,
        )
    )
    return [(i, g, f) for i, g, f in rows if f is not None]


async def close_ignored(session: AsyncSession, intro_id: int, now: datetime) -> list[int]:
    """Nobody answered: mark the introduction ignored and count it against the silent members."""
    result = await session.execute(
        update(Introduction)
        .where(
            Introduction.id == intro_id, Introduction.closed_at.is_(None), Introduction.outcome == "pending"
        )
        .values(outcome="ignored", closed_at=now)
    )
    if not getattr(result, "rowcount", 0):
        return []
    intro = await session.get(Introduction, intro_id)
    silent = list(
        (
            await session.execute(
                select(IntroductionMember.user_id).where(
                    IntroductionMember.introduction_id == intro_id, IntroductionMember.response.is_(None)
                )
            )
        ).scalars()
    )
    if intro is not None and silent:
        await session.execute(
            update(IntroMember)
            .where(IntroMember.guild_id == intro.guild_id, IntroMember.user_id.in_(silent))
            .values(ignored_count=IntroMember.ignored_count + 1)
        )
    return silent


async def latest_for_member(session: AsyncSession, guild_id: int, user_id: int) -> IntroductionRow | None:
    stmt = (
        select(Introduction.id)
        .join(IntroductionMember, IntroductionMember.introduction_id == Introduction.id)
        .where(Introduction.guild_id == guild_id, IntroductionMember.user_id == user_id)
        .order_by(Introduction.created_at.desc(), Introduction.id.desc())
        .limit(1)
    )
    intro_id = (await session.execute(stmt)).scalar_one_or_none()
    return None if intro_id is None else await get_introduction(session, intro_id)


async def intro_stats(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime
) -> tuple[int, int]:
    """(introductions made, introductions that led to a conversation) created in [start, end)."""
    rows = await session.execute(
        select(Introduction.outcome, func.count())
        .where(
            Introduction.guild_id == guild_id, Introduction.created_at >= start, Introduction.created_at < end
        )
        .group_by(Introduction.outcome)
    )
    made = took_count = 0
    for outcome, count in rows:
        made += int(count)
        if took(outcome):
            took_count += int(count)
    return made, took_count


__all__ = [
    "IntroductionRow",
    "claim_follow_up",
    "close_ignored",
    "expirable",
    "follow_up_candidates",
    "get_introduction",
    "interacted_since",
    "intro_stats",
    "latest_for_member",
    "mark_sent",
    "record_response",
    "set_outcome",
]
