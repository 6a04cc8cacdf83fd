"""Members: upserts, opt-out, and everything stored about one member (for /privacy)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.dialect import IN_CHUNK, dialect_insert, sql_earlier, sql_later
from bot.store.models import Base
from bot.store.models.core import Interaction, Interest, Member, Message, Question

USER_COLUMN_NAMES = frozenset({"user_id", "author_id", "asker_id", "resolved_by"})


def user_columns(table: Table) -> list[Column[Any]]:
    """Columns holding a member's id, by the naming contract (user_id, *_user_id, author_id,
    asker_id, resolved_by)."""
    return [c for c in table.columns if c.name in USER_COLUMN_NAMES or c.name.endswith("_user_id")]


def member_tables() -> list[Table]:
    """Every per-server table that can mention a member, parents before children."""
    return [t for t in Base.metadata.sorted_tables if "guild_id" in t.c and user_columns(t)]


async def upsert_member(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    *,
    is_bot: bool | None = None,
    is_staff: bool | None = None,
    joined_at: datetime | None = None,
    left_at: datetime | None = None,
    seen_at: datetime | None = None,
    timezone: str | None = None,
) -> None:
    """Create the member row or update the given fields (None leaves a field as it is)."""
    values: dict[str, Any] = {
        "is_bot": is_bot,
        "is_staff": is_staff,
        "joined_at": joined_at,
        "left_at": left_at,
        "timezone": timezone,
    }
    values = {k: v for k, v in values.items() if v is not None}
    if seen_at is not None:
        values["first_seen_at"] = seen_at
        values["last_seen_at"] = seen_at
    ins = dialect_insert(session, Member).values(guild_id=guild_id, user_id=user_id, **values)
    updates: dict[str, Any] = {
        k: ins.excluded[k] for k in values if k not in ("first_seen_at", "last_seen_at")
    }
    if seen_at is not None:
        old = Member.__table__.c
        updates["first_seen_at"] = sql_earlier(old.first_seen_at, ins.excluded.first_seen_at)
        updates["last_seen_at"] = sql_later(old.last_seen_at, ins.excluded.last_seen_at)
    if updates:
        await session.execute(ins.on_conflict_do_update(index_elements=["guild_id", "user_id"], set_=updates))
    else:
        await session.execute(ins.on_conflict_do_nothing(index_elements=["guild_id", "user_id"]))


async def set_opt_out(session: AsyncSession, guild_id: int, user_id: int, opted_out: bool) -> None:
    ins = dialect_insert(session, Member).values(guild_id=guild_id, user_id=user_id, opted_out=opted_out)
    await session.execute(
        ins.on_conflict_do_update(index_elements=["guild_id", "user_id"], set_={"opted_out": opted_out})
    )


async def opted_out_ids(session: AsyncSession, guild_id: int) -> set[int]:
    rows = await session.scalars(
        select(Member.user_id).where(Member.guild_id == guild_id, Member.opted_out.is_(True))
    )
    return set(rows)


async def staff_among(session: AsyncSession, guild_id: int, user_ids: list[int]) -> set[int]:
    """Which of these members are marked staff now."""
    marked: set[int] = set()
    for start in range(0, len(user_ids), IN_CHUNK):
        chunk = user_ids[start : start + IN_CHUNK]
        marked.update(
            await session.scalars(
                select(Member.user_id).where(
                    Member.guild_id == guild_id, Member.is_staff.is_(True), Member.user_id.in_(chunk)
                )
            )
        )
    return marked


async def mark_staff(session: AsyncSession, guild_id: int, user_ids: list[int], *, staff: bool) -> None:
    """Set `is_staff`. Marking creates the member row when needed; unmarking only touches
    existing rows (a member nobody marked has no row to change)."""
    if not user_ids:
        return
    if staff:
        ins = dialect_insert(session, Member)
        await session.execute(
            ins.on_conflict_do_update(index_elements=["guild_id", "user_id"], set_={"is_staff": True}),
            [{"guild_id": guild_id, "user_id": uid, "is_staff": True} for uid in user_ids],
        )
        return
    for start in range(0, len(user_ids), IN_CHUNK):
        chunk = user_ids[start : start + IN_CHUNK]
        await session.execute(
            update(Member)
            .where(Member.guild_id == guild_id, Member.user_id.in_(chunk))
            .values(is_staff=False)
        )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def member_summary(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    """Everything stored about the member in this server: the member row, interests, questions
    asked (with their snippets), activity counts, and the rows held per table."""
    member = await session.get(Member, (guild_id, user_id))
    profile = None
    if member is not None:
        profile = {
            c.name: _iso(getattr(member, c.key))
            for c in Member.__table__.columns
            if c.name not in ("guild_id", "user_id")
        }
    interests = list(
        await session.scalars(
            select(Interest.interest)
            .where(Interest.guild_id == guild_id, Interest.user_id == user_id)
            .order_by(Interest.interest)
        )
    )
    questions = [
        {
            "message_id": q.message_id,
            "channel_id": q.channel_id,
            "asked_at": _iso(q.asked_at),
            "status": q.status,
            "snippet": q.snippet,
            "topics": list(q.topics or ()),
        }
        for q in await session.scalars(
            select(Question)
            .where(Question.guild_id == guild_id, Question.asker_id == user_id)
            .order_by(Question.asked_at)
        )
    ]
    messages = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.guild_id == guild_id, Message.author_id == user_id)
    )
    given = await session.scalar(
        select(func.count())
        .select_from(Interaction)
        .where(Interaction.guild_id == guild_id, Interaction.source_user_id == user_id)
    )
    received = await session.scalar(
        select(func.count())
        .select_from(Interaction)
        .where(Interaction.guild_id == guild_id, Interaction.target_user_id == user_id)
    )
    rows_by_table: dict[str, int] = {}
    for table in member_tables():
        mentions = or_(*(c == user_id for c in user_columns(table)))
        count = await session.scalar(
            select(func.count()).select_from(table).where(table.c.guild_id == guild_id, mentions)
        )
        if count:
            rows_by_table[table.name] = int(count)
    return {
        "member": profile,
        "interests": interests,
        "questions_asked": questions,
        "messages_recorded": int(messages or 0),
        "responses_given": int(given or 0),
        "responses_received": int(received or 0),
        "rows_by_table": rows_by_table,
    }


__all__ = [
    "USER_COLUMN_NAMES",
    "mark_staff",
    "member_summary",
    "member_tables",
    "opted_out_ids",
    "set_opt_out",
    "staff_among",
    "upsert_member",
]
