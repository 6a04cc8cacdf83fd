"""Member interests (lowercase, per server) for introductions and autocomplete."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.dialect import dialect_insert
from bot.store.models.core import BlockedInterest, Interest


def normalise(interest: str) -> str:
    return " ".join(interest.split()).lower()


async def add_interest(session: AsyncSession, guild_id: int, user_id: int, interest: str) -> bool:
    """Returns False when the member already had it."""
    value = normalise(interest)
    if not value:
        raise ValueError("empty interest")
    ins = dialect_insert(session, Interest).values(guild_id=guild_id, user_id=user_id, interest=value)
    result = await session.execute(ins.on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0))


async def remove_interest(session: AsyncSession, guild_id: int, user_id: int, interest: str) -> bool:
    result = await session.execute(
        delete(Interest).where(
            Interest.guild_id == guild_id,
            Interest.user_id == user_id,
            Interest.interest == normalise(interest),
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def list_interests(session: AsyncSession, guild_id: int, user_id: int) -> list[str]:
    rows = await session.scalars(
        select(Interest.interest)
        .where(Interest.guild_id == guild_id, Interest.user_id == user_id)
        .order_by(Interest.interest)
    )
    return list(rows)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def guild_interests(
    session: AsyncSession, guild_id: int, prefix: str = "", limit: int = 25, *, min_members: int = 1
) -> list[str]:
    """Distinct interests in the server starting with `prefix`, held by at least `min_members`
    members and not blocked, most common first (autocomplete)."""
    blocked = select(BlockedInterest.interest).where(BlockedInterest.guild_id == guild_id)
    stmt = select(Interest.interest).where(Interest.guild_id == guild_id, Interest.interest.not_in(blocked))
    needle = normalise(prefix)
    if needle:
        stmt = stmt.where(Interest.interest.like(_escape_like(needle) + "%", escape="\\"))
    stmt = (
        stmt.group_by(Interest.interest)
        .having(func.count() >= min_members)
        .order_by(func.count().desc(), Interest.interest)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def blocked_interests(session: AsyncSession, guild_id: int) -> set[str]:
    rows = await session.scalars(select(BlockedInterest.interest).where(BlockedInterest.guild_id == guild_id))
    return set(rows)


async def block_interest(session: AsyncSession, guild_id: int, interest: str, at: datetime) -> int:
    """Block `interest` in the server and take it from every member; returns how many had it."""
    removed = await session.execute(
        delete(Interest).where(Interest.guild_id == guild_id, Interest.interest == interest)
    )
    await session.execute(
        dialect_insert(session, BlockedInterest)
        .values(guild_id=guild_id, interest=interest, blocked_at=at)
        .on_conflict_do_nothing()
    )
    return int(getattr(removed, "rowcount", 0) or 0)


async def unblock_interest(session: AsyncSession, guild_id: int, interest: str) -> bool:
    result = await session.execute(
        delete(BlockedInterest).where(BlockedInterest.guild_id == guild_id, BlockedInterest.interest == interest)
    )
    return bool(getattr(result, "rowcount", 0))


async def all_interests(session: AsyncSession, guild_id: int) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    rows = await session.execute(
        select(Interest.user_id, Interest.interest).where(Interest.guild_id == guild_id)
    )
    for user_id, interest in rows:
        found.setdefault(user_id, set()).add(interest)
    return found


__all__ = [
    "add_interest",
    "all_interests",
    "block_interest",
    "blocked_interests",
    "guild_interests",
    "list_interests",
    "normalise",
    "remove_interest",
    "unblock_interest",
]
