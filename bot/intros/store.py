"""Storage for introductions: opted-in members, server settings, claimed rounds, and recording
the introductions a round makes (their follow-up and outcome live in `intro_outcomes`).

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
from bot.intros.outcomes_store import intro_stats
from bot.intros.rounds import Candidate, IntroSettings, as_frequency, tz_offset_hours
from bot.store.models.core import GuildSettings, Interaction, Interest, Member
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


@dataclass(frozen=True, slots=True)
class GuildIntroConfig:
    guild_id: int
    timezone: str
    intro_channel_id: int | None
    settings: IntroSettings


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


async def guild_configs(
    session: AsyncSession, guild_ids: Iterable[int] | None = None
) -> list[GuildIntroConfig]:
    """Servers with at least one active member in the pool, with their settings."""
    active = select(IntroMember.guild_id).where(IntroMember.active.is_(True)).distinct()
    if guild_ids is not None:
        active = active.where(IntroMember.guild_id.in_(list(guild_ids)))
    pool = active.subquery()
    stmt = (
        select(pool.c.guild_id, GuildSettings.timezone, GuildSettings.intro_channel_id, GuildSettings.intros)
        .outerjoin(GuildSettings, GuildSettings.guild_id == pool.c.guild_id)
        .order_by(pool.c.guild_id)
    )
    rows = (await session.execute(stmt)).all()
    return [
        GuildIntroConfig(gid, tz or "UTC", channel, IntroSettings.from_json(raw))
        for gid, tz, channel, raw in rows
    ]


async def guild_config(session: AsyncSession, guild_id: int) -> GuildIntroConfig:
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        return GuildIntroConfig(guild_id, "UTC", None, IntroSettings())
    return GuildIntroConfig(
        guild_id, row.timezone or "UTC", row.intro_channel_id, IntroSettings.from_json(row.intros)
    )


async def save_guild_settings(
    session: AsyncSession, guild_id: int, settings: IntroSettings, intro_channel_id: int | None
) -> None:
    """Store the server's intro settings (creating its settings row with defaults if needed)."""
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        row = GuildSettings(
            guild_id=guild_id,
            help_channel_ids=[],
            excluded_channel_ids=[],
            staff_role_ids=[],
            nudges={},
            digest={},
        )
        session.add(row)
    row.intros = settings.to_json()
    row.intro_channel_id = intro_channel_id
    await session.flush()


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


__all__ = [
    "GuildIntroConfig",
    "IntroMemberRow",
    "claim_round",
    "connected_pairs",
    "count_active",
    "get_member",
    "guild_config",
    "guild_configs",
    "intro_stats",
    "load_candidates",
    "member_interests",
    "recent_pairs",
    "record_introductions",
    "round_keys",
    "save_guild_settings",
    "set_active",
    "set_paused",
    "upsert_member",
]
