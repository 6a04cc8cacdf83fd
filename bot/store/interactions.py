"""Interactions (who responded to whom): windows, first contact per pair, streaming."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.facts import InteractionFact
from bot.store.models.core import Interaction

_COLUMNS = (
    Interaction.guild_id,
    Interaction.channel_id,
    Interaction.message_id,
    Interaction.source_user_id,
    Interaction.target_user_id,
    Interaction.target_message_id,
    Interaction.kind,
    Interaction.at,
)


def _fact(row: Any) -> InteractionFact:
    guild_id, channel_id, message_id, source, target, target_message_id, kind, at = row
    return InteractionFact(
        guild_id=guild_id,
        channel_id=channel_id,
        message_id=message_id,
        source_user_id=source,
        target_user_id=target,
        target_message_id=target_message_id,
        kind=kind,
        at=at,
    )


def _window(guild_id: int, start: datetime | None, end: datetime | None) -> list[Any]:
    conditions: list[Any] = [Interaction.guild_id == guild_id]
    if start is not None:
        conditions.append(Interaction.at >= start)
    if end is not None:
        conditions.append(Interaction.at < end)
    return conditions


async def interactions_between(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime
) -> list[InteractionFact]:
    """Interactions in [start, end), in time order."""
    rows = await session.execute(
        select(*_COLUMNS)
        .where(*_window(guild_id, start, end))
        .order_by(
            Interaction.at, Interaction.message_id, Interaction.source_user_id, Interaction.target_user_id
        )
    )
    return [_fact(row) for row in rows]


async def iter_interactions(
    session: AsyncSession,
    guild_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    chunk_size: int = 5000,
) -> AsyncIterator[InteractionFact]:
    """Every interaction of the guild (optionally in [start, end)) in time order, streamed."""
    stmt = (
        select(*_COLUMNS)
        .where(*_window(guild_id, start, end))
        .order_by(
            Interaction.at, Interaction.message_id, Interaction.source_user_id, Interaction.target_user_id
        )
        .execution_options(yield_per=chunk_size)
    )
    result = await session.stream(stmt)
    async for row in result:
        yield _fact(row)


async def first_interaction_at_per_pair(
    session: AsyncSession, guild_id: int, *, before: datetime | None = None
) -> dict[tuple[int, int], datetime]:
    """For every pair of members who ever interacted (either direction), the first time they
    did, keyed by (lower id, higher id). `before` limits to interactions earlier than it.
    A pair whose first time falls inside a week is a new connection that week."""
    low = case(
        (Interaction.source_user_id < Interaction.target_user_id, Interaction.source_user_id),
        else_=Interaction.target_user_id,
    )
    high = case(
        (Interaction.source_user_id < Interaction.target_user_id, Interaction.target_user_id),
        else_=Interaction.source_user_id,
    )
    stmt = (
        select(low.label("low"), high.label("high"), func.min(Interaction.at).label("first_at"))
        .where(*_window(guild_id, None, before), Interaction.source_user_id != Interaction.target_user_id)
        .group_by(low, high)
    )
    first: dict[tuple[int, int], datetime] = {}
    for a, b, at in await session.execute(stmt):
        first[(int(a), int(b))] = _aware(at)
    return first


def _aware(value: Any) -> datetime:
    """A `min()` result as an aware UTC datetime, whatever the driver returned."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


__all__ = ["first_interaction_at_per_pair", "interactions_between", "iter_interactions"]
