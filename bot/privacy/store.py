"""Delete one member's data from every table of a server, found by walking the metadata.

A table is covered when it has a `guild_id` column and a user column named by the contract
(user_id, *_user_id, author_id, asker_id, resolved_by). A row whose non-nullable user column
(or primary-key user column) is the member is deleted; a nullable one that only records the
member as an actor (say `resolved_by` on someone else's question) is cleared. Rows of child
tables that reference a deleted row with ON DELETE CASCADE are deleted first and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.members.store import user_columns
from bot.store.models import Base
from bot.store.models.core import Message, QuestionResponder


def _doomed_conditions(guild_id: int, user_id: int) -> dict[str, Any]:
    """For each table, the condition selecting the rows that must go (parents first)."""
    doomed: dict[str, Any] = {}
    for table in Base.metadata.sorted_tables:
        parts: list[Any] = []
        if "guild_id" in table.c:
            owned = [c for c in user_columns(table) if c.primary_key or not c.nullable]
            if owned:
                parts.append((table.c.guild_id == guild_id) & or_(*(c == user_id for c in owned)))
        for fk in table.foreign_keys:
            parent: Table = fk.column.table
            if fk.ondelete and fk.ondelete.upper() == "CASCADE" and parent.name in doomed:
                parent_rows = select(fk.column).where(doomed[parent.name])
                parts.append(fk.parent.in_(parent_rows))
        if parts:
            doomed[table.name] = or_(*parts) if len(parts) > 1 else parts[0]
    return doomed


async def delete_member_data(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, int]:
    """Remove the member from every table of the server; returns rows deleted or cleared per
    table (tables with nothing to remove are listed with 0). The caller commits."""
    doomed = _doomed_conditions(guild_id, user_id)
    counts: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):  # children before parents
        removed = 0
        condition = doomed.get(table.name)
        if condition is not None:
            result = await session.execute(delete(table).where(condition))
            removed += int(getattr(result, "rowcount", 0) or 0)
        if "guild_id" in table.c:
            for column in user_columns(table):
                if column.primary_key or not column.nullable:
                    continue
                result = await session.execute(
                    update(table)
                    .where(table.c.guild_id == guild_id, column == user_id)
                    .values({column.name: None})
                )
                removed += int(getattr(result, "rowcount", 0) or 0)
        if condition is not None or ("guild_id" in table.c and user_columns(table)):
            counts[table.name] = removed
    return counts


@dataclass(frozen=True, slots=True)
class Footprint:
    """What the live engine may still hold about a member: their messages and the questions
    they responded to (so a deletion can make it forget them too)."""

    messages: list[tuple[int, int]]  # (channel_id, message_id)
    responded_question_ids: list[int]


async def member_footprint(session: AsyncSession, guild_id: int, user_id: int) -> Footprint:
    messages = await session.execute(
        select(Message.channel_id, Message.message_id)
        .where(Message.guild_id == guild_id, Message.author_id == user_id)
        .order_by(Message.message_id)
    )
    responded = await session.scalars(
        select(QuestionResponder.question_id)
        .where(QuestionResponder.guild_id == guild_id, QuestionResponder.user_id == user_id)
        .order_by(QuestionResponder.question_id)
    )
    return Footprint([(int(c), int(m)) for c, m in messages], [int(q) for q in responded])


def covered_tables() -> list[str]:
    """Names of the tables `delete_member_data` looks at (for tests and the privacy notice)."""
    doomed = _doomed_conditions(0, 0)
    names = [t.name for t in Base.metadata.sorted_tables if t.name in doomed]
    names += [
        t.name
        for t in Base.metadata.sorted_tables
        if t.name not in doomed and "guild_id" in t.c and user_columns(t)
    ]
    return names


__all__ = ["Footprint", "covered_tables", "delete_member_data", "member_footprint"]
