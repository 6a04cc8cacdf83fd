"""Storage for what happens after an introduction: delivery, follow-up, answers, outcome, stats.

Plain async functions over an `AsyncSession`; they return small frozen rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.intros.rounds import took
from bot.store.models.core import Interaction, Message
from bot.store.models.intros import Introduction, IntroductionMember, IntroMember

CHUNK = 900  # ids per IN (...) list, well under SQLite's and PostgreSQL's parameter limits


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


def _row(intro: Introduction, responses: dict[int, str | None]) -> IntroductionRow:
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


async def get_introduction(session: AsyncSession, intro_id: int) -> IntroductionRow | None:
    rows = await introductions(session, [intro_id])
    return rows[0] if rows else None


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


def _chunks(ids: Sequence[int], size: int = CHUNK) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


async def claim_follow_ups(session: AsyncSession, intro_ids: Sequence[int], now: datetime) -> list[int]:
    """Stamp the follow-up time on the given introductions; returns those this call claimed."""
    claimed: list[int] = []
    for chunk in _chunks(intro_ids):
        result = await session.execute(
            update(Introduction)
            .where(Introduction.id.in_(chunk), Introduction.followed_up_at.is_(None))
            .values(followed_up_at=now)
            .returning(Introduction.id)
        )
        claimed.extend(result.scalars())
    return sorted(claimed)


async def introductions(session: AsyncSession, intro_ids: Sequence[int]) -> list[IntroductionRow]:
    """Several introductions with their members, in id order."""
    intros: dict[int, Introduction] = {}
    responses: dict[int, dict[int, str | None]] = {}
    for chunk in _chunks(intro_ids):
        for intro in (
            await session.execute(select(Introduction).where(Introduction.id.in_(chunk)))
        ).scalars():
            intros[intro.id] = intro
        rows = await session.execute(
            select(
                IntroductionMember.introduction_id, IntroductionMember.user_id, IntroductionMember.response
            )
            .where(IntroductionMember.introduction_id.in_(chunk))
            .order_by(IntroductionMember.introduction_id, IntroductionMember.user_id)
        )
        for intro_id, user_id, response in rows:
            responses.setdefault(intro_id, {})[user_id] = response
    return [_row(intros[i], responses.get(i, {})) for i in sorted(intros)]


async def interacted(session: AsyncSession, intro_ids: Sequence[int]) -> set[int]:
    """Introductions whose members interacted since it was made: anywhere in the server (the
    engine's interactions), or at least two of them posting in the introduction's thread."""
    a, b = aliased(IntroductionMember), aliased(IntroductionMember)
    found: set[int] = set()
    for chunk in _chunks(intro_ids):
        anywhere = (
            select(Introduction.id)
            .join(a, a.introduction_id == Introduction.id)
            .join(b, and_(b.introduction_id == Introduction.id, b.user_id != a.user_id))
            .join(
                Interaction,
                and_(
                    Interaction.guild_id == Introduction.guild_id,
                    Interaction.source_user_id == a.user_id,
                    Interaction.target_user_id == b.user_id,
                    Interaction.at >= Introduction.created_at,
                ),
            )
            .where(Introduction.id.in_(chunk))
            .distinct()
        )
        found.update((await session.execute(anywhere)).scalars())
        in_thread = (
            select(Introduction.id)
            .join(
                Message,
                and_(
                    Message.channel_id == Introduction.thread_id,
                    Message.created_at >= Introduction.created_at,
                ),
            )
            .join(a, and_(a.introduction_id == Introduction.id, a.user_id == Message.author_id))
            .where(Introduction.id.in_(chunk), Introduction.thread_id.is_not(None))
            .group_by(Introduction.id)
            .having(func.count(func.distinct(Message.author_id)) >= 2)
        )
        found.update((await session.execute(in_thread)).scalars())
    return found


async def close_as_interacted(
    session: AsyncSession, guild_id: int, intro_ids: Sequence[int], now: datetime
) -> None:
    """Pending introductions whose members talked: `interacted`, and nobody in them counts as ignoring."""
    for chunk in _chunks(intro_ids):
        await session.execute(
            update(Introduction)
            .where(Introduction.id.in_(chunk), Introduction.outcome == "pending")
            .values(outcome="interacted", closed_at=now)
        )
        members = select(IntroductionMember.user_id).where(IntroductionMember.introduction_id.in_(chunk))
        await session.execute(
            update(IntroMember)
            .where(IntroMember.guild_id == guild_id, IntroMember.user_id.in_(members))
            .values(ignored_count=0)
        )


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


async def close_ignored(session: AsyncSession, intro_ids: Sequence[int], now: datetime) -> int:
    """Nobody answered: mark the introductions ignored and count one more ignored introduction
    against each silent member. Returns how many introductions were closed."""
    closed: list[int] = []
    for chunk in _chunks(intro_ids):
        result = await session.execute(
            update(Introduction)
            .where(
                Introduction.id.in_(chunk),
                Introduction.closed_at.is_(None),
                Introduction.outcome == "pending",
            )
            .values(outcome="ignored", closed_at=now)
            .returning(Introduction.id)
        )
        closed.extend(result.scalars())
    silent: dict[tuple[int, int], set[int]] = {}  # (guild, times ignored now) -> members
    for chunk in _chunks(closed):
        rows = await session.execute(
            select(IntroductionMember.guild_id, IntroductionMember.user_id, func.count())
            .where(IntroductionMember.introduction_id.in_(chunk), IntroductionMember.response.is_(None))
            .group_by(IntroductionMember.guild_id, IntroductionMember.user_id)
        )
        for guild_id, user_id, count in rows:
            silent.setdefault((guild_id, int(count)), set()).add(user_id)
    for (guild_id, count), users in silent.items():
        for chunk in _chunks(sorted(users)):
            await session.execute(
                update(IntroMember)
                .where(IntroMember.guild_id == guild_id, IntroMember.user_id.in_(chunk))
                .values(ignored_count=IntroMember.ignored_count + count)
            )
    return len(closed)


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
    "claim_follow_ups",
    "close_as_interacted",
    "close_ignored",
    "expirable",
    "follow_up_candidates",
    "get_introduction",
    "interacted",
    "intro_stats",
    "introductions",
    "latest_for_member",
    "mark_sent",
    "record_response",
    "set_outcome",
]
