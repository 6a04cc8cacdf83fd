"""Digest storage and the queries that gather one week's digest inputs.

The heavy lifting is SQL aggregation: interactions come back as weekly pair counts and first
contacts per member pair, so a week with a million interactions becomes a few hundred
thousand rows, not a million objects.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.digest.week_digest import WeekCounts
from bot.store.base import UTCDateTime
from bot.store.models.core import Member, Message
from bot.store.models.digests import Digest, DigestWeekCounts

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class DigestRow:
    id: int
    guild_id: int
    week_key: str
    created_at: datetime
    posted_at: datetime | None
    message_id: int | None
    channel_id: int | None
    late: bool
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class People:
    staff_ids: frozenset[int]
    bot_ids: frozenset[int]
    opted_out_ids: frozenset[int]


def _dialect_insert(session: AsyncSession, table: Any) -> Any:
    name = session.get_bind().dialect.name
    return postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)


def _row(d: Digest) -> DigestRow:
    return DigestRow(
        d.id,
        d.guild_id,
        d.week_key,
        d.created_at,
        d.posted_at,
        d.message_id,
        d.channel_id,
        d.late,
        dict(d.figures or {}),
    )


# ---- configuration ---------------------------------------------------------------------


# ---- the exactly-once guard ------------------------------------------------------------


async def claim(
    session: AsyncSession,
    guild_id: int,
    week_key: str,
    now: datetime,
    *,
    channel_id: int | None,
    late: bool,
    figures: dict[str, Any],
) -> int | None:
    """Write the week's row; its id, or None when the week was already claimed."""
    stmt = (
        _dialect_insert(session, Digest)
        .values(
            guild_id=guild_id,
            week_key=week_key,
            created_at=now,
            channel_id=channel_id,
            late=late,
            figures=figures,
        )
        .on_conflict_do_nothing(index_elements=["guild_id", "week_key"])
        .returning(Digest.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def mark_sent(
    session: AsyncSession,
    digest_id: int,
    *,
    message_id: int | None,
    channel_id: int | None,
    posted_at: datetime,
) -> None:
    await session.execute(
        update(Digest)
        .where(Digest.id == digest_id)
        .values(message_id=message_id, channel_id=channel_id, posted_at=posted_at)
    )


async def get(session: AsyncSession, guild_id: int, week_key: str) -> DigestRow | None:
    found = (
        await session.execute(select(Digest).where(Digest.guild_id == guild_id, Digest.week_key == week_key))
    ).scalar_one_or_none()
    return None if found is None else _row(found)


async def claimed_guilds(session: AsyncSession, pairs: Collection[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of the (guild, week) pairs already have a row."""
    found: set[tuple[int, str]] = set()
    items = list(pairs)
    for i in range(0, len(items), _IN_CHUNK):
        chunk = items[i : i + _IN_CHUNK]
        cond = or_(*(and_(Digest.guild_id == g, Digest.week_key == w) for g, w in chunk))
        rows = await session.execute(select(Digest.guild_id, Digest.week_key).where(cond))
        found.update((int(g), str(w)) for g, w in rows)
    return found


# ---- week inputs -----------------------------------------------------------------------


async def people(session: AsyncSession, guild_id: int) -> People:
    """Staff, bot and opted-out accounts of the server (small sets)."""
    rows = await session.execute(
        select(Member.user_id, Member.is_staff, Member.is_bot, Member.opted_out).where(
            Member.guild_id == guild_id,
            or_(Member.is_staff.is_(True), Member.is_bot.is_(True), Member.opted_out.is_(True)),
        )
    )
    staff: set[int] = set()
    bots: set[int] = set()
    opted: set[int] = set()
    for uid, is_staff, is_bot, opted_out in rows:
        if is_staff:
            staff.add(uid)
        if is_bot:
            bots.add(uid)
        if opted_out:
            opted.add(uid)
    return People(frozenset(staff), frozenset(bots), frozenset(opted))


async def activity_span(session: AsyncSession, guild_id: int) -> tuple[datetime, datetime] | None:
    """The oldest and newest message time stored for the server, or None without messages."""
    row = (
        await session.execute(
            select(
                func.min(Message.created_at, type_=UTCDateTime),
                func.max(Message.created_at, type_=UTCDateTime),
            ).where(Message.guild_id == guild_id)
        )
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


async def guilds_with_data(session: AsyncSession) -> list[int]:
    rows = await session.execute(select(Message.guild_id).distinct())
    return sorted(int(g) for (g,) in rows)


__all__ = [
    "DigestRow",
    "People",
    "activity_span",
    "cached_weeks",
    "claim",
    "claimed_guilds",
    "get",
    "guilds_with_data",
    "mark_sent",
    "people",
    "store_weeks",
]


async def cached_weeks(
    session: AsyncSession, guild_id: int, keys: Sequence[str], timezone: str
) -> dict[str, tuple[WeekCounts, bool]]:
    """Stored counts of finished weeks (same time zone): week -> (counts, has every figure)."""
    rows = await session.execute(
        select(DigestWeekCounts.week_key, DigestWeekCounts.counts).where(
            DigestWeekCounts.guild_id == guild_id,
            DigestWeekCounts.week_key.in_(list(keys)),
            DigestWeekCounts.timezone == timezone,
        )
    )
    return {str(key): (WeekCounts.from_json(counts), bool(counts.get("detail"))) for key, counts in rows}


async def store_weeks(
    session: AsyncSession,
    guild_id: int,
    weeks: Mapping[str, tuple[WeekCounts, bool]],
    timezone: str,
    now: datetime,
) -> None:
    """Keep the counts of finished weeks; `True` marks counts with every figure (not only history)."""
    if not weeks:
        return
    stmt = _dialect_insert(session, DigestWeekCounts).values(
        [
            {
                "guild_id": guild_id,
                "week_key": key,
                "timezone": timezone,
                "counts": {**counts.to_json(), "detail": detail},
                "computed_at": now,
            }
            for key, (counts, detail) in weeks.items()
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["guild_id", "week_key"],
        set_={"counts": stmt.excluded.counts, "timezone": stmt.excluded.timezone, "computed_at": now},
    )
    await session.execute(stmt)


async def first_activity(session: AsyncSession, guild_ids: Collection[int]) -> dict[int, datetime]:
    """When each server's first stored message was posted (servers with none are left out)."""
    if not guild_ids:
        return {}
    rows = await session.execute(
        select(Message.guild_id, func.min(Message.created_at))
        .where(Message.guild_id.in_(list(guild_ids)))
        .group_by(Message.guild_id)
    )
    kind, dialect = UTCDateTime(), session.get_bind().dialect
    found: dict[int, datetime] = {}
    for gid, first in rows:
        when = kind.process_result_value(first, dialect)
        if when is not None:
            found[gid] = when
    return found
