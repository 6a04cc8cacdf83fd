"""Delete one member's data from every table of a server, found by walking the metadata.

Two naming contracts say what points at a member. User columns (user_id, *_user_id,
author_id, asker_id, resolved_by) hold the member; message columns (message_id,
*_message_id, question_id) hold one of their messages. A row whose non-nullable (or
primary-key) user or message column points at them is deleted, with the rows of child tables
that reference it with ON DELETE CASCADE (deleted first and counted); a nullable one that
only records them (say `resolved_by`, or `first_response_message_id` on someone else's
question) is cleared. JSON columns marked `names_messages` (a stored digest's links) lose
the entries that name the member or one of their messages. Positions in a channel's history
(`last_message_id`, `*_done_message_id`) are bookmarks, not data about anyone: they stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, delete, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.members.store import user_columns
from bot.store.dialect import IN_CHUNK
from bot.store.models import Base
from bot.store.models.core import Message, Question, QuestionResponder

POSITION_COLUMNS = frozenset({"last_message_id", "oldest_done_message_id", "newest_done_message_id"})
_IDS = re.compile(r"\d{15,21}")


def message_columns(table: Table) -> list[Column[Any]]:
    """Columns holding a message's id, by the naming contract (bookmarks excluded)."""
    return [
        c
        for c in table.columns
        if (c.name in ("message_id", "question_id") or c.name.endswith("_message_id"))
        and c.name not in POSITION_COLUMNS
    ]


def _owned(column: Column[Any]) -> bool:
    return bool(column.primary_key or not column.nullable)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield list(ids[start : start + IN_CHUNK])


async def member_message_ids(session: AsyncSession, guild_id: int, user_id: int) -> list[int]:
    """Every stored message of the member in the server: what they wrote and what they asked."""
    rows = await session.scalars(
        union(
            select(Message.message_id).where(Message.guild_id == guild_id, Message.author_id == user_id),
            select(Question.message_id).where(Question.guild_id == guild_id, Question.asker_id == user_id),
        )
    )
    return sorted(int(r) for r in rows)


class _Deletion:
    """One deletion's statements, counting rows per table as they go."""

    def __init__(self, session: AsyncSession, guild_id: int) -> None:
        self.session = session
        self.guild_id = guild_id
        self.deleted: dict[str, int] = {}
        self.changed: dict[str, set[tuple[Any, ...]]] = {}  # primary keys: a row changed twice counts once

    @property
    def counts(self) -> dict[str, int]:
        names = {*self.deleted, *self.changed}
        return {n: self.deleted.get(n, 0) + len(self.changed.get(n, ())) for n in names}

    def _add(self, table: Table, result: Any) -> None:
        self.deleted[table.name] = self.deleted.get(table.name, 0) + int(getattr(result, "rowcount", 0) or 0)

    async def _mark(self, table: Table, condition: ColumnElement[bool]) -> None:
        keys = await self.session.execute(select(*table.primary_key.columns).where(condition))
        self.changed.setdefault(table.name, set()).update(tuple(k) for k in keys.all())

    async def delete(self, table: Table, condition: ColumnElement[bool]) -> None:
        """Rows of `table` matching `condition`, the rows that cascade from them first."""
        for child in Base.metadata.sorted_tables:
            for fk in child.foreign_keys:
                if fk.column.table is table and (fk.ondelete or "").upper() == "CASCADE":
                    await self.delete(child, fk.parent.in_(select(fk.column).where(condition)))
        self._add(table, await self.session.execute(delete(table).where(condition)))

    async def clear(self, table: Table, column: Column[Any], condition: ColumnElement[bool]) -> None:
        await self._mark(table, condition)
        await self.session.execute(update(table).where(condition).values({column.name: None}))

    async def scrub(self, table: Table, column: Column[Any], needles: set[str]) -> None:
        """Take every entry naming one of `needles` out of a JSON column, row by row."""
        key = list(table.primary_key.columns)
        rows = await self.session.execute(select(*key, column).where(table.c.guild_id == self.guild_id))
        for *pk, value in rows.all():
            kept, changed = _scrubbed(value, needles)
            if changed:
                where = [c == v for c, v in zip(key, pk, strict=True)]
                await self.session.execute(update(table).where(*where).values({column.name: kept}))
                self.changed.setdefault(table.name, set()).add(tuple(pk))


def _names(value: Any, needles: set[str]) -> bool:
    if isinstance(value, str):
        return any(found in needles for found in _IDS.findall(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) in needles
    if isinstance(value, dict):
        return any(_names(v, needles) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, needles) for v in value)
    return False


def _scrubbed(value: Any, needles: set[str]) -> tuple[Any, bool]:
    """`value` without the list entries that name a needle (other values naming one become None)."""
    if isinstance(value, list):
        kept = [_scrubbed(v, needles)[0] for v in value if not _names(v, needles)]
        return kept, kept != value
    if isinstance(value, dict):
        out = {k: _scrubbed(v, needles)[0] for k, v in value.items()}
        return out, out != value
    if _names(value, needles):
        return None, True
    return value, False


async def delete_member_data(
    session: AsyncSession, guild_id: int, user_id: int, message_ids: Sequence[int] | None = None
) -> dict[str, int]:
    """Remove the member (and rows about their messages, `message_ids`: their stored messages
    when not given) from every table of the server; returns rows deleted or anonymised per
    table (tables with nothing to remove are listed with 0). The caller commits."""
    if message_ids is None:
        message_ids = await member_message_ids(session, guild_id, user_id)
    work = _Deletion(session, guild_id)
    tables = [t for t in reversed(Base.metadata.sorted_tables) if "guild_id" in t.c]  # children first
    for table in tables:
        in_guild = table.c.guild_id == guild_id
        for column in user_columns(table):
            if _owned(column):
                await work.delete(table, in_guild & (column == user_id))
        for column in message_columns(table):
            if _owned(column):
                for chunk in _chunks(message_ids):
                    await work.delete(table, in_guild & column.in_(chunk))
    for table in tables:
        in_guild = table.c.guild_id == guild_id
        for column in user_columns(table):
            if not _owned(column):
                await work.clear(table, column, in_guild & (column == user_id))
        for column in message_columns(table):
            if not _owned(column):
                for chunk in _chunks(message_ids):
                    await work.clear(table, column, in_guild & column.in_(chunk))
        for column in table.columns:
            if column.info.get("names_messages"):
                await work.scrub(table, column, {str(user_id), *map(str, message_ids)})
    counts = work.counts
    for table in covered_tables_of():
        counts.setdefault(table.name, 0)
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


def covered_tables_of() -> list[Table]:
    """The tables `delete_member_data` looks at: per server, with a user or message column, or
    a JSON column that names messages, or a foreign key that cascades from one of those."""
    direct = {
        t.name
        for t in Base.metadata.sorted_tables
        if "guild_id" in t.c
        and (user_columns(t) or message_columns(t) or any(c.info.get("names_messages") for c in t.columns))
    }
    for table in Base.metadata.sorted_tables:  # parents come first
        if any((fk.ondelete or "").upper() == "CASCADE" and fk.column.table.name in direct for fk in table.foreign_keys):
            direct.add(table.name)
    return [t for t in Base.metadata.sorted_tables if t.name in direct]


def covered_tables() -> list[str]:
    """Names of the tables `delete_member_data` looks at (for tests and the privacy notice)."""
    return [t.name for t in covered_tables_of()]


__all__ = [
    "Footprint",
    "covered_tables",
    "delete_member_data",
    "member_footprint",
    "member_message_ids",
    "message_columns",
]
