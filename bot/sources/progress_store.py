"""Resumable progress markers: `analyze` runs over exports and live backfills per channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.dialect import dialect_insert
from bot.store.models.core import BackfillProgress, IngestProgress


@dataclass(frozen=True, slots=True)
class IngestProgressRow:
    source_key: str
    guild_id: int | None
    last_message_id: int | None
    messages_done: int
    done: bool
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class BackfillProgressRow:
    guild_id: int
    channel_id: int
    oldest_done_message_id: int | None
    newest_done_message_id: int | None
    done: bool
    target_after: datetime | None
    updated_at: datetime | None


async def get_ingest_progress(session: AsyncSession, source_key: str) -> IngestProgressRow | None:
    row = await session.get(IngestProgress, source_key, populate_existing=True)
    if row is None:
        return None
    return IngestProgressRow(
        row.source_key, row.guild_id, row.last_message_id, row.messages_done, row.done, row.updated_at
    )


async def set_ingest_progress(
    session: AsyncSession,
    source_key: str,
    *,
    guild_id: int | None = None,
    last_message_id: int | None = None,
    messages_done: int = 0,
    done: bool = False,
    updated_at: datetime | None = None,
) -> None:
    values: dict[str, Any] = {
        "guild_id": guild_id,
        "last_message_id": last_message_id,
        "messages_done": messages_done,
        "done": done,
        "updated_at": updated_at,
    }
    ins = dialect_insert(session, IngestProgress).values(source_key=source_key, **values)
    await session.execute(ins.on_conflict_do_update(index_elements=["source_key"], set_=values))


async def get_backfill_progress(session: AsyncSession, guild_id: int) -> list[BackfillProgressRow]:
    rows = await session.execute(
        select(
            BackfillProgress.guild_id,
            BackfillProgress.channel_id,
            BackfillProgress.oldest_done_message_id,
            BackfillProgress.newest_done_message_id,
            BackfillProgress.done,
            BackfillProgress.target_after,
            BackfillProgress.updated_at,
        )
        .where(BackfillProgress.guild_id == guild_id)
        .order_by(BackfillProgress.channel_id)
    )
    return [BackfillProgressRow(*row) for row in rows]


async def set_backfill_progress(
    session: AsyncSession,
    *,
    guild_id: int,
    channel_id: int,
    oldest_done_message_id: int | None = None,
    newest_done_message_id: int | None = None,
    done: bool = False,
    target_after: datetime | None = None,
    updated_at: datetime | None = None,
) -> None:
    """Record a channel's backfill state (`oldest_done_message_id=None` keeps the stored one)."""
    values: dict[str, Any] = {
        "newest_done_message_id": newest_done_message_id,
        "done": done,
        "target_after": target_after,
        "updated_at": updated_at,
    }
    if oldest_done_message_id is not None:
        values["oldest_done_message_id"] = oldest_done_message_id
    ins = dialect_insert(session, BackfillProgress).values(guild_id=guild_id, channel_id=channel_id, **values)
    await session.execute(ins.on_conflict_do_update(index_elements=["guild_id", "channel_id"], set_=values))


__all__ = [
    "BackfillProgressRow",
    "IngestProgressRow",
    "get_backfill_progress",
    "get_ingest_progress",
    "set_backfill_progress",
    "set_ingest_progress",
]
