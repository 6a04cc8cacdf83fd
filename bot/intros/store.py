"""Storage for introductions: opted-in members, server settings, claimed rounds, and recording
the introductions a round makes, and what happens after: delivery, follow-up, answers, outcome and stats.

Plain async functions over an `AsyncSession`; they return core dataclasses or small frozen rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.intros.matching import Pair, pair_key
from bot.intros.rounds import Candidate, as_frequency, took, tz_offset_hours
from bot.store.models.core import Interaction, Interest, Member, Message
from bot.store.models.intros import Introduction, IntroductionMember, IntroMember, IntroRound


@dataclass(frozen=True, slots=True)
class IntroMemberRow:
    guild_id: int
    user_id: int
    frequency: str
    timezone: str | None
    paused_until: datetime | None
    active: bool
    ignored_count: int
    joined_at: datetime
    last_intro_at: datetime | None


def _member_row(m: IntroMember) -> IntroMemberRow:
    return IntroMemberRow(
        m.guild_id,
        m.user_id,
        m.frequency,
        m.timezone,
        m.paused_until,
        m.active,
        m.ignored_count,
        m.joined_at,
        m.last_intro_at,
    )


def _dialect_insert(session: AsyncSession, table: Any) -> Any:
    name = session.get_bind().dialect.name
    return postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)


# ---- members ----------------------------------------------------------------------------


async def get_member(session: AsyncSession, guild_id: int, user_id: int) -> IntroMemberRow | None:
    row = await session.get(IntroMember, (guild_id, user_id))
    return None if row is None else _member_row(row)


async def upsert_member(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    *,
    frequency: str,
    timezone: str | None,
    now: datetime,
) -> IntroMemberRow:
    """Join (or re-join): active, not paused, the ignore count starts over."""
    row = await session.get(IntroMember, (guild_id, user_id))
    if row is None:
        row = IntroMember(guild_id=guild_id, user_id=user_id, joined_at=now, ignored_count=0)
        session.add(row)
    row.frequency = frequency
    row.timezone = timezone
    row.active = True
    row.paused_until = None
    row.ignored_count = 0
    await session.flush()
    return _member_row(row)


async def set_paused(session: AsyncSession, guild_id: int, user_id: int, until: datetime | None) -> bool:
    result = await session.execute(
        update(IntroMember)
        .where(IntroMember.guild_id == guild_id, IntroMember.user_id == user_id)
        .values(paused_until=until)
    )
    return bool(getattr(result, "rowcount", 0))


async def set_active(session: AsyncSession, guild_id: int, user_ids: Iterable[int], active: bool) -> int:
    ids = list(user_ids)
    if not ids:
        return 0
    result = await session.execute(
        update(IntroMember)
        .where(IntroMember.guild_id == guild_id, IntroMember.user_id.in_(ids))
        .values(active=active)
    )
    return int(getattr(result, "rowcount", 0))


async def member_interests(session: AsyncSession, guild_id: int, user_id: int) -> tuple[str, ...]:
    rows = await session.execute(
        select(Interest.interest)
        .where(Interest.guild_id == guild_id, Interest.user_id == user_id)
        .order_by(Interest.interest)
    )
    return tuple(rows.scalars())


async def count_active(session: AsyncSession, guild_id: int) -> int:
    stmt = select(func.count()).where(IntroMember.guild_id == guild_id, IntroMember.active.is_(True))
    return int((await session.execute(stmt)).scalar_one())


# ---- rounds -----------------------------------------------------------------------------


async def pool_guilds(session: AsyncSession, guild_ids: Iterable[int] | None = None) -> list[int]:
    """Servers with at least one active member in the pool."""
    stmt = select(IntroMember.guild_id).where(IntroMember.active.is_(True)).distinct()
    if guild_ids is not None:
        stmt = stmt.where(IntroMember.guild_id.in_(list(guild_ids)))
    return sorted((await session.execute(stmt)).scalars())


async def claim_round(session: AsyncSession, guild_id: int, round_key: str, now: datetime) -> int | None:
    """Insert the round row; None when this round was already claimed (by us or another process)."""
    stmt = (
        _dialect_insert(session, IntroRound)
        .values(guild_id=guild_id, round_key=round_key, created_at=now, groups=0)
        .on_conflict_do_nothing(index_elements=["guild_id", "round_key"])
        .returning(IntroRound.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def round_keys(session: AsyncSession, guild_id: int) -> list[str]:
    stmt = select(IntroRound.round_key).where(IntroRound.guild_id == guild_id).order_by(IntroRound.id)
    return list((await session.execute(stmt)).scalars())


async def load_candidates(
    session: AsyncSession, guild_id: int, now: datetime, guild_tz: str
) -> list[Candidate]:
    members = (
        await session.execute(
            select(IntroMember, Member.left_at, Member.timezone)
            .outerjoin(
                Member, and_(Member.guild_id == IntroMember.guild_id, Member.user_id == IntroMember.user_id)
            )
            .where(IntroMember.guild_id == guild_id, IntroMember.active.is_(True))
        )
    ).all()
    interests: dict[int, set[str]] = defaultdict(set)
    rows = await session.execute(
        select(Interest.user_id, Interest.interest)
        .join(
            IntroMember,
            and_(IntroMember.guild_id == Interest.guild_id, IntroMember.user_id == Interest.user_id),
        )
        .where(Interest.guild_id == guild_id, IntroMember.active.is_(True))
    )
    for user_id, interest in rows:
        interests[user_id].add(interest)
    return [
        Candidate(
            user_id=m.user_id,
            interests=frozenset(interests.get(m.user_id, ())),
            tz_offset_hours=tz_offset_hours(m.timezone or member_tz or guild_tz, now),
            frequency=as_frequency(m.frequency),
            last_intro_at=m.last_intro_at,
            paused_until=m.paused_until,
            in_guild=left_at is None,
            ignored_count=m.ignored_count,
        )
        for m, left_at, member_tz in members
    ]


async def recent_pairs(session: AsyncSession, guild_id: int, since: datetime) -> dict[Pair, datetime]:
    """Every pair introduced since `since`, with the latest time."""
    rows = await session.execute(
        select(IntroductionMember.introduction_id, IntroductionMember.user_id, Introduction.created_at)
        .join(Introduction, Introduction.id == IntroductionMember.introduction_id)
        .where(Introduction.guild_id == guild_id, Introduction.created_at >= since)
    )
    groups: dict[int, list[int]] = defaultdict(list)
    when: dict[int, datetime] = {}
    for intro_id, user_id, created_at in rows:
        groups[intro_id].append(user_id)
        when[intro_id] = created_at
    pairs: dict[Pair, datetime] = {}
    for intro_id, members in groups.items():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                key = pair_key(a, b)
                if key not in pairs or pairs[key] < when[intro_id]:
                    pairs[key] = when[intro_id]
    return pairs


async def connected_pairs(session: AsyncSession, guild_id: int) -> set[Pair]:
    """Pairs of pool members who have interacted at some point (either direction)."""
    src, dst = aliased(IntroMember), aliased(IntroMember)
    rows = await session.execute(
        select(Interaction.source_user_id, Interaction.target_user_id)
        .join(src, and_(src.guild_id == Interaction.guild_id, src.user_id == Interaction.source_user_id))
        .join(dst, and_(dst.guild_id == Interaction.guild_id, dst.user_id == Interaction.target_user_id))
        .where(Interaction.guild_id == guild_id)
        .distinct()
    )
    return {pair_key(a, b) for a, b in rows if a != b}


async def record_introductions(
    session: AsyncSession,
    guild_id: int,
    round_id: int | None,
    now: datetime,
    channel_id: int | None,
    groups: Sequence[tuple[tuple[int, ...], tuple[str, ...], str]],
) -> list[int]:
    """Insert one introduction per (members, shared interests, starter); returns their ids in order."""
    if not groups:
        return []
    values = [
        {
            "guild_id": guild_id,
            "round_id": round_id,
            "created_at": now,
            "channel_id": channel_id,
            "shared_interests": list(shared),
            "starter": starter,
            "outcome": "pending",
        }
        for _members, shared, starter in groups
    ]
    # Autoincrement ids grow in insertion order within this statement (SQLite holds the write
    # lock; PostgreSQL draws the sequence row by row and the batches run in order), so sorted
    # ids are the rows in order: SQLAlchemy relies on the same for PostgreSQL, and it is ten
    # times faster than per-row sentinels on SQLite.
    returned = await session.execute(insert(Introduction).returning(Introduction.id), values)
    ids = sorted(returned.scalars())
    rows = [
        {"introduction_id": intro_id, "user_id": uid, "guild_id": guild_id}
        for intro_id, (members, _, _) in zip(ids, groups, strict=True)
        for uid in members
    ]
    if rows:
        await session.execute(_dialect_insert(session, IntroductionMember), rows)
        placed = [r["user_id"] for r in rows]
        for start in range(0, len(placed), 500):
            await session.execute(
                update(IntroMember)
                .where(IntroMember.guild_id == guild_id, IntroMember.user_id.in_(placed[start : start + 500]))
                .values(last_intro_at=now)
            )
    if round_id is not None:
        await session.execute(update(IntroRound).where(IntroRound.id == round_id).values(groups=len(ids)))
    return ids


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
    "IntroMemberRow",
    "IntroductionRow",
    "claim_follow_ups",
    "claim_round",
    "close_as_interacted",
    "close_ignored",
    "connected_pairs",
    "count_active",
    "expirable",
    "follow_up_candidates",
    "get_introduction",
    "get_member",
    "interacted",
    "intro_stats",
    "introductions",
    "latest_for_member",
    "load_candidates",
    "mark_sent",
    "member_interests",
    "pool_guilds",
    "recent_pairs",
    "record_introductions",
    "record_response",
    "round_keys",
    "set_active",
    "set_outcome",
    "set_paused",
    "upsert_member",
]
